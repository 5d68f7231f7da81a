"""Portfolio pages as a person uses them: the project form and its errors (Chinese unless the
user chose English), scoping of pages, the compliance panel, the fiscal page and the budget
form, and the home dashboard's portfolio widgets. (Status codes of every URL for every role
are in core's permission matrix; these tests look at what the pages say and save.)"""

import datetime as dt
import html
import re
from decimal import Decimal

import pytest

from cityops.portfolio.models import BudgetAssumption, BudgetYear, Project

from .support import (
    assert_language,
    build_fiscal_portfolio,
    counts,
    create,
    form_data,
    page_client,
    ppp_fields,
    project_form_data,
    purchase_fields,
)

LANGUAGES = ["zh-hans", "en"]
NEW = "/portfolio/new/"


def field_errors(response, field: str) -> list[str]:
    text = response.content.decode()
    return [html.unescape(m) for m in
            re.findall(rf'<p class="error" data-field="{field}">(.*?)</p>', text, re.S)]


def edit_url(project) -> str:
    return f"/portfolio/{project.pk}/edit/"


def detail_url(project) -> str:
    return f"/portfolio/{project.pk}/"


# -- the project form --------------------------------------------------------------------


def test_department_officer_creates_a_project_with_the_form(personas):
    client = page_client(personas.dept)
    assert client.get(NEW).status_code == 200
    response = client.post(NEW, form_data(purchase_fields(personas.health)))
    project = Project.objects.get(code="P-001")
    assert response.status_code == 302
    assert response["Location"] == detail_url(project)
    assert project.department == personas.health
    assert project.operation_object_list == ["infrastructure"]
    assert project.compliance_outcome == "pass"
    assert project.findings.filter(rule_id="purchase.term", outcome="pass").exists()


def test_form_offers_a_department_officer_only_its_own_department(personas):
    response = page_client(personas.dept).get(NEW)
    departments = list(response.context["form"].fields["department"].queryset)
    assert departments == [personas.health]


def test_department_officer_cannot_create_a_project_for_another_department(personas):
    before = counts()
    response = page_client(personas.dept).post(NEW, form_data(purchase_fields(personas.transport)))
    assert response.status_code == 400
    assert field_errors(response, "department")
    assert counts() == before


def test_department_officer_edits_its_own_project_and_compliance_is_rechecked(personas):
    project = create(personas.dept, purchase_fields(personas.health))
    client = page_client(personas.dept)
    assert client.get(edit_url(project)).status_code == 200
    response = client.post(edit_url(project), project_form_data(
        project, name="政务云平台购买服务（二期）", contract_term_years="2"))
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "政务云平台购买服务（二期）"
    assert project.compliance_outcome == "fail"
    assert project.findings.get(rule_id="purchase.term").outcome == "fail"


def test_another_departments_project_is_not_found(personas):
    theirs = create(personas.dept2, purchase_fields(personas.transport, code="T-001"))
    client = page_client(personas.dept)
    assert client.get(detail_url(theirs)).status_code == 404
    assert client.get(edit_url(theirs)).status_code == 404
    before = counts()
    response = client.post(edit_url(theirs), project_form_data(theirs, name="越权改名"))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "政务云平台购买服务"
    assert counts() == before
    listing = client.get("/portfolio/").content.decode()
    assert "T-001" not in listing


def test_department_officer_cannot_move_its_project_to_another_department(personas):
    project = create(personas.dept, purchase_fields(personas.health))
    before = counts()
    response = page_client(personas.dept).post(
        edit_url(project), project_form_data(project, department=personas.transport))
    assert response.status_code == 400
    assert field_errors(response, "department")
    project.refresh_from_db()
    assert project.department == personas.health
    assert counts() == before


@pytest.mark.parametrize("role", ["finance", "auditor"])
def test_finance_and_auditors_read_projects_but_cannot_edit_them(personas, role):
    project = create(personas.dept, purchase_fields(personas.health))
    client = page_client(getattr(personas, role))
    page = client.get(detail_url(project))
    assert page.status_code == 200
    assert page.context["may_edit"] is False
    assert edit_url(project) not in page.content.decode()
    assert client.get(edit_url(project)).status_code == 403
    before = counts()
    assert client.post(edit_url(project), project_form_data(project, name="改名")).status_code \
        == 403
    project.refresh_from_db()
    assert project.name == "政务云平台购买服务"
    assert counts() == before


