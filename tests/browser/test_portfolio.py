"""What users see of the portfolio app in the browser: the operation-model advisor (HTMX
ranking, validation errors, reference cases), the compliance panel of a project before and
after an edit, and the fiscal-affordability page after finance sets the budget path."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ADVISOR = "/portfolio/advisor/"
PROJECTS = "/portfolio/"
FISCAL = "/portfolio/fiscal/"

# The inputs the test moves on the advisor form (the rest keep their defaults).
ENGINEERING_HEAVY = {
    "construction_share": "0.9",
    "investment_wan": "300000",
    "operation_horizon_years": "3",
}


def _advise(values: dict):
    """The engine's own answer for the wizard's defaults overlaid with ``values``."""
    from cityops.portfolio import selectors
    from cityops.portfolio.domain import advisor

    data = dict(selectors.ADVISOR_DEFAULTS)
    data.update(values)
    return advisor.advise(advisor.Characteristics.from_dict(selectors.advisor_input(data)))


def _zh(text) -> str:
    """A msgid (or lazy translation) as the Chinese page shows it."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return translation.gettext(str(text)) if isinstance(text, str) else str(text)


def _open_from_nav(page, href):
    page.locator(f'nav.sidebar a[href="{href}"]').click()
    expect(page).to_have_url(re.compile(re.escape(href) + r"$"))


# -- 1. the operation-model advisor ------------------------------------------------------


def test_advisor_ranks_without_reload_and_names_bad_fields(personas, login, page, js_errors):
    from cityops.portfolio.domain.advisor import _RISKS, OperationModel

    expected = _advise(ENGINEERING_HEAVY)
    assert expected.best.model == OperationModel.EPC  # the premise: an engineering-heavy job
    gap_zh = next(r.zh for r in _RISKS[OperationModel.EPC] if r.code == "build_operate_gap")
    assert "建运" in gap_zh

    login(personas.dept)
    _open_from_nav(page, ADVISOR)
    form = page.locator("[data-testid=advisor-form]")
    expect(form).to_be_visible()
    expect(page.locator("[data-testid=advice]")).to_have_count(0)  # nothing ranked yet

    # A marker on the window: it survives only if the page is not reloaded.
    page.evaluate("window.__advisorMarker = 'kept'")

    share = form.locator("input[name=construction_share]")
    expect(share).to_have_attribute("type", "range")
    share.fill("0.9")
    expect(share).to_have_value("0.9")
    expect(share.locator("xpath=following-sibling::output[1]")).to_have_text("0.9")  # oninput
    form.locator("input[name=investment_wan]").fill("300000")
    form.locator("input[name=operation_horizon_years]").fill("3")
    form.locator("[data-testid=advise]").click()

    advice = page.locator("#advice [data-testid=advice]")
    expect(advice).to_be_visible()
    rows = advice.locator("tr[data-model]")
    expect(rows).to_have_count(7)
    expect(rows.first).to_have_attribute("data-model", "epc")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.model)") == [
        a.model.value for a in expected.ranking
    ]
    epc = advice.locator('tr[data-model="epc"]')
    expect(epc.locator("li.risk")).to_contain_text([gap_zh])
    expect(epc).to_contain_text("建运")
    assert page.evaluate("window.__advisorMarker") == "kept", "the page reloaded"
    # The inputs the user moved are still there.
    expect(form.locator("input[name=investment_wan]")).to_have_value("300000")

    # An invalid investment: the engine's error names the field, still without a reload.
    form.locator("input[name=investment_wan]").fill("-5")
    form.locator("[data-testid=advise]").click()
    errors = page.locator("#advice [data-testid=advisor-errors]")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("investment_wan")
    expect(page.locator("[data-testid=advice]")).to_have_count(0)
    assert page.evaluate("window.__advisorMarker") == "kept", "the page reloaded"

    assert js_errors == []


def test_advisor_starts_from_a_reference_case(personas, login, page, js_errors):
    from cityops.portfolio import selectors

    case = selectors.case_characteristics("xiangtan-ppp")
    name = next(c["name"] for c in selectors.case_library() if c["id"] == "xiangtan-ppp")
    expected = _advise(case)
    top_two = [a.model.value for a in expected.ranking[:2]]
    assert "ppp" in top_two  # the engine's own check against the report's case

    login(personas.dept)
    _open_from_nav(page, ADVISOR)
    page.locator("[data-testid=advisor-form] details summary").click()
    page.get_by_role("link", name=name).click()
    expect(page).to_have_url(re.compile(r"\?case=xiangtan-ppp$"))

    form = page.locator("[data-testid=advisor-form]")
    expect(form.locator("input[name=investment_wan]")).to_have_value(case["investment_wan"])
    assert case["investment_wan"] == "285700"  # case_characteristics.yaml: 28.57亿
    for field in ("construction_share", "operation_horizon_years", "cross_department"):
        expect(form.locator(f"input[name={field}]")).to_have_value(case[field])

    form.locator("[data-testid=advise]").click()
    rows = page.locator("#advice [data-testid=advice] tr[data-model]")
    expect(rows).to_have_count(7)
    shown = rows.evaluate_all("rs => rs.slice(0, 2).map(r => r.dataset.model)")
    assert "ppp" in shown, shown
    assert shown == top_two
    assert js_errors == []


