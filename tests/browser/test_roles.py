"""What each role sees and may do in the browser: login, dashboard, navigation, language,
logout, refusals, the audit-chain job, screen sizes and the HTMX organisation filter."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import LAPTOP, WALL, _serve_vendor

pytestmark = pytest.mark.browser

ROLES = [
    "platform_admin",
    "department_officer",
    "finance_officer",
    "supplier",
    "auditor",
    "enterprise",
    "public",
]

# Dashboard widgets each role must see, and widgets it must not see.
ALL_WIDGETS = {
    "core.city",
    "core.my_organisation",
    "core.users_by_role",
    "core.suppliers_by_region",
    "core.activity",
    "core.audit_actions",
    "core.recent_jobs",
}
WIDGETS = {
    "platform_admin": {
        "core.city",
        "core.users_by_role",
        "core.suppliers_by_region",
        "core.activity",
        "core.recent_jobs",
    },
    "department_officer": {
        "core.city",
        "core.my_organisation",
        "core.suppliers_by_region",
        "core.activity",
    },
    "finance_officer": {
        "core.city",
        "core.my_organisation",
        "core.suppliers_by_region",
        "core.activity",
    },
    "supplier": {"core.city", "core.my_organisation", "core.activity"},
    "auditor": {
        "core.city",
        "core.users_by_role",
        "core.audit_actions",
        "core.activity",
        "core.recent_jobs",
    },
    "enterprise": {"core.city", "core.my_organisation"},
    "public": {"core.city"},
}

# Sidebar links of the platform module each role must see; the others it must not see.
CORE_LINKS = {"/organisations/", "/users/", "/audit/", "/jobs/", "/api/docs/"}
LINKS = {
    "platform_admin": CORE_LINKS,
    "auditor": CORE_LINKS,
    "department_officer": {"/organisations/", "/api/docs/"},
    "finance_officer": {"/organisations/", "/api/docs/"},
    "supplier": {"/organisations/", "/api/docs/"},
    "enterprise": {"/organisations/", "/api/docs/"},
    "public": {"/api/docs/"},
}


def _role_label(role: str, language: str = "zh-hans") -> str:
    """The role's label as the page shows it (English until the catalogue is compiled)."""
    from django.utils import translation

    from cityops.core.roles import Role

    with translation.override(language):
        return str(Role(role).label)


def _sidebar_links(page) -> set[str]:
    return set(page.locator("nav.sidebar a").evaluate_all("els => els.map(a => a.pathname)"))


@pytest.mark.parametrize("role", ROLES)
def test_dashboard_per_role(role, personas, login, page, js_errors):
    user = personas.by_role()[role]
    login(user)

    # The dashboard, in Chinese, for this role.
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    dashboard = page.locator("[data-testid=dashboard]")
    expect(dashboard).to_have_attribute("data-role", role)
    label = _role_label(role)
    expect(page.locator("[data-testid=role]")).to_have_text(label)
    expect(page.locator("[data-testid=role]")).not_to_have_text(re.compile(r"^\s*$"))
    expect(page.locator("[data-testid=dashboard-title]")).to_contain_text(label)

    # Its widgets, and none of the others.
    for key in sorted(WIDGETS[role]):
        expect(page.locator(f'[data-widget="{key}"]')).to_be_visible()
    for key in sorted(ALL_WIDGETS - WIDGETS[role]):
        expect(page.locator(f'[data-widget="{key}"]')).to_have_count(0)

    # Every chart on the page got drawn (ECharts renders into a canvas).
    charts = page.locator("[data-echarts]")
    for i in range(charts.count()):
        expect(charts.nth(i)).to_have_attribute("data-rendered", "1")
        expect(charts.nth(i).locator("canvas")).to_have_count(1)
    if "core.users_by_role" in WIDGETS[role]:
        chart = page.locator('[data-widget="core.users_by_role"] [data-echarts]')
        expect(chart).to_have_attribute("data-rendered", "1")
        expect(chart.locator("canvas")).to_be_visible()

    # My organisation: its name and its unified social credit code, as written.
    if "core.my_organisation" in WIDGETS[role]:
        widget = page.locator('[data-widget="core.my_organisation"]')
        expect(widget).to_contain_text(user.organisation.name)
        expect(widget).to_contain_text(user.organisation.uscc)

    # Navigation: the role's links and no others; every link it shows opens for the role.
    links = _sidebar_links(page)
    assert LINKS[role] <= links, f"{role} misses {LINKS[role] - links}"
    assert not (CORE_LINKS - LINKS[role]) & links, (
        f"{role} sees {(CORE_LINKS - LINKS[role]) & links}"
    )
    for href in sorted(links):
        response = page.request.get(href)
        assert response.status == 200, f"{role}: {href} answered {response.status}"

    assert js_errors == []


