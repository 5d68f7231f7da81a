"""Policy services against the database: saving rules (parsed, validated with line numbers,
versioned), permissions, the conflict review before a policy is put in force, matching (full,
per policy, per enterprise), notifications of new matches, the registry import (all or
nothing) and the cascade."""

import datetime as dt
from decimal import Decimal

import polars as pl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cityops.core import services as core_services
from cityops.core.models import AuditEntry, Notification
from cityops.core.workflow import TransitionRefused
from cityops.policy import selectors, services
from cityops.policy.engine import BitsetEngine, PolicyValidationError, compile_policies
from cityops.policy.models import (
    Enterprise,
    MatchRun,
    Policy,
    PolicyMatch,
    PolicyStatus,
    PolicyVersion,
)

from .support import (
    AS_OF,
    build_world,
    condition_line,
    in_force,
    policy_text,
    registry_rows,
    uscc,
)

UNSATISFIABLE = ['{attr: employees, op: ">=", value: 100}',
                 '{attr: employees, op: "<", value: 50}']


@pytest.fixture
def world(personas):
    return build_world(personas)


def results(policy):
    return {(m.enterprise.name, m.matched): m for m in
            PolicyMatch.objects.filter(policy=policy).select_related("enterprise")}


# -- saving rules ----------------------------------------------------------------------------


def test_saving_a_policy_parses_its_rules_into_the_summary_fields_and_a_first_version(personas):
    policy = services.policy_save(by=personas.dept, source=policy_text(free=True))
    assert policy.status == PolicyStatus.DRAFT
    assert policy.issuer == personas.health  # a department keeps its own policies
    assert (policy.doc_number, policy.level, policy.region_scope) == ("杭科规〔2026〕1号", "city",
                                                                      "3301")
    assert policy.free_application is True
    assert policy.benefit_kinds == "subsidy"
    assert list(policy.versions.values_list("version", flat=True)) == [1]


def test_changing_the_rules_saves_a_new_version_and_keeps_the_old_text(personas):
    policy = services.policy_save(by=personas.dept, source=policy_text())
    changed = policy_text(conditions=['{attr: high_tech, op: is_true}'])
    policy = services.policy_save(by=personas.dept, source=changed, policy=policy)
    assert policy.version == 2
    assert PolicyVersion.objects.get(policy=policy, version=1).source == policy_text()
    assert PolicyVersion.objects.get(policy=policy, version=2).source == changed
    # saving the same text again is not a new version
    assert services.policy_save(by=personas.dept, source=changed, policy=policy).version == 2


def test_a_policy_with_an_unknown_attribute_is_refused_with_its_line_and_nothing_is_saved(
        personas):
    text = policy_text(conditions=['{attr: tech_sme, op: is_true}',
                                   '{attr: rd_intensty, op: ">=", value: 5}'])
    with pytest.raises(PolicyValidationError) as caught:
        services.policy_save(by=personas.dept, source=text)
    problem = caught.value.problems[0]
    assert problem.line == condition_line(text, "rd_intensty")
    assert problem.field == "eligibility.all[1].attr"
    assert "rd_intensty" in problem.zh and "未知属性" in problem.zh
    assert "unknown attribute" in problem.en
    assert f"第 {problem.line} 行" in problem.text("zh")
    assert Policy.objects.count() == 0 and PolicyVersion.objects.count() == 0


def test_a_document_number_used_twice_is_refused_naming_its_line(personas):
    services.policy_save(by=personas.dept, source=policy_text())
    with pytest.raises(PolicyValidationError) as caught:
        services.policy_save(by=personas.dept2, source=policy_text(key="another-id"))
    problem = caught.value.problems[0]
    assert problem.field == "doc_number" and problem.line == 2
    assert Policy.objects.count() == 1


def test_a_department_cannot_change_another_departments_policy(personas):
    policy = services.policy_save(by=personas.dept, source=policy_text())
    with pytest.raises(PermissionDenied):
        services.policy_save(by=personas.dept2, source=policy_text(title="改写"), policy=policy)
    with pytest.raises(PermissionDenied):
        services.policy_set_status(policy=policy, by=personas.dept2, status="in_force")
    policy.refresh_from_db()
    assert (policy.title, policy.status, policy.version) == ("研发费用补助办法", "draft", 1)


