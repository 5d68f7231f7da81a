"""The portfolio API as a client program sees it: projects scoped and written like the pages,
errors that name the field (zh by default, en with Accept-Language) and save nothing, the
compliance findings, companies with their shareholders, the advisor and the fiscal figures."""

import datetime as dt
from decimal import Decimal

import pytest

from cityops.core.models import AuditEntry
from cityops.portfolio import selectors, services
from cityops.portfolio.models import Company, Project

from .support import (
    accept,
    api_as,
    api_payload,
    assert_language,
    build_fiscal_portfolio,
    counts,
    create,
    ppp_fields,
    purchase_fields,
)

PROJECTS = "/api/v1/projects/"
COMPANIES = "/api/v1/companies/"
ADVISOR = "/api/v1/advisor/"
FISCAL = "/api/v1/fiscal/"
LANGUAGES = ["zh-hans", "en"]
ALL_MODELS = {"purchase", "ppp", "epc", "platform", "joint", "dbb", "self_built"}


def project_url(project) -> str:
    return f"{PROJECTS}{project.pk}/"


# -- reading -----------------------------------------------------------------------------


def test_each_reader_lists_its_projects(personas):
    mine = create(personas.dept, purchase_fields(personas.health))
    create(personas.dept2, purchase_fields(personas.transport, code="T-001"))
    listed = api_as(personas.dept).get(PROJECTS).json()
    assert [p["code"] for p in listed["results"]] == ["P-001"]
    assert listed["results"][0]["operation_objects"] == ["infrastructure"]
    assert listed["results"][0]["compliance_outcome"] == "pass"
    for reader in (personas.admin, personas.finance, personas.auditor):
        codes = [p["code"] for p in api_as(reader).get(PROJECTS).json()["results"]]
        assert codes == ["P-001", "T-001"]
    assert api_as(personas.dept2).get(project_url(mine)).status_code == 404


@pytest.mark.parametrize("role", ["supplier", "enterprise", "public"])
def test_outsiders_get_nothing_from_the_api(personas, role):
    project = create(personas.dept, purchase_fields(personas.health))
    client = api_as(getattr(personas, role))
    for url in (PROJECTS, project_url(project), f"{project_url(project)}compliance/", FISCAL,
                COMPANIES):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "政务云平台购买服务" not in response.content.decode()
    before = counts()
    response = client.post(PROJECTS, api_payload(purchase_fields(personas.health,
                                                                 code="X-001")), format="json")
    assert response.status_code == 403
    assert counts() == before


# -- writing -----------------------------------------------------------------------------


