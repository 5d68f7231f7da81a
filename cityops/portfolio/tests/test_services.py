"""Portfolio services on the database: who may write what, bad input that saves nothing,
compliance re-checked on every save, the budget projection, and the demo portfolio."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cityops.core.models import AuditEntry
from cityops.portfolio import selectors, services
from cityops.portfolio.models import BudgetAssumption, BudgetYear, Company, Project

from .support import (
    assert_language,
    counts,
    create,
    ppp_fields,
    purchase_fields,
)

LANGUAGES = ["zh-hans", "en"]


def messages(exc: ValidationError, field: str, language: str) -> list[str]:
    with translation.override(language):
        return [str(m) for m in exc.message_dict[field]]


def finding(project, rule_id):
    return project.findings.get(rule_id=rule_id)


def platform_company(name, region="330100"):
    return services.company_save(
        by=None, kind="platform", name=name, region_code=region,
        registered_capital_wan=Decimal("10000"),
        shareholders=[{"party_name": f"{name}股东", "party_kind": "government",
                       "amount_wan": Decimal("10000"), "share": Decimal("1")}])


# -- who may write -----------------------------------------------------------------------


def test_department_officer_creates_a_project_of_its_own_department(personas):
    before = counts()
    project = create(personas.dept, purchase_fields(personas.health))
    assert project.department == personas.health
    assert project.compliance_outcome == "pass"
    after = counts()
    assert after["projects"] == before["projects"] + 1
    assert after["findings"] > before["findings"]
    entry = AuditEntry.objects.filter(object_type="portfolio.project",
                                      object_id=str(project.pk)).get()
    assert entry.action == "create"


def test_department_officer_cannot_create_for_another_department(personas):
    before = counts()
    with pytest.raises(PermissionDenied):
        create(personas.dept, purchase_fields(personas.transport))
    assert counts() == before
    assert not Project.objects.filter(code="P-001").exists()


def test_department_officer_edits_its_own_project(personas):
    project = create(personas.dept, purchase_fields(personas.health))
    services.project_update(project=project, by=personas.dept, name="政务云平台购买服务（续）")
    project.refresh_from_db()
    assert project.name == "政务云平台购买服务（续）"


def test_department_officer_cannot_edit_another_departments_project(personas):
    project = create(personas.dept2, purchase_fields(personas.transport, code="T-001"))
    before = counts()
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, by=personas.dept, name="改名")
    project.refresh_from_db()
    assert project.name == "政务云平台购买服务"
    assert counts() == before


def test_department_officer_cannot_move_its_project_to_another_department(personas):
    project = create(personas.dept, purchase_fields(personas.health))
    before = counts()
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, by=personas.dept,
                                department=personas.transport)
    project.refresh_from_db()
    assert project.department == personas.health
    assert counts() == before


def test_admin_may_move_a_project_between_departments(personas):
    project = create(personas.dept, purchase_fields(personas.health))
    services.project_update(project=project, by=personas.admin, department=personas.transport)
    project.refresh_from_db()
    assert project.department == personas.transport
    assert project in Project.objects.visible_to(personas.dept2)
    assert project not in Project.objects.visible_to(personas.dept)


def test_finance_sets_the_budget_but_cannot_write_projects(personas):
    project = create(personas.dept, purchase_fields(personas.health))
    services.budget_set(by=personas.finance, base_year=2025,
                        base_expenditure_wan=Decimal("2600000"), growth_rate=Decimal("0.03"),
                        years={2026: Decimal("2700000")})
    assumption = BudgetAssumption.objects.get()
    assert (assumption.base_year, assumption.base_expenditure_wan) == (2025, Decimal("2600000"))
    assert BudgetYear.objects.get(year=2026).expenditure_wan == Decimal("2700000")

    before = counts()
    with pytest.raises(PermissionDenied):
        services.project_update(project=project, by=personas.finance, name="财政改名")
    with pytest.raises(PermissionDenied):
        create(personas.finance, purchase_fields(personas.health, code="F-001"))
    project.refresh_from_db()
    assert project.name == "政务云平台购买服务"
    assert counts() == before
    # ... though finance reads the whole portfolio (it answers for affordability)
    assert set(Project.objects.visible_to(personas.finance)) == {project}
    assert not Project.objects.editable_by(personas.finance).exists()


def test_department_officer_cannot_set_the_budget(personas):
    with pytest.raises(PermissionDenied):
        services.budget_set(by=personas.dept, base_year=2025,
                            base_expenditure_wan=Decimal("1000"), growth_rate=Decimal("0"))
    assert not BudgetAssumption.objects.exists()


@pytest.mark.parametrize("role", ["supplier", "enterprise", "public"])
def test_outsiders_see_and_write_no_project(personas, role):
    user = getattr(personas, role)
    create(personas.dept, purchase_fields(personas.health))
    create(personas.dept2, purchase_fields(personas.transport, code="T-001"))
    assert not Project.objects.visible_to(user).exists()
    assert not Project.objects.editable_by(user).exists()
    before = counts()
    with pytest.raises(PermissionDenied):
        create(user, purchase_fields(personas.health, code="X-001"))
    assert counts() == before


def test_auditor_reads_everything_and_writes_nothing(personas):
    mine = create(personas.dept, purchase_fields(personas.health))
    theirs = create(personas.dept2, purchase_fields(personas.transport, code="T-001"))
    assert set(Project.objects.visible_to(personas.auditor)) == {mine, theirs}
    assert not Project.objects.editable_by(personas.auditor).exists()
    before = counts()
    with pytest.raises(PermissionDenied):
        services.project_update(project=mine, by=personas.auditor, name="审计改名")
    with pytest.raises(PermissionDenied):
        services.budget_set(by=personas.auditor, years={2026: Decimal("100")})
    with pytest.raises(PermissionDenied):
        platform_company_by(personas.auditor)
    assert counts() == before


def platform_company_by(user):
    return services.company_save(
        by=user, kind="platform", name="审计不得建立的公司", region_code="330100",
        registered_capital_wan=Decimal("1"),
        shareholders=[{"party_name": "某股东", "party_kind": "government",
                       "amount_wan": Decimal("1"), "share": Decimal("1")}])


def test_department_officers_see_only_their_own_department(personas):
    mine = create(personas.dept, purchase_fields(personas.health))
    theirs = create(personas.dept2, purchase_fields(personas.transport, code="T-001"))
    assert list(Project.objects.visible_to(personas.dept)) == [mine]
    assert list(Project.objects.visible_to(personas.dept2)) == [theirs]
    assert set(Project.objects.visible_to(personas.admin)) == {mine, theirs}


# -- bad input saves nothing -------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("amount", [Decimal("-1"), Decimal("1e12")], ids=["negative", "absurd"])
def test_negative_or_absurd_investment_is_refused(personas, amount, language):
    before = counts()
    with translation.override(language), pytest.raises(ValidationError) as caught:
        create(personas.dept, purchase_fields(personas.health, total_investment_wan=amount))
    assert "total_investment_wan" in caught.value.message_dict
    for message in messages(caught.value, "total_investment_wan", language):
        assert_language(message, language)
    assert counts() == before


def test_absurd_amount_on_update_changes_nothing(personas):
    project = create(personas.dept, purchase_fields(personas.health))
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.project_update(project=project, by=personas.dept,
                                total_investment_wan=Decimal("1e12"), name="不应保存")
    assert "total_investment_wan" in caught.value.message_dict
    project.refresh_from_db()
    assert project.total_investment_wan == Decimal("785")
    assert project.name == "政务云平台购买服务"
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_end_before_start_is_refused(personas, language):
    before = counts()
    with translation.override(language), pytest.raises(ValidationError) as caught:
        create(personas.dept, purchase_fields(personas.health, start_date=dt.date(2024, 5, 1),
                                              end_date=dt.date(2024, 4, 30)))
    for message in messages(caught.value, "end_date", language):
        assert_language(message, language)
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_ppp_without_subtype_is_refused(personas, language):
    before = counts()
    with translation.override(language), pytest.raises(ValidationError) as caught:
        create(personas.dept, ppp_fields(personas.health, ppp_subtype=""))
    for message in messages(caught.value, "ppp_subtype", language):
        assert_language(message, language)
        assert "BOT" in message
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_purchase_without_contract_term_is_refused(personas, language):
    before = counts()
    with translation.override(language), pytest.raises(ValidationError) as caught:
        create(personas.dept, purchase_fields(personas.health, contract_term_years=None))
    for message in messages(caught.value, "contract_term_years", language):
        assert_language(message, language)
    assert counts() == before


def test_unknown_field_is_named_and_nothing_saved(personas):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        create(personas.dept, purchase_fields(personas.health, colour="red"))
    assert "colour" in caught.value.message_dict
    assert counts() == before


def test_unknown_operation_object_is_named(personas):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        create(personas.dept, purchase_fields(personas.health, operation_objects=["robots"]))
    assert "robots" in " ".join(caught.value.message_dict["operation_objects"])
    assert counts() == before


@pytest.mark.parametrize("language", LANGUAGES)
def test_shares_not_adding_up_to_100_percent_are_refused(personas, language):
    before = counts()
    with translation.override(language), pytest.raises(ValidationError) as caught:
        services.company_save(
            by=personas.admin, kind="joint", name="杭州市民云运营有限公司", region_code="330100",
            registered_capital_wan=Decimal("5000"),
            shareholders=[
                {"party_name": "杭州金融投资集团有限公司", "party_kind": "soe",
                 "amount_wan": Decimal("2500"), "share": Decimal("0.5")},
                {"party_name": "浙江万企信息股份有限公司", "party_kind": "private",
                 "amount_wan": Decimal("1500"), "share": Decimal("0.3")}])
    found = messages(caught.value, "shareholders", language)
    for message in found:
        assert_language(message, language)
    assert "80.00%" in " ".join(found)
    assert counts() == before


def test_shareholder_with_a_negative_amount_is_named(personas):
    before = counts()
    with pytest.raises(ValidationError) as caught:
        services.company_save(
            by=personas.admin, kind="spv", name="某项目公司", region_code="330100",
            registered_capital_wan=Decimal("100"),
            shareholders=[{"party_name": "甲", "party_kind": "government",
                           "amount_wan": Decimal("-5"), "share": Decimal("1")}])
    assert "shareholders[1].amount_wan" in caught.value.message_dict
    assert counts() == before


def test_company_with_shares_adding_up_is_saved_with_its_shareholders(personas):
    company = services.company_save(
        by=personas.admin, kind="spv", name="杭州智城联合信息科技有限公司", region_code="330100",
        registered_capital_wan=Decimal("50310"),
        shareholders=[
            {"party_name": "政府方", "party_kind": "government",
             "amount_wan": Decimal("17105.4"), "share": Decimal("0.34")},
            {"party_name": "社会资本联合体", "party_kind": "social_capital",
             "amount_wan": Decimal("33204.6"), "share": Decimal("0.66")}])
    assert sorted(company.shareholders.values_list("share", flat=True)) == [
        Decimal("0.34"), Decimal("0.66")]
    # a department officer may not
    before = counts()
    with pytest.raises(PermissionDenied):
        services.company_save(by=personas.dept, company=company, name="改名",
                              shareholders=[])
    company.refresh_from_db()
    assert company.name == "杭州智城联合信息科技有限公司"
    assert counts() == before


def test_budget_with_a_bad_figure_saves_nothing(personas):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.budget_set(by=personas.finance, years={2026: Decimal("-1")})
    assert "expenditure_wan" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        services.budget_set(by=personas.finance, base_year=2025,
                            base_expenditure_wan=Decimal("1000"), growth_rate=Decimal("5"))
    assert "growth_rate" in caught.value.message_dict
    assert not BudgetYear.objects.exists()
    assert not BudgetAssumption.objects.exists()
    assert AuditEntry.objects.count() == before


# -- compliance on every save ------------------------------------------------------------


def test_two_year_purchase_without_the_four_conditions_fails_and_passes_at_one_year(personas):
    project = create(personas.dept, purchase_fields(personas.health,
                                                    contract_term_years=Decimal("2")))
    term = finding(project, "purchase.term")
    assert term.outcome == "fail"
    assert "102号" in term.source
    assert "2 年" in term.message_zh and "2 years" in term.message_en
    assert Project.objects.get(pk=project.pk).compliance_outcome == "fail"

    services.project_update(project=project, by=personas.dept,
                            contract_term_years=Decimal("1"))
    assert finding(project, "purchase.term").outcome == "pass"
    assert Project.objects.get(pk=project.pk).compliance_outcome == "pass"
    # one finding per rule: the old one was replaced, not kept beside the new one
    assert project.findings.filter(rule_id="purchase.term").count() == 1


def test_two_year_purchase_with_the_four_conditions_passes(personas):
    project = create(personas.dept, purchase_fields(
        personas.health, contract_term_years=Decimal("2"), content_fixed=True,
        continuity_strong=True, funding_stable=True, prices_stable=True))
    assert finding(project, "purchase.term").outcome == "pass"
    assert project.compliance_outcome == "pass"


def test_purchase_approved_before_the_102_order_is_not_judged_by_it(personas):
    project = create(personas.dept, purchase_fields(
        personas.health, contract_term_years=Decimal("2"), approval_date=dt.date(2019, 6, 1)))
    assert not project.findings.filter(rule_id="purchase.term").exists()


def test_ppp_longer_than_30_years_fails_the_term_rule(personas):
    project = create(personas.dept, ppp_fields(personas.health, operation_years=35,
                                               end_date=dt.date(2057, 6, 30)))
    term = finding(project, "ppp.term")
    assert term.outcome == "fail"
    assert "37" in term.message_zh  # 2 years' build + 35 years' operation
    assert project.compliance_outcome == "fail"

    services.project_update(project=project, by=personas.dept, operation_years=20)
    assert finding(project, "ppp.term").outcome == "pass"


def test_bt_is_not_ppp(personas):
    project = create(personas.dept, ppp_fields(personas.health, ppp_subtype="bt"))
    assert finding(project, "ppp.not_bt").outcome == "fail"
    assert project.compliance_outcome == "fail"
    other = create(personas.dept, ppp_fields(personas.health, code="PPP-002"))
    assert finding(other, "ppp.not_bt").outcome == "pass"


def platform_project(department, company, code="PL-001"):
    return purchase_fields(
        department, code=code, name="城市大脑中枢运营", operation_model="platform",
        contract_term_years=None, company=company, operation_objects=["data", "system"],
        investment_subject="enterprise", phase="operate")


def test_two_platform_companies_in_one_locality_fail(personas):
    first = platform_company("杭州数智城市运营集团有限公司")
    platform_company("杭州城市数字科技发展有限公司")
    platform_company("宁波数智城市运营有限公司", region="330200")  # elsewhere: not counted
    project = create(personas.admin, platform_project(personas.bureau, first))
    rule = finding(project, "platform.one_per_locality")
    assert rule.outcome == "fail"
    assert "2" in rule.message_zh
    assert project.compliance_outcome == "fail"


def test_one_platform_company_passes_until_a_second_is_recorded_and_rechecked(personas):
    first = platform_company("杭州数智城市运营集团有限公司")
    project = create(personas.admin, platform_project(personas.bureau, first))
    assert finding(project, "platform.one_per_locality").outcome == "pass"
    platform_company("杭州城市数字科技发展有限公司")
    assert services.portfolio_recheck() == 1
    assert finding(project, "platform.one_per_locality").outcome == "fail"
    assert Project.objects.get(pk=project.pk).compliance_outcome == "fail"


def test_every_rules_citation_fits_the_finding_columns():
    """PostgreSQL refuses a value longer than its column (SQLite does not): a rule whose source
    or article is too long would make every save of a project it applies to fail."""
    from cityops.portfolio.domain import compliance
    from cityops.portfolio.models import ComplianceFinding

    limits = {f.name: f.max_length for f in ComplianceFinding._meta.fields if f.max_length}
    for rule in compliance.load_rules():
        for name in ("rule_id", "title_en", "title_zh", "source", "article", "regime"):
            value = getattr(rule, "id" if name == "rule_id" else name) or ""
            assert len(str(value)) <= limits[name], (rule.id, name, len(str(value)))


# -- the budget and the fiscal projection ------------------------------------------------


def test_budget_growth_path_and_known_year_drive_the_projection(personas):
    year = selectors.window_start()
    services.budget_set(by=personas.finance, base_year=year,
                        base_expenditure_wan=Decimal("1000000"), growth_rate=Decimal("0.10"),
                        years={year + 1: Decimal("2000000")})
    create(personas.dept, ppp_fields(personas.health, start_date=dt.date(year - 3, 1, 1),
                                     end_date=dt.date(year + 9, 12, 31)))
    projection = selectors.portfolio_projection()
    assert projection.row(year).budget_wan == Decimal("1000000")
    assert projection.row(year + 1).budget_wan == Decimal("2000000")  # the known year wins
    assert projection.row(year + 2).budget_wan == Decimal("1210000.00")
    assert projection.row(year).total_wan > 0


# -- the demo portfolio ------------------------------------------------------------------


def test_demo_portfolio_covers_every_model_and_object_with_some_breaches(db):
    from cityops.demo.load import demo_load

    report = demo_load(modules=("portfolio",))
    assert report.projects_created == Project.objects.count()
    assert 50 <= Project.objects.count() <= 70
    models = set(Project.objects.values_list("operation_model", flat=True))
    assert models == {"purchase", "ppp", "epc", "platform", "joint", "dbb", "self_built"}
    objects = set()
    for value in Project.objects.values_list("operation_objects", flat=True):
        objects |= set(value.split(","))
    assert objects == {"infrastructure", "data", "system", "portal", "security"}
    failing = Project.objects.filter(compliance_outcome="fail")
    assert failing.count() >= 3
    assert set(failing.values_list("findings__rule_id", flat=True)) >= {
        "ppp.not_bt", "platform.one_per_locality"}
    assert not Project.objects.filter(compliance_outcome="").exists()
    projection = selectors.portfolio_projection()
    assert max(r.share for r in projection.rows if r.share is not None) > 0
    assert Company.objects.filter(kind="platform").count() == 2