@pytest.mark.parametrize("role", ["supplier", "enterprise", "public"])
def test_outsiders_get_no_portfolio_page(personas, role):
    project = create(personas.dept, purchase_fields(personas.health))
    client = page_client(getattr(personas, role))
    for url in ("/portfolio/", detail_url(project), "/portfolio/fiscal/",
                "/portfolio/export.xlsx"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "政务云平台购买服务" not in response.content.decode(errors="replace")


# -- bad input on the form ---------------------------------------------------------------

FORM_CASES = {
    "end_before_start": ("end_date", lambda f: {**f, "start_date": dt.date(2024, 5, 1),
                                                "end_date": dt.date(2024, 4, 30)}),
    "negative_investment": ("total_investment_wan",
                            lambda f: {**f, "total_investment_wan": Decimal("-1")}),
    "absurd_investment": ("total_investment_wan",
                          lambda f: {**f, "total_investment_wan": "1000000000000"}),
    "ppp_without_subtype": ("ppp_subtype",
                            lambda f: {**f, "operation_model": "ppp", "ppp_subtype": "",
                                       "operation_years": 10}),
    "purchase_without_term": ("contract_term_years",
                              lambda f: {**f, "contract_term_years": None}),
    "share_above_one": ("construction_share",
                        lambda f: {**f, "construction_share": Decimal("1.5")}),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", sorted(FORM_CASES))
def test_bad_form_input_names_the_field_and_saves_nothing(personas, case, language):
    field, change = FORM_CASES[case]
    before = counts()
    response = page_client(personas.dept, language).post(
        NEW, form_data(change(purchase_fields(personas.health))))
    assert response.status_code == 400
    errors = field_errors(response, field)
    assert errors, f"no error shown on {field}"
    for message in errors:
        assert_language(message, language)
    assert counts() == before


def test_bad_edit_changes_nothing(personas):
    project = create(personas.dept, purchase_fields(personas.health))
    before = counts()
    response = page_client(personas.dept).post(edit_url(project), project_form_data(
        project, name="不应保存", end_date=dt.date(2020, 1, 1)))
    assert response.status_code == 400
    assert field_errors(response, "end_date")
    project.refresh_from_db()
    assert project.name == "政务云平台购买服务"
    assert project.end_date == dt.date(2022, 3, 31)
    assert counts() == before


# -- the compliance panel ----------------------------------------------------------------


def finding_row(response, rule_id: str) -> str:
    text = response.content.decode()
    match = re.search(rf'<tr data-rule="{re.escape(rule_id)}" data-outcome="(\w+)">(.*?)</tr>',
                      text, re.S)
    assert match, f"no row for {rule_id}"
    return match.group(1), html.unescape(match.group(2))


def test_compliance_panel_shows_the_finding_with_its_source_in_chinese(personas):
    project = create(personas.dept, purchase_fields(personas.health,
                                                    contract_term_years=Decimal("2")))
    response = page_client(personas.dept).get(detail_url(project))
    outcome, row = finding_row(response, "purchase.term")
    assert outcome == "fail"
    assert "财政部令第102号" in row
    assert "政府购买服务合同履行期限" in row
    assert "合同期限 2 年" in row and "四个条件" in row
    assert "Contract term" not in row
    assert 'data-testid="compliance-outcome">不合规</span>' in response.content.decode()


def test_compliance_panel_speaks_english_with_the_language_cookie(personas):
    project = create(personas.dept, purchase_fields(personas.health,
                                                    contract_term_years=Decimal("2")))
    response = page_client(personas.dept, "en").get(detail_url(project))
    outcome, row = finding_row(response, "purchase.term")
    assert outcome == "fail"
    assert "102号" in row  # the cited document keeps its own name
    assert "Purchase-of-services contract term" in row
    assert "Contract term 2 years" in row
    assert "合同期限 2 年" not in row
    assert 'data-testid="compliance-outcome">fail</span>' in response.content.decode()


def test_compliance_panel_follows_the_project_to_one_year(personas):
    project = create(personas.dept, purchase_fields(personas.health,
                                                    contract_term_years=Decimal("2")))
    client = page_client(personas.dept)
    client.post(edit_url(project), project_form_data(project, contract_term_years="1"))
    outcome, row = finding_row(client.get(detail_url(project)), "purchase.term")
    assert outcome == "pass"
    assert "合同期限 1 年" in row


# -- the fiscal page ---------------------------------------------------------------------


@pytest.fixture
def fiscal_portfolio(personas):
    return build_fiscal_portfolio(personas)


def test_fiscal_page_shows_chart_lines_table_and_planned_breach(personas, fiscal_portfolio):
    year, operating, planned = fiscal_portfolio
    response = page_client(personas.finance).get("/portfolio/fiscal/")
    assert response.status_code == 200
    context = response.context
    lines = context["chart"]["series"][0]["markLine"]["data"]
    assert sorted(line["yAxis"] for line in lines) == [5, 10]

    rows = context["rows"]
    assert [r["year"] for r in rows] == list(range(year, year + 30))
    first = rows[0]
    assert first["budget"] == Decimal("1000000")
    # the operating PPP alone: 20,000 × 1.06 × 1.045^n / 10 in its n-th year of operation
    expected = Decimal("2120") * Decimal("1.045") ** 3
    assert abs(first["total"] - expected) < 1
    assert 0 < first["share"] < 1
    page = response.content.decode()
    assert f"<td>{year}</td>" in page

    planned_rows = {p["code"]: p for p in context["planned"]}
    assert set(planned_rows) == {"PPP-PLAN"}
    assert planned_rows["PPP-PLAN"]["breach_5"] == year + 2
    assert planned_rows["PPP-PLAN"]["breach_10"] is None
    table = re.search(r'data-testid="planned-breaches">(.*?)</table>', page, re.S).group(1)
    row = re.search(r"<tr><td><a[^>]*>PPP-PLAN.*?</tr>", table, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert cells[-1] == str(year + 2)
    assert cells[-2] == "—"
    # the committed portfolio itself stays under both lines
    assert context["first_breach_5"] is None and context["first_breach_10"] is None


def test_planned_projects_of_other_departments_are_not_listed(personas, fiscal_portfolio):
    response = page_client(personas.dept2).get("/portfolio/fiscal/")
    assert response.status_code == 200
    assert response.context["planned"] == []
    assert "PPP-PLAN" not in response.content.decode()


def test_fiscal_page_without_a_budget_asks_for_one(personas):
    create(personas.dept, ppp_fields(personas.health))
    response = page_client(personas.dept).get("/portfolio/fiscal/")
    assert response.status_code == 200
    assert response.context["budget_ready"] is False
    assert "chart" not in response.context
    assert 'data-testid="budget-forms"' not in response.content.decode()


# -- the budget form ---------------------------------------------------------------------

GROWTH_PATH = {"base_year": "2025", "base_expenditure_wan": "26000000", "growth_rate": "0.03"}


def test_finance_saves_the_growth_path_and_a_known_year(personas):
    client = page_client(personas.finance)
    assert 'data-testid="budget-forms"' in client.get("/portfolio/fiscal/").content.decode()
    response = client.post("/portfolio/fiscal/budget/", GROWTH_PATH)
    assert response.status_code == 302
    assumption = BudgetAssumption.objects.get()
    assert assumption.base_expenditure_wan == Decimal("26000000")
    assert assumption.growth_rate == Decimal("0.03")
    response = client.post("/portfolio/fiscal/budget/",
                           {"year": "2027", "expenditure_wan": "28000000"})
    assert response.status_code == 302
    assert BudgetYear.objects.get(year=2027).expenditure_wan == Decimal("28000000")


@pytest.mark.parametrize("role", ["dept", "auditor"])
def test_only_finance_and_the_admin_edit_the_budget(personas, role):
    client = page_client(getattr(personas, role))
    assert 'data-testid="budget-forms"' not in client.get("/portfolio/fiscal/").content.decode()
    before = counts()
    assert client.post("/portfolio/fiscal/budget/", GROWTH_PATH).status_code == 403
    assert not BudgetAssumption.objects.exists()
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_bad_budget_input_names_the_field(personas, language):
    client = page_client(personas.finance, language)
    response = client.post("/portfolio/fiscal/budget/", {**GROWTH_PATH, "growth_rate": "5"})
    assert response.status_code == 400
    errors = field_errors(response, "growth_rate")
    assert errors
    for message in errors:
        assert_language(message, language)
    response = client.post("/portfolio/fiscal/budget/", {"year": "2027", "expenditure_wan": "-3"})
    assert response.status_code == 400
    assert field_errors(response, "expenditure_wan")
    assert not BudgetAssumption.objects.exists()
    assert not BudgetYear.objects.exists()


# -- the home dashboard ------------------------------------------------------------------


def widgets(response) -> dict:
    return {w["key"]: w for w in response.context["widgets"]}


def test_admin_dashboard_shows_the_portfolio_with_its_fail_count(personas):
    create(personas.dept, purchase_fields(personas.health, contract_term_years=Decimal("2")))
    create(personas.dept, ppp_fields(personas.health, ppp_subtype="bt"))
    create(personas.dept2, purchase_fields(personas.transport, code="T-001"))
    response = page_client(personas.admin).get("/")
    shown = widgets(response)
    assert {"portfolio.models", "portfolio.compliance"} <= set(shown)
    items = shown["portfolio.compliance"]["items"]
    assert items[0]["value"] == 2  # in breach of a rule
    assert items[0]["url"].endswith("?compliance=fail")
    pie = {d["name"]: d["value"] for d in shown["portfolio.models"]["option"]["series"][0]["data"]}
    assert sum(pie.values()) == 3
    assert 'data-widget="portfolio.compliance"' in response.content.decode()
    # the link leads to exactly those projects
    listing = page_client(personas.admin).get(items[0]["url"])
    assert listing.context["totals"]["count"] == 2


def test_department_dashboard_counts_only_its_own_projects(personas):
    create(personas.dept, purchase_fields(personas.health, contract_term_years=Decimal("2")))
    create(personas.dept2, ppp_fields(personas.transport, ppp_subtype="bt"))
    shown = widgets(page_client(personas.dept).get("/"))
    assert shown["portfolio.compliance"]["items"][0]["value"] == 1


@pytest.mark.parametrize("role", ["supplier", "enterprise", "public"])
def test_outsiders_dashboard_has_no_portfolio(personas, role):
    create(personas.dept, purchase_fields(personas.health, contract_term_years=Decimal("2")))
    response = page_client(getattr(personas, role)).get("/")
    assert response.status_code == 200
    assert not [key for key in widgets(response) if key.startswith("portfolio.")]
    assert "data-widget=\"portfolio." not in response.content.decode()
