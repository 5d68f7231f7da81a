"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

One browser per test session; a fresh context (cookies, localStorage) and page per test.
The live server needs ``transactional_db``: the server thread must see the committed rows.
"""

import os

# Playwright's sync API runs an asyncio loop in this thread; without this Django refuses ORM
# calls from the test thread ("SynchronousOnlyOperation"). Standard workaround for tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest  # noqa: E402

CHROMIUM = os.environ.get("CITYOPS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP = {"width": 1366, "height": 768}
WALL = {"width": 2560, "height": 1440}


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="session")
def browser(_playwright):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"chromium not found at {CHROMIUM}")
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def _huey_immediate():
    """Run jobs in-process, synchronously, when the request that starts them commits.

    The root conftest sets HUEY_IMMEDIATE=1, but pytest-django has imported the settings
    before that line runs, so the setting never reaches Huey; switch the instance itself.
    """
    from huey.contrib.djhuey import HUEY

    before = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = before


@pytest.fixture
def personas(transactional_db):
    """The root conftest's personas, committed, so that the live server's thread sees them."""
    from conftest import Personas

    return Personas()


@pytest.fixture
def context(browser, live_server):
    # A browser in China: Accept-Language zh-CN (LocaleMiddleware honours it).
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=LAPTOP)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def js_errors():
    return []


@pytest.fixture
def page(context, js_errors):
    page = context.new_page()
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    yield page
    page.close()


@pytest.fixture
def login(page):
    """Log in through the login form, as a user would; returns the page on the dashboard."""
    from playwright.sync_api import expect

    from conftest import PASSWORD

    def do(user, password=PASSWORD, expect_dashboard=True):
        page.goto("/accounts/login/")
        form = page.locator("form:has(input[name=password])")
        form.locator("input[name=username]").fill(user.username)
        form.locator("input[name=password]").fill(password)
        form.locator("button[type=submit]").click()
        if expect_dashboard:
            expect(page.locator("[data-testid=dashboard]")).to_be_visible()
        return page

    return do