def test_auditors_and_enterprises_write_nothing(personas):
    for user in (personas.auditor, personas.enterprise, personas.finance):
        with pytest.raises(PermissionDenied):
            services.policy_save(by=user, source=policy_text())
    assert Policy.objects.count() == 0


def test_the_platform_admin_may_file_a_policy_for_any_department(personas):
    policy = services.policy_save(by=personas.admin, source=policy_text(),
                                  issuer=personas.transport)
    assert policy.issuer == personas.transport
    policy = services.policy_save(by=personas.admin, source=policy_text(title="改"),
                                  policy=policy)
    assert policy.title == "改" and policy.issuer == personas.transport


def test_a_repealed_policy_is_not_edited_any_more(personas):
    policy = services.policy_save(by=personas.dept, source=policy_text())
    services.policy_set_status(policy=policy, by=personas.dept, status="repealed")
    with pytest.raises(TransitionRefused):
        services.policy_save(by=personas.dept, source=policy_text(title="x"), policy=policy)


# -- putting in force: the review, matching, notifications -----------------------------------


def test_putting_a_policy_in_force_matches_it_and_notifies_the_matched_enterprise_once(
        personas, world):
    policy = in_force(personas)
    found = results(policy)
    assert set(found) == {("杭州rich科技有限公司", True), (world.erin.name, False)}
    match = found[("杭州rich科技有限公司", True)]
    assert match.benefit_wan == Decimal("50.0000")  # min(800 × 0.1, 50) capped at 50
    notes = Notification.objects.filter(recipient=world.other_user, kind="policy.match")
    assert notes.count() == 1
    assert "研发费用补助办法" in notes.get().title
    assert notes.get().url == f"/policy/explain/{policy.pk}/{world.rich.pk}/"
    # erin only nearly qualifies: no notification
    assert not Notification.objects.filter(recipient=personas.enterprise).exists()
    # matching again (the policy, then everything) tells nobody twice
    services.policy_rematch(policy=policy, by=personas.dept)
    services.match_run(by=personas.admin)
    assert notes.count() == 1


def test_a_near_miss_stores_the_one_failing_condition(personas, world):
    policy = in_force(personas)
    miss = results(policy)[(world.erin.name, False)]
    assert miss.failed_clause == 1
    assert miss.failed_condition == "研发费用占比 要求 ≥ 5%"
    parsed = selectors.rule_policy(policy)
    lines = selectors.near_miss_lines(parsed, selectors.enterprise_profile(world.erin), 1,
                                      AS_OF, "zh")
    assert [line["text"] for line in lines] == ["研发费用占比 3.2%，要求 ≥ 5%"]
    assert selectors.near_miss_lines(parsed, selectors.enterprise_profile(world.erin), 1,
                                     AS_OF, "en")[0]["text"] == "R&D intensity 3.2%, required ≥ 5%"


def test_a_rule_no_enterprise_can_meet_is_refused_unless_overridden_with_a_reason(
        personas, world):
    policy = services.policy_save(by=personas.dept, source=policy_text(conditions=UNSATISFIABLE))
    with pytest.raises(services.PolicyReviewRefused) as caught:
        services.policy_set_status(policy=policy, by=personas.dept, status="in_force")
    assert caught.value.report.unsatisfiable
    assert "override_reason" in caught.value.message_dict
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.DRAFT
    services.policy_set_status(policy=policy, by=personas.dept, status="in_force",
                               override_reason="按上级文件原文转发，待修订")
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.IN_FORCE
    assert policy.override_reason == "按上级文件原文转发，待修订"
    assert not PolicyMatch.objects.filter(policy=policy, matched=True).exists()


def test_the_review_reports_an_overlap_in_an_exclusivity_group_with_the_registry_count(
        personas, world):
    in_force(personas, policy_text(groups="[rd-3301]"))
    newer = services.policy_save(by=personas.dept2, source=policy_text(
        "杭科规〔2026〕2号", groups="[rd-3301]",
        conditions=['{attr: rd_intensity, op: ">=", value: 8}']))
    report = services.policy_review(policy=newer)
    assert not report.unsatisfiable
    overlap = report.overlaps[0]
    assert overlap.other_id == "杭科规〔2026〕1号" and overlap.groups == ("rd-3301",)
    assert overlap.verified and overlap.registry_count == 1  # only "rich" meets both


