"""Policy pages as people use them: an enterprise's own policies (matches, benefits, near misses
in words, 免申即享, guides) and nobody else's; the editor's line-numbered errors and the
condition builder; departments and their own policies; putting in force after the review;
the registry import that loads all or nothing; coverage for the data bureau. (Status codes of
every URL for every role are in matrix.py.)"""

import html
import re

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cityops.core.models import Notification
from cityops.policy import services
from cityops.policy.models import Enterprise, Policy, PolicyStatus

from .support import (
    build_world,
    condition_line,
    in_force,
    page_client,
    policy_text,
    registry_rows,
)


@pytest.fixture
def world(personas):
    return build_world(personas)


def text_of(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def by_testid(response, name: str) -> list[str]:
    """The text of each element marked ``data-testid=name`` (elements of one kind, not nested
    in one another)."""
    body = response.content.decode()
    found = re.findall(rf'<(\w+)[^>]*data-testid="{name}"[^>]*>(.*?)</\1>', body, re.S)
    return [html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inner))).strip()
            for _tag, inner in found]


# -- an enterprise's policies --------------------------------------------------------------


def test_an_enterprise_sees_its_matches_and_a_near_miss_in_words(personas, world):
    in_force(personas)  # erin: R&D intensity 3.2% of the 5% required
    jobs = in_force(personas, policy_text("杭人社规〔2026〕7号", free=True, title="稳岗返还办法",
                                          conditions=['{attr: employees, op: ">=", value: 50}',
                                                      '{attr: tax_credit_rating, op: in, '
                                                      'value: [A, B]}'],
                                          amount='"round(employees * 0.05, 2)"'))
    response = page_client(personas.enterprise).get("/policy/mine/")
    assert response.status_code == 200
    matched = by_testid(response, "matched-policy")
    assert len(matched) == 1 and "稳岗返还办法" in matched[0]
    assert "免申即享" in matched[0]
    assert " 4.00 " in matched[0]  # 80 employees × 0.05 = 4 万元
    misses = by_testid(response, "failing-condition")
    assert misses == ["✗ 研发费用占比 3.2%，要求 ≥ 5%"]
    page = text_of(response)
    assert "浙里办在线申报" in page  # the application guide
    assert str(jobs.pk) in response.content.decode()


def test_the_near_miss_is_explained_in_english_for_an_english_user(personas, world):
    in_force(personas)
    response = page_client(personas.enterprise, "en").get("/policy/mine/")
    assert by_testid(response, "failing-condition") == ["✗ R&D intensity 3.2%, required ≥ 5%"]


def test_an_enterprise_sees_only_its_own_results(personas, world):
    policy = in_force(personas)  # "rich" (eve's enterprise) qualifies, erin does not
    own = page_client(personas.enterprise).get("/policy/mine/")
    assert "杭州rich科技有限公司" not in text_of(own)
    assert by_testid(own, "matched-policy") == []
    eve = page_client(world.other_user).get("/policy/mine/")
    assert len(by_testid(eve, "matched-policy")) == 1
    assert "研发费用占比" not in " ".join(by_testid(eve, "failing-condition"))
    # another enterprise's explanation and profile pages do not exist for erin
    client = page_client(personas.enterprise)
    assert client.get(f"/policy/explain/{policy.pk}/{world.rich.pk}/").status_code == 404
    assert client.get(f"/policy/registry/{world.rich.pk}/").status_code == 404
    assert client.get(f"/policy/explain/{policy.pk}/{world.erin.pk}/").status_code == 200


def test_the_explain_page_shows_every_condition_with_the_enterprises_value(personas, world):
    policy = in_force(personas)
    response = page_client(personas.enterprise).get(
        f"/policy/explain/{policy.pk}/{world.erin.pk}/")
    lines = by_testid(response, "explain-line")
    assert any("研发费用占比 3.2%，要求 ≥ 5%" in line and line.startswith("✗") for line in lines)
    assert any("科技型中小企业 是" in line and line.startswith("✓") for line in lines)
    assert any("营业收入 3,000 万元" in line for line in lines)
    assert "不符合" in text_of(response) or "not eligible" in text_of(response)


def test_an_enterprise_without_a_profile_is_told_so(personas):
    response = page_client(personas.enterprise).get("/policy/mine/")
    assert response.status_code == 200
    assert 'data-testid="no-profile"' in response.content.decode()


def test_a_draft_is_not_in_the_public_library(personas, world):
    draft = services.policy_save(by=personas.dept, source=policy_text())
    public = page_client(personas.public)
    assert draft.title not in text_of(public.get("/policy/"))
    assert public.get(f"/policy/{draft.pk}/").status_code == 404
    assert page_client(personas.dept2).get(f"/policy/{draft.pk}/").status_code == 404
    assert draft.title in text_of(page_client(personas.dept).get("/policy/"))