def test_admin_sees_audit_trail_link_supplier_does_not(personas, login, page):
    login(personas.admin)
    expect(page.locator('nav.sidebar a[href="/audit/"]')).to_be_visible()
    page.locator("[data-testid=logout]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    login(personas.supplier)
    expect(page.locator('nav.sidebar a[href="/audit/"]')).to_have_count(0)
    expect(page.locator('[data-widget="core.users_by_role"]')).to_have_count(0)
    expect(page.locator('[data-widget="core.my_organisation"]')).to_be_visible()


def test_switch_language(personas, login, page):
    login(personas.supplier)
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    # Each language is offered in its own name, so that a reader of English finds it.
    switch = page.locator("[data-testid=language-switch]")
    expect(switch.get_by_role("button", name="简体中文")).to_be_visible()
    switch.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("[data-testid=dashboard-title]")).to_contain_text("Dashboard")
    expect(page.locator("[data-testid=dashboard-title]")).to_contain_text(
        _role_label("supplier", "en")
    )

    expect(switch.get_by_role("button", name="English")).to_be_visible()
    switch.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("[data-testid=dashboard]")).to_have_attribute("data-role", "supplier")


def test_chinese_whatever_the_browser_language(browser, live_server, transactional_db):
    """Pages speak Chinese by default, even to a browser that asks for English."""
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.route("**/static/vendor/**", _serve_vendor)
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    finally:
        context.close()


def test_logout(personas, login, page):
    login(personas.dept)
    page.locator("[data-testid=logout]").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(page.locator("[data-testid=logout]")).to_have_count(0)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("input[name=password]")).to_be_visible()


@pytest.mark.parametrize(
    ("role", "path"),
    [("supplier", "/audit/"), ("department_officer", "/organisations/new/")],
)
def test_refused_page(role, path, personas, login, page):
    login(personas.by_role()[role])
    response = page.goto(path)
    assert response.status == 403
    expect(page.locator("[data-testid=forbidden]")).to_be_visible()
    # Still logged in, with a way back.
    expect(page.locator("[data-testid=logout]")).to_be_visible()
    expect(page.locator("[data-testid=forbidden] a[href='/']")).to_be_visible()


def test_wrong_password(personas, login, page):
    login(personas.admin, password="Wrong-Horse-41", expect_dashboard=False)
    expect(page.locator("[data-testid=login-error]")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("[data-testid=dashboard]")).to_have_count(0)
    expect(page.locator("[data-testid=logout]")).to_have_count(0)
    expect(page.locator("input[name=username]")).to_have_value("alice")


def test_auditor_verifies_the_chain(personas, login, page):
    login(personas.auditor)
    page.goto("/audit/")
    page.locator("[data-testid=verify-chain]").click()
    expect(page).to_have_url(re.compile(r"/jobs/[0-9a-f-]{36}/$"))
    expect(page.locator("[data-testid=chain-ok]")).to_be_visible()
    expect(page.locator("[data-testid=job-status]")).to_have_attribute("data-status", "succeeded")


def _root_font_px(page) -> float:
    return float(page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)"))


def test_laptop_and_wall_screen(personas, login, page):
    page.set_viewport_size(LAPTOP)
    login(personas.admin)
    expect(page.locator("nav.sidebar")).to_be_visible()
    box = page.locator("nav.sidebar").bounding_box()
    main = page.locator("main").bounding_box()
    assert box["x"] + box["width"] <= main["x"] + 1, "sidebar beside the content on a laptop"
    laptop_px = _root_font_px(page)

    page.set_viewport_size(WALL)
    page.reload()
    expect(page.locator("[data-testid=dashboard]")).to_be_visible()
    wall_px = _root_font_px(page)
    assert wall_px > laptop_px, (laptop_px, wall_px)
    # The charts follow the larger screen.
    expect(page.locator('[data-widget="core.users_by_role"] [data-echarts]')).to_have_attribute(
        "data-rendered", "1"
    )


def test_organisation_filter_htmx(personas, login, page):
    from cityops.core.models import Organisation

    login(personas.admin)
    page.goto("/organisations/")
    rows = page.locator("[data-testid=organisation-table] tbody tr")
    expect(rows).to_have_count(Organisation.objects.count())  # the admin sees all 8

    page.evaluate("window.__cityopsMarker = 'still here'")
    search = page.locator("form.filters input[name=q]")
    search.click()
    # Chinese text arrives as input events without key events (as from an IME);
    # the caret move is the keystroke htmx listens for.
    search.press_sequentially("卫生")
    search.press("End")

    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("测试市卫生健康委员会")
    expect(page).to_have_url(re.compile(r"/organisations/\?.*q=%E5%8D%AB%E7%94%9F"))
    assert page.evaluate("window.__cityopsMarker") == "still here", "the page was reloaded"

    # Searching by part of a USCC works the same way (typed keys this time).
    uscc = personas.supplier2_org.uscc
    search.fill("")
    search.press_sequentially(uscc[-8:])
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(personas.supplier2_org.name)
    assert page.evaluate("window.__cityopsMarker") == "still here", "the page was reloaded"