def test_changing_the_rules_of_a_policy_in_force_rematches_it(personas, world):
    policy = in_force(personas)
    assert (world.erin.name, False) in results(policy)
    lower = policy_text(conditions=['{attr: tech_sme, op: is_true}',
                                    '{attr: rd_intensity, op: ">=", value: 3}'])
    services.policy_save(by=personas.dept, source=lower, policy=policy)
    assert (world.erin.name, True) in results(policy)
    # erin newly qualifies: her user is told, once
    assert Notification.objects.filter(recipient=personas.enterprise).count() == 1


def test_expiring_a_policy_removes_its_results(personas, world):
    policy = in_force(personas)
    assert PolicyMatch.objects.filter(policy=policy).exists()
    services.policy_set_status(policy=policy, by=personas.dept, status="expired")
    assert not PolicyMatch.objects.filter(policy=policy).exists()
    with pytest.raises(TransitionRefused):
        services.policy_set_status(policy=policy, by=personas.dept, status="in_force")


def test_a_full_run_expires_policies_whose_period_ended(personas, world):
    policy = in_force(personas, policy_text(effective_from=AS_OF - dt.timedelta(days=400),
                                            effective_to=AS_OF - dt.timedelta(days=1)))
    assert not PolicyMatch.objects.filter(policy=policy).exists()  # not in effect today
    services.match_run(by=personas.admin)
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.EXPIRED


# -- matching ----------------------------------------------------------------------------------


def test_a_full_run_stores_exactly_the_engines_pairs_and_records_one_audit_entry(
        personas, world):
    first = in_force(personas)
    second = in_force(personas, policy_text("杭科规〔2026〕2号", conditions=[
        '{attr: tax_credit_rating, op: in, value: [A, B]}',
        '{attr: employees, op: ">=", value: 50}']))
    before = AuditEntry.objects.count()
    run = services.match_run(by=personas.admin)
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "match_run" and entry.after["matches"] == run.matches
    frame, pks = selectors.registry_frame()
    plan = compile_policies([selectors.rule_policy(p) for p in (first, second)])
    pairs = BitsetEngine().match(frame, plan, as_of=AS_OF).pairs
    expected = {(pks[r], int(p)) for r, p in zip(pairs["row"].to_list(),
                                                  pairs["policy_id"].cast(pl.String).to_list(),
                                                  strict=True)}
    stored = set(PolicyMatch.objects.filter(matched=True).values_list("enterprise_id",
                                                                      "policy_id"))
    assert stored == expected and run.matches == len(expected) == 3
    assert run.kind == "full" and run.policies == 2 and run.enterprises == 3


def test_rematching_one_policy_leaves_the_other_policies_results_alone(personas, world):
    first = in_force(personas)
    second = in_force(personas, policy_text("杭科规〔2026〕2号", conditions=[
        '{attr: tax_credit_rating, op: in, value: [A, B]}']))
    kept = set(PolicyMatch.objects.filter(policy=second).values_list("pk", flat=True))
    services.policy_rematch(policy=first, by=personas.dept)
    assert set(PolicyMatch.objects.filter(policy=second).values_list("pk", flat=True)) == kept
    assert MatchRun.objects.filter(kind="policy", subject=first.doc_number).count() == 2


def test_a_changed_profile_is_rematched_alone_and_its_new_match_notified(personas, world):
    policy = in_force(personas)
    others = set(PolicyMatch.objects.exclude(enterprise=world.erin).values_list("pk", flat=True))
    services.enterprise_save(by=personas.admin, enterprise=world.erin,
                             values={"rd_expense_wan": 180})  # 6% of revenue now
    assert (world.erin.name, True) in results(policy)
    assert set(PolicyMatch.objects.exclude(enterprise=world.erin)
               .values_list("pk", flat=True)) == others
    assert Notification.objects.filter(recipient=personas.enterprise,
                                       kind="policy.match").count() == 1
    run = MatchRun.objects.filter(kind="enterprise").get()
    assert run.subject == world.erin.uscc and run.enterprises == 1


def test_a_profile_change_with_a_bad_value_names_the_field_and_changes_nothing(personas, world):
    with pytest.raises(ValidationError) as caught:
        services.enterprise_save(by=personas.admin, enterprise=world.erin,
                                 values={"employees": -5})
    assert "employees" in caught.value.message_dict
    world.erin.refresh_from_db()
    assert world.erin.attributes["employees"] == 80
    with pytest.raises(PermissionDenied):
        services.enterprise_save(by=personas.dept, enterprise=world.erin,
                                 values={"employees": 90})