def test_department_officer_creates_its_own_departments_project(personas):
    response = api_as(personas.dept).post(
        PROJECTS, api_payload(purchase_fields(personas.health, contract_term_years="2")),
        format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["compliance_outcome"] == "fail"
    project = Project.objects.get(pk=body["id"])
    assert project.department == personas.health
    assert project.findings.get(rule_id="purchase.term").outcome == "fail"
    entry = AuditEntry.objects.get(object_type="portfolio.project", object_id=str(project.pk))
    assert (entry.action, entry.actor_username) == ("create", "bob")


def test_department_officer_cannot_create_for_another_department(personas):
    before = counts()
    response = api_as(personas.dept).post(
        PROJECTS, api_payload(purchase_fields(personas.transport)), format="json")
    assert response.status_code in (400, 403)
    assert not Project.objects.filter(code="P-001").exists()
    assert counts() == before


@pytest.mark.parametrize("role", ["finance", "auditor"])
def test_finance_and_auditors_cannot_create_projects(personas, role):
    before = counts()
    response = api_as(getattr(personas, role)).post(
        PROJECTS, api_payload(purchase_fields(personas.health)), format="json")
    assert response.status_code == 403
    assert counts() == before


def test_department_officer_updates_its_project_and_compliance_follows(personas):
    project = create(personas.dept, purchase_fields(personas.health))
    client = api_as(personas.dept)
    response = client.patch(project_url(project), {"contract_term_years": "2"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["compliance_outcome"] == "fail"
    response = client.patch(project_url(project), {"contract_term_years": "1"}, format="json")
    assert response.json()["compliance_outcome"] == "pass"
    project.refresh_from_db()
    assert project.contract_term_years == Decimal("1")


def test_department_officer_cannot_move_its_project_to_another_department(personas):
    project = create(personas.dept, purchase_fields(personas.health))
    before = counts()
    response = api_as(personas.dept).patch(project_url(project),
                                           {"department": personas.transport.pk}, format="json")
    assert response.status_code in (400, 403)
    project.refresh_from_db()
    assert project.department == personas.health
    assert counts() == before


def test_department_officer_cannot_touch_another_departments_project(personas):
    theirs = create(personas.dept2, purchase_fields(personas.transport, code="T-001"))
    before = counts()
    response = api_as(personas.dept).patch(project_url(theirs), {"name": "越权"}, format="json")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "政务云平台购买服务"
    assert counts() == before


@pytest.mark.parametrize("role", ["auditor", "finance"])
def test_auditor_and_finance_patch_is_refused_and_changes_nothing(personas, role):
    project = create(personas.dept, purchase_fields(personas.health))
    before = counts()
    response = api_as(getattr(personas, role)).patch(
        project_url(project), {"name": "改名", "total_investment_wan": "1"}, format="json")
    assert response.status_code == 403
    project.refresh_from_db()
    assert (project.name, project.total_investment_wan) == ("政务云平台购买服务", Decimal("785"))
    assert counts() == before


# -- bad input ---------------------------------------------------------------------------

BAD_PROJECTS = {
    "negative_investment": ("total_investment_wan", {"total_investment_wan": "-1"}),
    "absurd_investment": ("total_investment_wan", {"total_investment_wan": "1000000000000"}),
    "end_before_start": ("end_date", {"start_date": "2024-05-01", "end_date": "2024-04-30"}),
    "ppp_without_subtype": ("ppp_subtype", {"operation_model": "ppp", "operation_years": 10}),
    "purchase_without_term": ("contract_term_years", {"contract_term_years": None}),
    "unknown_model": ("operation_model", {"operation_model": "xyz"}),
    "unknown_object": ("operation_objects", {"operation_objects": ["robots"]}),
    "unknown_field": ("colour", {"colour": "red"}),
    "read_only_outcome": ("compliance_outcome", {"compliance_outcome": "pass"}),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", sorted(BAD_PROJECTS))
def test_bad_project_is_refused_naming_the_field(personas, case, language):
    field, change = BAD_PROJECTS[case]
    payload = {**api_payload(purchase_fields(personas.health)), **change}
    before = counts()
    response = api_as(personas.dept).post(PROJECTS, payload, format="json", **accept(language))
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"], body
    assert_language(body["detail"], language)
    for message in body["errors"][field]:
        assert_language(message, language)
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_bad_patch_changes_nothing(personas, language):
    project = create(personas.dept, purchase_fields(personas.health))
    before = counts()
    response = api_as(personas.dept).patch(
        project_url(project), {"name": "不应保存", "end_date": "2020-01-01"}, format="json",
        **accept(language))
    assert response.status_code == 400
    for message in response.json()["errors"]["end_date"]:
        assert_language(message, language)
    project.refresh_from_db()
    assert project.name == "政务云平台购买服务"
    assert counts() == before


def test_patch_to_ppp_without_subtype_is_refused(personas):
    project = create(personas.dept, purchase_fields(personas.health))
    response = api_as(personas.dept).patch(project_url(project), {"operation_model": "ppp"},
                                           format="json")
    assert response.status_code == 400
    assert "ppp_subtype" in response.json()["errors"]
    assert Project.objects.get(pk=project.pk).operation_model == "purchase"


# -- compliance --------------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_compliance_endpoint_lists_the_findings(personas, language):
    project = create(personas.dept, purchase_fields(personas.health,
                                                    contract_term_years=Decimal("2")))
    response = api_as(personas.dept).get(f"{project_url(project)}compliance/",
                                         **accept(language))
    assert response.status_code == 200
    findings = {f["rule_id"]: f for f in response.json()}
    assert set(findings) == set(project.findings.values_list("rule_id", flat=True))
    term = findings["purchase.term"]
    assert term["outcome"] == "fail"
    assert "102号" in term["source"]
    assert_language(term["message"], language)
    assert_language(term["title"], language)
    assert ("2 years" if language == "en" else "2 年") in term["message"]


def test_ppp_created_through_the_api_is_checked_like_any_other(personas):
    response = api_as(personas.dept).post(
        PROJECTS, api_payload(ppp_fields(personas.health, operation_years=35,
                                         end_date=dt.date(2057, 6, 30))), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["compliance_outcome"] == "fail"
    findings = api_as(personas.auditor).get(
        f"{PROJECTS}{response.json()['id']}/compliance/").json()
    assert {f["rule_id"]: f["outcome"] for f in findings}["ppp.term"] == "fail"


def test_compliance_endpoint_of_another_departments_project_is_not_found(personas):
    theirs = create(personas.dept2, purchase_fields(personas.transport, code="T-001"))
    assert api_as(personas.dept).get(f"{project_url(theirs)}compliance/").status_code == 404


# -- companies ---------------------------------------------------------------------------


def company_payload(*shares) -> dict:
    return {
        "kind": "joint", "name": "杭州市民云运营有限公司", "region_code": "330100",
        "registered_capital_wan": "5000",
        "shareholders": [{"party_name": f"股东{i}", "party_kind": "soe",
                          "amount_wan": str(Decimal("5000") * Decimal(str(s))),
                          "share": str(s)} for i, s in enumerate(shares, 1)],
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_company_shares_not_adding_up_are_refused(personas, language):
    before = counts()
    response = api_as(personas.admin).post(COMPANIES, company_payload(0.5, 0.3), format="json",
                                           **accept(language))
    assert response.status_code == 400, response.content
    messages = response.json()["errors"]["shareholders"]
    for message in messages:
        assert_language(message, language)
    assert "80.00%" in " ".join(messages)
    assert counts() == before


def test_company_with_shares_adding_up_is_created(personas):
    response = api_as(personas.admin).post(COMPANIES, company_payload(0.6, 0.4), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert sorted(Decimal(h["share"]) for h in body["shareholders"]) == [
        Decimal("0.4"), Decimal("0.6")]
    company = Company.objects.get(pk=body["id"])
    assert company.shareholders.count() == 2
    # an update replaces the shareholders, still checked
    before = counts()
    response = api_as(personas.admin).put(f"{COMPANIES}{company.pk}/",
                                          company_payload(0.7, 0.2), format="json")
    assert response.status_code == 400
    assert company.shareholders.count() == 2
    assert counts() == before


@pytest.mark.parametrize("role", ["dept", "finance", "auditor"])
def test_only_the_admin_writes_companies(personas, role):
    before = counts()
    response = api_as(getattr(personas, role)).post(COMPANIES, company_payload(1),
                                                    format="json")
    assert response.status_code == 403
    assert counts() == before


# -- the advisor -------------------------------------------------------------------------

CHARACTERISTICS = {
    "investment_wan": "5000", "construction_share": 0.3, "demand_stability": 0.6,
    "public_good": 0.7, "user_payment_share": 0.1, "security_sensitivity": 0.5,
    "local_soe_capacity": 0.5, "supplier_market_maturity": 0.6, "fiscal_room": 0.5,
    "operation_horizon_years": 3, "cross_department": 0.5,
}


@pytest.mark.parametrize("role", ["admin", "dept", "finance", "auditor"])
def test_advisor_ranks_all_seven_models(personas, role):
    before = counts()
    response = api_as(getattr(personas, role)).post(ADVISOR, CHARACTERISTICS, format="json")
    assert response.status_code == 200, response.content
    ranking = response.json()["ranking"]
    assert [a["rank"] for a in ranking] == [1, 2, 3, 4, 5, 6, 7]
    assert {a["model"] for a in ranking} == ALL_MODELS
    scores = [a["score"] for a in ranking]
    assert scores == sorted(scores, reverse=True)
    assert all(a["reasons_for"] or a["reasons_against"] for a in ranking)
    assert counts() == before  # the advisor computes, it saves nothing


def test_advisor_answer_follows_the_characteristics(personas):
    client = api_as(personas.dept)
    small = client.post(ADVISOR, CHARACTERISTICS, format="json").json()["ranking"]
    big_long_user_paid = client.post(ADVISOR, {
        **CHARACTERISTICS, "investment_wan": "200000", "construction_share": 0.8,
        "user_payment_share": 0.7, "operation_horizon_years": 20, "public_good": 0.3,
        "demand_stability": 0.9}, format="json").json()["ranking"]
    rank = {a["model"]: a["rank"] for a in big_long_user_paid}
    assert rank["ppp"] < {a["model"]: a["rank"] for a in small}["ppp"]
    assert big_long_user_paid[0]["model"] != "purchase"


@pytest.mark.parametrize("language", LANGUAGES)
def test_advisor_share_out_of_range_is_named(personas, language):
    response = api_as(personas.dept).post(ADVISOR, {**CHARACTERISTICS, "construction_share": 1.5},
                                          format="json", **accept(language))
    assert response.status_code == 400
    messages = response.json()["errors"]["construction_share"]
    for message in messages:
        assert_language(message, language)
        assert "1.5" in message


@pytest.mark.parametrize("language", LANGUAGES)
def test_advisor_unknown_field_is_named(personas, language):
    response = api_as(personas.dept).post(ADVISOR, {**CHARACTERISTICS, "colour": "red"},
                                          format="json", **accept(language))
    assert response.status_code == 400
    for message in response.json()["errors"]["colour"]:
        assert_language(message, language)


@pytest.mark.parametrize("body", [[CHARACTERISTICS], "not json"], ids=["list", "string"])
def test_advisor_needs_an_object(personas, body):
    response = api_as(personas.dept).post(ADVISOR, body, format="json")
    assert response.status_code == 400


def test_advisor_missing_field_is_named(personas):
    payload = {k: v for k, v in CHARACTERISTICS.items() if k != "fiscal_room"}
    response = api_as(personas.dept).post(ADVISOR, payload, format="json")
    assert response.status_code == 400
    assert "fiscal_room" in response.json()["errors"]


# -- fiscal ------------------------------------------------------------------------------


def test_fiscal_endpoint_without_a_budget(personas):
    response = api_as(personas.finance).get(FISCAL)
    assert response.status_code == 200
    assert response.json()["years"] == []


def test_fiscal_endpoint_agrees_with_the_projection(personas):
    year, _operating, planned = build_fiscal_portfolio(personas)
    body = api_as(personas.finance).get(FISCAL).json()
    projection = selectors.portfolio_projection()
    assert body["years"] == list(range(year, year + 30)) == list(projection.years)
    assert body["first_breach_10"] is None and body["first_breach_5"] is None
    assert body["first_breach_5"] == projection.first_breach(Decimal("0.05"))
    assert [line["value_pct"] for line in body["lines"]] == [10.0, 5.0]
    assert 0 < body["share_pct"][0] < 1  # only the small operating PPP is committed

    # approved, the planned PPP becomes a liability: 6% a year from its first year of operation
    services.project_update(project=planned, by=personas.dept,
                            approval_date=dt.date(year, 1, 1), phase="build")
    body = api_as(personas.auditor).get(FISCAL).json()
    projection = selectors.portfolio_projection()
    assert body["first_breach_5"] == year + 2 == projection.first_breach(Decimal("0.05"))
    assert body["first_breach_10"] is None
    share = dict(zip(body["years"], body["share_pct"], strict=True))
    assert share[year + 1] < 5 < share[year + 2] < 10
    assert share[year + 2] == pytest.approx(6 + share[year + 1], abs=0.05)