def test_the_library_filters_by_benefit_and_free_application(personas, world):
    in_force(personas)
    in_force(personas, policy_text("杭人社规〔2026〕7号", free=True, title="稳岗返还办法"))
    client = page_client(personas.public)
    page = text_of(client.get("/policy/?free=on"))
    assert "稳岗返还办法" in page and "研发费用补助办法" not in page
    assert "研发费用补助办法" in text_of(client.get("/policy/?benefit=subsidy"))
    assert "研发费用补助办法" not in text_of(client.get("/policy/?benefit=land"))


# -- the editor ------------------------------------------------------------------------------


def test_a_department_cannot_edit_another_departments_policy(personas, world):
    draft = services.policy_save(by=personas.dept, source=policy_text("杭卫规〔2026〕3号"))
    other = page_client(personas.dept2)
    assert other.get(f"/policy/{draft.pk}/edit/").status_code == 404  # a draft stays inside
    policy = in_force(personas)
    assert other.get(f"/policy/{policy.pk}/edit/").status_code == 403
    response = other.post(f"/policy/{policy.pk}/edit/",
                          {"source": policy_text(title="改写"), "action": "save"})
    assert response.status_code == 403
    assert other.post(f"/policy/{policy.pk}/status/", {"status": "expired"}).status_code == 403
    policy.refresh_from_db()
    assert (policy.title, policy.status) == ("研发费用补助办法", PolicyStatus.IN_FORCE)


def test_the_editor_shows_an_unknown_attribute_at_its_line_and_saves_nothing(personas):
    policy = services.policy_save(by=personas.dept, source=policy_text())
    bad = policy_text(conditions=['{attr: tech_sme, op: is_true}',
                                  '{attr: rd_intensty, op: ">=", value: 5}'])
    line = condition_line(bad, "rd_intensty")
    response = page_client(personas.dept).post(f"/policy/{policy.pk}/edit/",
                                               {"source": bad, "action": "save"})
    assert response.status_code == 400
    problems = by_testid(response, "problem")
    assert problems == [f"第 {line} 行，字段 eligibility.all[1].attr：未知属性 'rd_intensty'。"]
    marked = re.findall(r'data-line="(\d+)" class="has-error"', response.content.decode())
    assert marked == [str(line)]
    policy.refresh_from_db()
    assert policy.version == 1 and "rd_intensty" not in policy.source