# -- the registry import -----------------------------------------------------------------------


def write_csv(path, rows):
    keys = sorted({k for r in rows for k in r})
    pl.DataFrame({k: [r.get(k) for r in rows] for k in keys}).write_csv(path)
    return path


def test_an_import_with_one_malformed_row_loads_nothing_and_names_the_row(personas, tmp_path):
    rows = registry_rows()
    rows[1]["uscc"] = rows[1]["uscc"][:17] + ("0" if rows[1]["uscc"][17] != "0" else "1")
    audit_before = AuditEntry.objects.count()
    report = services.registry_import(by=personas.admin, path=write_csv(tmp_path / "r.csv",
                                                                         rows))
    assert not report.ok and report.rejected_rows == [3]  # the header is row 1
    assert report.rejected[0].field == "uscc"
    assert "校验" in report.rejected[0].zh or "check" in report.rejected[0].en
    assert "第 3 行" in report.messages("zh")[0] and "row 3" in report.messages("en")[0]
    assert Enterprise.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_an_import_loads_every_row_with_one_audit_entry_and_updates_by_code(personas, tmp_path):
    rows = registry_rows({f"f{i}": {"employees": str(i), "region_code": "330106"}
                          for i in range(40)})
    report = services.registry_import(by=personas.admin,
                                      path=write_csv(tmp_path / "r.csv", rows))
    assert report.ok and (report.created, report.updated) == (43, 0)
    entries = AuditEntry.objects.filter(object_type="policy.enterprise")
    assert entries.count() == 1 and entries.get().after["rows"] == 43
    erin = Enterprise.objects.get(uscc=rows[0]["uscc"])
    erin.organisation = personas.enterprise_org
    erin.save()
    rows[0]["employees"] = "81"
    report = services.registry_import(by=personas.admin,
                                      path=write_csv(tmp_path / "r2.csv", rows))
    assert (report.created, report.updated) == (0, 43)
    erin.refresh_from_db()
    assert erin.attributes["employees"] == 81
    assert erin.organisation == personas.enterprise_org  # the link survives an update


def test_an_import_of_a_file_of_another_kind_is_refused_with_a_message(personas, tmp_path):
    path = tmp_path / "registry.txt"
    path.write_text("uscc,name\n")
    report = services.registry_import(by=personas.admin, path=path)
    assert not report.ok and ".csv" in report.error
    assert Enterprise.objects.count() == 0


def test_an_import_rematches_the_imported_enterprises(personas, world, tmp_path):
    policy = in_force(personas)
    newcomer = {"uscc": uscc("newcomer"), "name": "杭州新来科技有限公司", "employees": "20",
                "revenue_wan": "1000", "rd_expense_wan": "100", "tech_sme": "是",
                "region_code": "330106"}
    report = services.registry_import(by=personas.admin,
                                      path=write_csv(tmp_path / "n.csv", [newcomer]))
    assert report.ok and report.run.kind == "import"
    assert ("杭州新来科技有限公司", True) in results(policy)


# -- the cascade -------------------------------------------------------------------------------


def test_the_cascade_names_implementations_on_time_late_and_overdue(personas):
    core_services.city_configure(name="杭州市", region_code="330100")
    issued = AS_OF - dt.timedelta(days=100)
    province = services.policy_save(
        by=personas.admin, issuer=personas.bureau, requires_implementation=True,
        source=policy_text("浙科规〔2026〕9号", key="zj-9", scope="33", level="province",
                           issued=issued, effective_from=issued))
    services.policy_set_status(policy=province, by=personas.admin, status="in_force")
    city = services.policy_save(by=personas.dept, source=policy_text(
        "杭科规〔2026〕3号", implements="zj-9", issued=issued + dt.timedelta(days=20),
        effective_from=issued + dt.timedelta(days=20)))
    services.policy_set_status(policy=city, by=personas.dept, status="in_force")
    county = services.policy_save(by=personas.dept, source=policy_text(
        "西湖科〔2026〕4号", implements="zj-9", scope="330106", level="county",
        issued=issued + dt.timedelta(days=75), effective_from=issued + dt.timedelta(days=75)))
    services.policy_set_status(policy=county, by=personas.dept, status="in_force")
    assert city.parent == province and county.parent == province
    items = {i["item"].region: i for i in selectors.cascade_items(province)}
    assert items["3301"]["item"].status == "done"
    assert items["3301"]["implementing"] == city
    assert items["330106"]["item"].status == "late"
    assert items["330106"]["item"].days_overdue == 15
    assert items["330108"]["item"].status == "overdue"  # 滨江区 issued nothing
    assert items["330108"]["item"].days_overdue == 40


