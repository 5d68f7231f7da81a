"""Demand services on the database: filing and reviewing needs (who may, bad input that saves
nothing), duplicates across departments flagged for the bureau and merged or dismissed, the
capability map, supplier ranking for a need and the demand-response cycle."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cityops.core.models import AuditEntry, Notification
from cityops.core.workflow import TransitionRefused
from cityops.demand import selectors, services
from cityops.demand.models import DuplicateFlag, Need, NeedEvent, Qualification, SupplierProfile

from .matrix import (
    approved,
    draft,
    duplicate_pair,
    need_fields,
    other_need_fields,
    profile,
    submitted,
)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (
        Need, NeedEvent, DuplicateFlag, SupplierProfile, Qualification, Notification,
        AuditEntry)}


# -- filing ------------------------------------------------------------------------------------


def test_an_officer_files_a_draft_for_its_department(personas):
    need = draft(personas.dept)
    year = need.created_at.year
    assert (need.code, need.department, need.status) == (f"XQ-{year}-0001", personas.health,
                                                         "draft")
    assert need.tag_list == ["政务云", "云计算", "运维"]
    assert list(need.events.values_list("action", flat=True)) == ["create"]
    assert AuditEntry.objects.filter(object_type="demand.need", object_id=str(need.pk)).exists()
    assert draft(personas.dept).code == f"XQ-{year}-0002"


@pytest.mark.parametrize("user", ["dept2", "admin", "finance", "supplier", "auditor"])
def test_nobody_else_files_for_the_department(personas, user):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.need_create(by=getattr(personas, user), department=personas.health,
                             **need_fields())
    assert counts() == before


@pytest.mark.parametrize(("field", "value"), [
    ("budget_wan", Decimal("0")), ("budget_wan", Decimal("-3")),
    ("availability_pct", Decimal("100.5")), ("implementation_days", 0),
    ("security_level", 5), ("region_code", "999999"), ("category", "spaceships"),
    ("title", ""), ("acceptance_criteria", ""),
])
def test_bad_indicators_are_refused_naming_the_field(personas, field, value):
    before = counts()
    with pytest.raises(ValidationError) as refused:
        draft(personas.dept, **{field: value})
    assert field in refused.value.message_dict
    assert counts() == before


def test_an_unknown_field_is_refused(personas):
    with pytest.raises(ValidationError) as refused:
        services.need_create(by=personas.dept, colour="red", **need_fields())
    assert list(refused.value.message_dict) == ["colour"]


def test_a_message_in_chinese_by_default_and_in_english(personas):
    for language, pattern in (("zh-hans", "确保该值大于或等于"),
                              ("en", "greater than or equal to")):
        with translation.override(language):
            with pytest.raises(ValidationError) as refused:
                draft(personas.dept, budget_wan=Decimal("0"))
            assert pattern in refused.value.message_dict["budget_wan"][0]


def test_only_a_draft_or_a_returned_need_is_edited(personas):
    need = submitted(personas.dept)
    with pytest.raises(TransitionRefused):
        services.need_update(need=need, by=personas.dept, title="改名")
    services.need_return(need=need, by=personas.admin, comment="请补充接口清单")
    services.need_update(need=need, by=personas.dept, title="政务云平台购买服务（补充）",
                         data_interfaces=20)
    need.refresh_from_db()
    assert (need.title, need.data_interfaces) == ("政务云平台购买服务（补充）", 20)
    services.need_submit(need=need, by=personas.dept, detect=False)
    need.refresh_from_db()
    assert need.status == "submitted"
    with pytest.raises(PermissionDenied):
        services.need_update(need=need, by=personas.dept2, title="别人的")


# -- review ------------------------------------------------------------------------------------


def test_submitting_tells_the_bureau_and_approval_tells_the_department(personas):
    need = submitted(personas.dept)
    to_bureau = Notification.objects.get(kind="need.submitted")
    assert to_bureau.recipient == personas.admin and need.code in to_bureau.title
    services.need_approve(need=need, by=personas.admin, comment="同意，按集约化要求采购")
    need.refresh_from_db()
    assert need.status == "approved" and need.approved_at is not None
    assert need.review_comment == "同意，按集约化要求采购"
    note = Notification.objects.get(kind="need.reviewed")
    assert note.recipient == personas.dept and note.body == "同意，按集约化要求采购"
    assert list(need.events.values_list("action", flat=True)) == ["create", "submit", "approve"]


def test_only_the_bureau_reviews(personas):
    need = submitted(personas.dept)
    for user in (personas.dept, personas.dept2, personas.finance, personas.auditor):
        with pytest.raises(PermissionDenied):
            services.need_approve(need=need, by=user)
    need.refresh_from_db()
    assert need.status == "submitted"


def test_returning_needs_a_comment(personas):
    need = submitted(personas.dept)
    with pytest.raises(ValidationError) as refused:
        services.need_return(need=need, by=personas.admin, comment="  ")
    assert list(refused.value.message_dict) == ["comment"]
    need.refresh_from_db()
    assert need.status == "submitted"


def test_a_need_cannot_be_merged_into_itself_or_a_draft(personas):
    need = submitted(personas.dept)
    with pytest.raises(ValidationError) as refused:
        services.need_merge(need=need, into=need, by=personas.admin)
    assert list(refused.value.message_dict) == ["into"]
    with pytest.raises(ValidationError) as refused:
        services.need_merge(need=need, into=draft(personas.dept2, **other_need_fields()),
                            by=personas.admin)
    assert list(refused.value.message_dict) == ["into"]


def test_withdrawing_is_the_departments(personas):
    need = draft(personas.dept)
    with pytest.raises(PermissionDenied):
        services.need_withdraw(need=need, by=personas.dept2)
    services.need_withdraw(need=need, by=personas.dept, comment="不再需要")
    need.refresh_from_db()
    assert need.status == "withdrawn"


# -- duplicates --------------------------------------------------------------------------------


def test_a_need_that_duplicates_another_departments_is_flagged_for_the_bureau(personas):
    a, b, flag = duplicate_pair(personas)
    assert a.department != b.department
    assert flag.status == "open" and Decimal("0.5") < flag.similarity <= 1
    assert flag.shared_terms  # which words they share, for the bureau to judge
    note = Notification.objects.get(kind="need.duplicate")
    assert note.recipient == personas.admin and note.url == "/demand/duplicates/"
    assert [f.pk for f in selectors.duplicates_for(personas.admin, a)] == [flag.pk]
    assert not selectors.duplicates_for(personas.dept, a).exists()  # the bureau's business


def test_the_same_departments_needs_and_unrelated_needs_are_not_flagged(personas):
    submitted(personas.dept)
    submitted(personas.dept, detect=True)  # the same department asking twice: its own affair
    submitted(personas.dept2, detect=True, **other_need_fields())
    assert not DuplicateFlag.objects.exists()
    assert not Notification.objects.filter(kind="need.duplicate").exists()


def test_the_bureau_merges_a_duplicate(personas):
    a, b, flag = duplicate_pair(personas)
    services.need_merge(need=b, into=a, by=personas.admin, comment="集约化采购")
    b.refresh_from_db()
    flag.refresh_from_db()
    assert (b.status, b.merged_into) == ("merged", a)
    assert (flag.status, flag.decided_by) == ("merged", personas.admin)
    assert Notification.objects.filter(kind="need.reviewed", recipient=personas.dept2).exists()
    # A rescan keeps the decision.
    assert services.duplicates_detect() == 0
    flag.refresh_from_db()
    assert flag.status == "merged"


def test_the_bureau_dismisses_a_duplicate_once(personas):
    _a, _b, flag = duplicate_pair(personas)
    with pytest.raises(PermissionDenied):
        services.duplicate_dismiss(flag=flag, by=personas.dept)
    services.duplicate_dismiss(flag=flag, by=personas.admin)
    flag.refresh_from_db()
    assert flag.status == "dismissed"
    with pytest.raises(TransitionRefused):
        services.duplicate_dismiss(flag=flag, by=personas.admin)
    assert services.duplicates_detect() == 0  # not flagged again


# -- capability map and matching ----------------------------------------------------------------


def test_a_supplier_keeps_its_own_profile_only(personas):
    p = profile(personas.supplier)
    assert p.region_list == ["33"] and p.qualifications.count() == 1
    before = counts()
    with pytest.raises(PermissionDenied):
        services.profile_save(supplier=personas.supplier_org, by=personas.supplier2,
                              capabilities="冒名修改")
    with pytest.raises(PermissionDenied):
        services.qualification_add(profile=p, by=personas.supplier2, kind="cmmi", level=5,
                                   expires_on=dt.date(2030, 1, 1))
    with pytest.raises(ValidationError) as refused:
        services.profile_save(supplier=personas.supplier_org, by=personas.supplier,
                              regions_served="浙江")
    assert list(refused.value.message_dict) == ["regions_served"]
    assert counts() == before


def test_suppliers_are_ranked_for_a_need_with_why_and_hard_checks(personas):
    profile(personas.supplier)
    # sue serves only Beijing and lacks ISO 27001: ranked, but not eligible, and told why.
    from cityops.demand import services as demand

    demand.profile_save(supplier=personas.supplier2_org, by=personas.supplier2,
                        capabilities="政务云计算与运维服务", tags=["政务云", "运维"],
                        regions_served=["11"], capacity_wan=Decimal("5000"))
    need = submitted(personas.dept)  # 等保三级 → ISO 27001 required; region 330100
    rows = [selectors.match_as_dict(r) for r in selectors.supplier_ranking(need)]
    by_name = {r["name"]: r for r in rows}
    sam, sue = by_name[personas.supplier_org.name], by_name[personas.supplier2_org.name]
    assert rows[0] == sam and sam["passed"] and sam["score"] > 0
    assert "政务云" in sam["matched_tags"] and sam["matched_terms"]
    assert not sue["passed"]
    failed = {r["code"] for r in sue["requirements"] if not r["passed"]}
    assert {"region", "qualification"} <= failed
    region = next(r for r in sue["requirements"] if r["code"] == "region")
    assert region["message_zh"] and region["message_en"]


def test_platform_contracts_count_as_references_and_load(personas):
    from cityops.demand.facts import supplier_capabilities
    from cityops.procurement.tests.matrix import signed

    profile(personas.supplier)
    c = signed(personas)
    cap = next(s for s in supplier_capabilities() if s.id == str(personas.supplier_org.pk))
    assert c.title in cap.references
    assert cap.load_wan == c.amount_wan


def test_the_demand_response_cycle_counts_from_submission_to_signature(personas):
    from cityops.procurement.tests.matrix import signed

    c = signed(personas)
    need = c.procurement.needs.get()
    cycles = selectors.response_cycles()
    assert [row["need"] for row in cycles] == [need.code]
    expected = (c.signed_at - need.submitted_at).total_seconds() / 86400
    assert cycles[0]["days"] == pytest.approx(expected)
    summary = selectors.response_cycle_summary(personas.dept)
    assert summary["count"] == 1 and summary["departments"][0]["count"] == 1
    assert selectors.response_cycle_summary(personas.dept2)["count"] == 0


def test_an_approved_need_only_enters_procurement(personas):
    need = approved(personas.dept, personas.admin)
    with pytest.raises(TransitionRefused):
        services.need_fulfil(need=need, by=None)
    need.refresh_from_db()
    assert need.status == "approved"