def test_the_editor_checks_without_saving_and_saves_a_new_version(personas):
    policy = services.policy_save(by=personas.dept, source=policy_text())
    client = page_client(personas.dept)
    changed = policy_text(conditions=['{attr: high_tech, op: is_true}'])
    response = client.post(f"/policy/{policy.pk}/edit/", {"source": changed, "action": "check"})
    assert response.status_code == 200 and 'data-testid="check-ok"' in response.content.decode()
    policy.refresh_from_db()
    assert policy.version == 1
    response = client.post(f"/policy/{policy.pk}/edit/", {"source": changed, "action": "save"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.version == 2 and policy.source == changed


def test_a_new_policy_from_the_editor_belongs_to_the_officers_department(personas):
    response = page_client(personas.dept).post("/policy/new/", {
        "source": policy_text(), "action": "save", "issuing_authority": "杭州市卫生健康委员会"})
    assert response.status_code == 302
    policy = Policy.objects.get()
    assert policy.issuer == personas.health
    assert policy.issuing_authority == "杭州市卫生健康委员会"


def test_the_condition_builder_writes_yaml_the_language_accepts(personas):
    client = page_client(personas.dept)
    response = client.post("/policy/builder/yaml/", {
        "attr": ["rd_intensity", "tax_credit_rating"], "op": [">=", "in"],
        "value": ["5", "A, B"], "combinator": "all"})
    assert response.status_code == 200
    snippet = html.unescape(re.search(r'data-testid="builder-snippet">(.*?)</pre>',
                                      response.content.decode(), re.S).group(1))
    assert snippet == ("    - {attr: rd_intensity, op: '>=', value: 5}\n"
                       "    - {attr: tax_credit_rating, op: in, value: [A, B]}\n")
    # the snippet goes under eligibility: all: and the policy parses
    text = policy_text(conditions=[]).replace("  all:\n", "  all:\n" + snippet)
    services.policy_check(text)


def test_the_condition_builder_names_the_row_of_a_bad_value(personas):
    response = page_client(personas.dept).post("/policy/builder/yaml/", {
        "attr": ["employees", "tax_credit_rating"], "op": [">=", "in"],
        "value": ["10", "A, Z"], "combinator": "any"})
    assert response.status_code == 400
    errors = by_testid(response, "builder-errors")[0]
    assert errors.startswith("Row 2") or errors.startswith("第 2 行") or "2" in errors
    assert "'Z'" in errors


def test_changing_the_attribute_of_a_builder_row_offers_its_operators(personas):
    response = page_client(personas.dept).get("/policy/builder/row/?attr=high_tech&index=3")
    ops = re.findall(r'<option value="([a-z_=<>!]+)"', response.content.decode())
    assert "is_true" in ops and ">=" not in ops


# -- review and status ------------------------------------------------------------------------


def test_putting_in_force_from_the_review_page_notifies_the_enterprise(personas, world):
    policy = services.policy_save(by=personas.dept, source=policy_text())
    client = page_client(personas.dept)
    review = client.get(f"/policy/{policy.pk}/review/")
    assert 'data-testid="review-ok"' in review.content.decode()
    response = client.post(f"/policy/{policy.pk}/status/", {"status": "in_force"})
    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.IN_FORCE
    assert Notification.objects.filter(recipient=world.other_user).count() == 1


def test_an_unsatisfiable_rule_needs_an_override_reason_on_the_page(personas, world):
    policy = services.policy_save(by=personas.dept, source=policy_text(conditions=[
        '{attr: employees, op: ">=", value: 100}', '{attr: employees, op: "<", value: 50}']))
    client = page_client(personas.dept)
    review = client.get(f"/policy/{policy.pk}/review/")
    assert 'data-testid="unsatisfiable"' in review.content.decode()
    assert "任何企业都不可能符合" in text_of(review)
    refused = client.post(f"/policy/{policy.pk}/status/", {"status": "in_force"})
    assert refused.status_code == 400
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.DRAFT
    client.post(f"/policy/{policy.pk}/status/", {"status": "in_force",
                                                 "override_reason": "照转上级文件"})
    policy.refresh_from_db()
    assert policy.status == PolicyStatus.IN_FORCE and policy.override_reason == "照转上级文件"


def test_an_auditor_reads_the_review_but_changes_no_status(personas, world):
    policy = services.policy_save(by=personas.dept, source=policy_text())
    auditor = page_client(personas.auditor)
    assert auditor.get(f"/policy/{policy.pk}/review/").status_code == 200
    assert auditor.post(f"/policy/{policy.pk}/status/", {"status": "in_force"}).status_code \
        == 403


# -- the registry -------------------------------------------------------------------------------


def csv_upload(rows, name="registry.csv"):
    keys = sorted({k for r in rows for k in r})
    data = pl.DataFrame({k: [r.get(k) for r in rows] for k in keys}).write_csv()
    return SimpleUploadedFile(name, data.encode("utf-8"), content_type="text/csv")


def test_an_import_with_one_malformed_row_loads_nothing_and_names_the_row(personas):
    rows = registry_rows()
    rows[2]["founded_on"] = "2020-13-45"
    response = page_client(personas.admin).post("/policy/registry/import/",
                                                {"file": csv_upload(rows)})
    assert response.status_code == 400
    report = response.content.decode()
    assert re.findall(r'<tr data-row="(\d+)">', report) == ["4"]
    assert "成立日期不是有效日期" in text_of(response)
    assert Enterprise.objects.count() == 0


def test_an_import_loads_the_profiles_and_lists_them(personas):
    client = page_client(personas.admin)
    response = client.post("/policy/registry/import/", {"file": csv_upload(registry_rows())})
    assert response.status_code == 302
    assert Enterprise.objects.count() == 3
    assert "杭州rich科技有限公司" in text_of(client.get("/policy/registry/"))


def test_a_file_that_is_not_a_registry_is_refused_by_name(personas):
    response = page_client(personas.admin).post("/policy/registry/import/", {
        "file": SimpleUploadedFile("notes.docx", b"hello")})
    assert response.status_code == 400
    assert "notes.docx" in text_of(response)


# -- coverage and dashboards ------------------------------------------------------------------


def test_the_data_bureau_sees_coverage_per_policy_department_and_region(personas, world):
    in_force(personas)
    services.match_run(by=personas.admin)
    page = page_client(personas.admin).get("/policy/coverage/")
    assert 'data-testid="coverage-share">33.3%' in page.content.decode()  # 1 of 3 reached
    assert personas.health.name in text_of(page)
    home = page_client(personas.admin).get("/")
    assert 'data-widget="policy.coverage"' in home.content.decode()


def test_the_enterprise_dashboard_counts_its_policies(personas, world):
    in_force(personas)
    home = page_client(world.other_user).get("/")
    assert 'data-widget="policy.mine"' in home.content.decode()
    assert 'data-widget="policy.coverage"' not in home.content.decode()


def test_the_cascade_page_lists_overdue_implementations(personas):
    import datetime as dt

    from cityops.core import services as core_services

    from .support import AS_OF

    core_services.city_configure(name="杭州市", region_code="330100")
    issued = AS_OF - dt.timedelta(days=90)
    province = services.policy_save(
        by=personas.admin, issuer=personas.bureau, requires_implementation=True,
        source=policy_text("浙科规〔2026〕9号", key="zj-9", scope="33", level="province",
                           issued=issued, effective_from=issued))
    services.policy_set_status(policy=province, by=personas.admin, status="in_force")
    response = page_client(personas.dept).get("/policy/cascade/")
    statuses = re.findall(r'data-cascade-status="(\w+)"', response.content.decode())
    assert statuses and set(statuses) == {"overdue"}  # nobody implemented it in 90 days
    assert 'data-testid="overdue-count"' in response.content.decode()