# -- 2. the compliance panel -------------------------------------------------------------


@pytest.fixture
def purchase_project(personas):
    """A 2-year purchase of services of the health department, none of the four conditions
    that would allow more than a year (content fixed, continuity, funding, prices)."""
    from cityops.portfolio import services

    return services.project_create(
        by=None,
        code="BUY-2Y",
        name="健康档案数据治理服务",
        department=personas.health,
        region_code="330100",
        operation_model="purchase",
        operation_objects="data",
        investment_subject="government_enterprise",
        return_mechanism="government_pay",
        approval_date=dt.date(2024, 1, 10),
        start_date=dt.date(2024, 3, 1),
        end_date=dt.date(2026, 2, 28),
        total_investment_wan=Decimal("480"),
        contract_term_years=Decimal("2"),
    )


def test_compliance_panel_fails_then_passes_after_edit(
    purchase_project, personas, login, page, js_errors
):
    from cityops.portfolio.choices import Outcome

    assert purchase_project.compliance_outcome == "fail"

    login(personas.dept)
    _open_from_nav(page, PROJECTS)
    page.locator("[data-testid=project-table]").get_by_role("link", name="BUY-2Y").click()
    expect(page).to_have_url(re.compile(rf"/portfolio/{purchase_project.pk}/$"))

    panel = page.locator("[data-testid=compliance-panel]")
    term = panel.locator('tr[data-rule="purchase.term"]')
    expect(term).to_have_attribute("data-outcome", "fail")
    expect(term).to_contain_text("财政部令第102号")  # the rule's source (rules.yaml)
    expect(term).to_contain_text("2 年")
    badge = panel.locator("[data-testid=compliance-outcome]")
    expect(badge).to_have_class(re.compile(r"\boutcome-fail\b"))
    fail_zh = _zh(Outcome.FAIL.label)
    expect(badge).to_have_text(fail_zh)

    # Shorten the contract to one year: the panel is re-checked on save.
    edit = page.locator(f'a[href="/portfolio/{purchase_project.pk}/edit/"]')
    expect(edit).to_have_text(_zh("Edit"))
    edit.click()
    form = page.locator("[data-testid=project-form]")
    form.locator("input[name=contract_term_years]").fill("1")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/portfolio/{purchase_project.pk}/$"))
    term = page.locator('[data-testid=compliance-panel] tr[data-rule="purchase.term"]')
    expect(term).to_have_attribute("data-outcome", "pass")
    expect(page.locator("[data-testid=compliance-panel] tr[data-outcome=fail]")).to_have_count(0)
    expect(page.locator("[data-testid=compliance-outcome]")).not_to_have_class(
        re.compile(r"\boutcome-fail\b")
    )
    assert js_errors == []


# -- 3. fiscal affordability -------------------------------------------------------------


def test_finance_sets_budget_path_and_sees_the_chart(personas, login, page, js_errors):
    login(personas.finance)
    _open_from_nav(page, FISCAL)
    expect(page.locator("[data-testid=fiscal-chart]")).to_have_count(0)  # no budget yet

    forms = page.locator("[data-testid=budget-forms] form")
    growth = forms.filter(has=page.locator("input[name=base_year]"))
    growth.locator("input[name=base_year]").fill("2025")
    growth.locator("input[name=base_expenditure_wan]").fill("1000000")
    growth.locator("input[name=growth_rate]").fill("0.03")
    growth.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(re.escape(FISCAL) + r"$"))
    chart = page.locator("[data-testid=fiscal-chart]")
    expect(chart).to_have_attribute("data-rendered", "1")
    expect(chart.locator("canvas")).to_have_count(1)
    expect(chart.locator("canvas")).to_be_visible()
    expect(page.locator("[data-testid=peak-share]")).to_have_text(re.compile(r"^\d+\.\d\d%$"))
    # The saved path is shown back in the form.
    expect(growth.locator("input[name=base_year]")).to_have_value("2025")
    assert js_errors == []