def test_implementing_an_unknown_policy_is_refused_naming_the_line(personas):
    text = policy_text(implements="zj-nowhere")
    with pytest.raises(PolicyValidationError) as caught:
        services.policy_save(by=personas.dept, source=text)
    assert caught.value.problems[0].field == "implements"
    assert caught.value.problems[0].line == condition_line(text, "implements:")


def test_an_excel_registry_with_chinese_headers_loads(personas, tmp_path):
    from openpyxl import Workbook

    from cityops.policy.engine import attributes as A

    rows = registry_rows()
    columns = ["uscc", "name", "employees", "revenue_wan", "tech_sme", "founded_on",
               "region_code"]
    book = Workbook()
    sheet = book.active
    sheet.append([A.ATTRIBUTES[c].zh for c in columns])  # 统一社会信用代码, 企业名称, ...
    for r in rows:
        sheet.append([r.get(c) for c in columns])
    path = tmp_path / "registry.xlsx"
    book.save(path)
    report = services.registry_import(by=personas.admin, path=path)
    assert report.ok and report.created == 3
    rich = Enterprise.objects.get(name="杭州rich科技有限公司")
    assert rich.attributes["employees"] == 200 and rich.attributes["tech_sme"] is True
    assert rich.attributes["founded_on"] == "2012-03-01"


def test_a_damaged_excel_file_is_refused_by_name(personas, tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    report = services.registry_import(by=personas.admin, path=path)
    assert not report.ok and "broken.xlsx" in report.error
    assert Enterprise.objects.count() == 0


# -- the demo city -----------------------------------------------------------------------------


def test_the_demo_city_gets_a_registry_policies_a_cascade_and_a_match_run(db):
    import time

    from cityops.demo.generator import generate_city
    from cityops.demo.policy_load import N_PROFILES, load_policies

    city = generate_city()
    core_services.city_configure(name=city.city_name, region_code=city.city_code)
    orgs = {o.key: core_services.organisation_create(
        by=None, kind=o.kind, name=o.name, short_name=o.short_name, uscc=o.uscc,
        region_code=o.region_code, industry_code=o.industry_code or "")
        for o in city.organisations if o.kind in ("department", "enterprise")}
    t0 = time.perf_counter()
    figures = load_policies(city, orgs, AS_OF)
    assert time.perf_counter() - t0 < 20
    assert figures["profiles"] == N_PROFILES
    assert 150 <= figures["policies"] <= 300
    assert figures["matches"] > 1000 and figures["near_misses"] > 1000
    # every demo enterprise has its profile, in Hangzhou
    linked = Enterprise.objects.filter(organisation__isnull=False)
    assert linked.count() == len(city.enterprises)
    assert set(Enterprise.objects.values_list("region_code", flat=True)) <= {
        "330102", "330105", "330106", "330108", "330109", "330110", "330111", "330112",
        "330113", "330114", "330122", "330127", "330182"}
    # the demo enterprise's story: 3.2% R&D intensity, 5% required
    story = Enterprise.objects.get(organisation=orgs[city.enterprises[0].key])
    miss = PolicyMatch.objects.get(enterprise=story, policy__key="hz-kjj-rd-sme")
    assert not miss.matched and miss.failed_condition == "研发费用占比 要求 ≥ 5%"
    # the examples are in the library; the province policy's cascade has overdue counties
    assert Policy.objects.filter(doc_number="财政部 税务总局公告2023年第7号").exists()
    province = Policy.objects.get(key="zj-jxt-specialised")
    statuses = {i["item"].status for i in selectors.cascade_items(province)}
    assert statuses == {"done", "late", "overdue"}
    # idempotent
    again = load_policies(city, orgs, AS_OF)
    assert (again["policies_created"], again["profiles_created"]) == (0, 0)
    assert Policy.objects.count() == figures["policies"]
