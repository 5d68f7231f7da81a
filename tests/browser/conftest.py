"""Browser tests: Debian's chromium driven by Playwright against pytest-django's live server.

One browser per test session; a fresh context (cookies, localStorage) and page per test.
The live server needs ``transactional_db``: the server thread must see the committed rows.
"""

import mimetypes
import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def _allow_orm_beside_playwright():
    """Playwright's sync API runs an asyncio loop in this thread; without this Django refuses
    ORM calls from the test thread ("SynchronousOnlyOperation"). Set only while browser tests
    run, so that subprocesses started by other tests do not inherit it."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous

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

# The vendored libraries (1.2 MB) are byte-for-byte files under static/vendor/; each test's
# fresh context would fetch them again through the live server's single-threaded static
# handler. Serve them from memory instead (saves ~0.5 s a test); the project's own CSS and
# JS still come from the live server.
VENDOR_DIR = Path(__file__).resolve().parents[2] / "cityops" / "core" / "static" / "vendor"
_vendor_cache: dict[str, tuple[bytes, str]] = {}


def _serve_vendor(route):
    name = route.request.url.split("/static/vendor/", 1)[1].split("?", 1)[0]
    if name not in _vendor_cache:
        path = VENDOR_DIR / name
        if not path.is_file():
            return route.continue_()
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        _vendor_cache[name] = (path.read_bytes(), kind)
    body, kind = _vendor_cache[name]
    return route.fulfill(status=200, body=body, content_type=kind)


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


@pytest.fixture
def personas(transactional_db):
    """The root conftest's personas, committed, so that the live server's thread sees them."""
    from conftest import Personas

    return Personas()


@pytest.fixture
def context(browser, live_server):
    # A browser in China (pages are Chinese by default whatever the browser asks for).
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=LAPTOP)
    context.set_default_timeout(10_000)
    context.route("**/static/vendor/**", _serve_vendor)
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
