"""The policy API: the library scoped like the pages, rule texts refused with every problem and
its line, departments writing only their own policies, the review before a policy is put in
force, results an enterprise reads only for itself, the CLI's operations (check, match,
explain) and the registry import that loads all or nothing."""

import io

import polars as pl
import pytest
from rest_framework.test import APIClient

from cityops.core.models import Job
from cityops.policy import services
from cityops.policy.models import Enterprise, MatchRun, Policy, PolicyStatus

from .support import build_world, condition_line, in_force, policy_text, registry_rows


@pytest.fixture
def world(personas):
    return build_world(personas)


def api(user, language="zh-hans") -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(user)
    return client


def test_the_library_lists_issued_policies_to_the_public_and_drafts_to_their_department(
        personas):
    issued = in_force(personas)
    draft = services.policy_save(by=personas.dept, source=policy_text("杭卫规〔2026〕2号"))
    public = api(personas.public).get("/api/v1/policies/")
    assert [p["id"] for p in public.data["results"]] == [issued.pk]
    mine = api(personas.dept).get("/api/v1/policies/")
    assert {p["id"] for p in mine.data["results"]} == {issued.pk, draft.pk}
    body = public.data["results"][0]
    assert body["region_scope"] == ["3301"] and body["benefit_kinds"] == ["subsidy"]
    assert body["status"] == "in_force" and "研发费用补助" in body["source"]


def test_a_rule_text_with_problems_is_refused_with_each_line(personas):
    text = policy_text(conditions=['{attr: rd_intensty, op: ">=", value: 5}',
                                   '{attr: employees, op: between, value: [50, 10]}'])
    response = api(personas.dept).post("/api/v1/policies/", {"source": text}, format="json")
    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    lines = [p["line"] for p in response.data["problems"]]
    assert lines == [condition_line(text, "rd_intensty"), condition_line(text, "between")]
    assert response.data["errors"]["source"][0].startswith(f"第 {lines[0]} 行")
    english = api(personas.dept, "en").post("/api/v1/policies/", {"source": text},
                                            format="json")
    assert english.data["errors"]["source"][0].startswith(f"line {lines[0]}, ")
    assert Policy.objects.count() == 0


def test_an_unknown_field_in_the_body_is_refused(personas):
    response = api(personas.dept).post("/api/v1/policies/",
                                       {"source": policy_text(), "status": "in_force"},
                                       format="json")
    assert response.status_code == 400
    assert "status" in response.data["errors"]
    assert Policy.objects.count() == 0


def test_a_department_writes_only_its_own_policies(personas):
    created = api(personas.dept).post("/api/v1/policies/", {"source": policy_text()},
                                      format="json")
    assert created.status_code == 201 and created.data["issuer"] == personas.health.pk
    pk = created.data["id"]
    other = api(personas.dept2)
    assert other.patch(f"/api/v1/policies/{pk}/", {"source": policy_text(title="改")},
                       format="json").status_code == 404  # a draft: not even visible
    services.policy_set_status(policy=Policy.objects.get(pk=pk), by=personas.dept,
                               status="in_force")
    assert other.patch(f"/api/v1/policies/{pk}/", {"source": policy_text(title="改")},
                       format="json").status_code == 403
    assert other.post(f"/api/v1/policies/{pk}/status/", {"status": "expired"},
                      format="json").status_code == 403
    assert Policy.objects.get(pk=pk).title == "研发费用补助办法"
    assert api(personas.auditor).patch(f"/api/v1/policies/{pk}/", {"issuing_authority": "x"},
                                       format="json").status_code == 403


def test_putting_in_force_through_the_api_reviews_first(personas, world):
    policy = services.policy_save(by=personas.dept, source=policy_text(conditions=[
        '{attr: employees, op: ">=", value: 100}', '{attr: employees, op: "<", value: 50}']))
    client = api(personas.dept)
    review = client.get(f"/api/v1/policies/{policy.pk}/review/")
    assert review.status_code == 200 and not review.data["ok"]
    assert review.data["unsatisfiable"][0]["clauses"]
    refused = client.post(f"/api/v1/policies/{policy.pk}/status/", {"status": "in_force"},
                          format="json")
    assert refused.status_code == 400 and refused.data["code"] == "review_refused"
    assert "override_reason" in refused.data["errors"]
    assert Policy.objects.get(pk=policy.pk).status == PolicyStatus.DRAFT
    done = client.post(f"/api/v1/policies/{policy.pk}/status/",
                       {"status": "in_force", "override_reason": "照转"}, format="json")
    assert done.status_code == 200 and done.data["status"] == "in_force"
    again = client.post(f"/api/v1/policies/{policy.pk}/status/", {"status": "in_force"},
                        format="json")
    assert again.status_code == 409


def test_an_enterprise_reads_only_its_own_results_and_profile(personas, world):
    policy = in_force(personas)
    mine = api(personas.enterprise).get("/api/v1/policy-matches/")
    assert [(r["uscc"], r["matched"]) for r in mine.data["results"]] == [(world.erin.uscc,
                                                                          False)]
    assert mine.data["results"][0]["failed_condition_text"] == "研发费用占比 要求 ≥ 5%"
    theirs = api(world.other_user).get("/api/v1/policy-matches/")
    assert [(r["uscc"], r["matched"]) for r in theirs.data["results"]] == [(world.rich.uscc,
                                                                            True)]
    assert theirs.data["results"][0]["benefit_wan"] == "50.0000"
    assert [e["uscc"] for e in api(personas.enterprise).get(
        "/api/v1/enterprises/").data["results"]] == [world.erin.uscc]
    assert api(personas.enterprise).get(
        f"/api/v1/enterprises/{world.rich.pk}/").status_code == 404
    explain = api(personas.enterprise).get(
        f"/api/v1/policy/explain/?policy={policy.doc_number}&uscc={world.rich.uscc}")
    assert explain.status_code == 404


def test_explain_gives_each_condition_with_the_value(personas, world):
    policy = in_force(personas)
    response = api(personas.enterprise).get(
        f"/api/v1/policy/explain/?policy={policy.pk}&uscc={world.erin.uscc}")
    assert response.status_code == 200
    assert response.data["outcome"] == "not eligible" and response.data["near_miss_clause"] == 1
    texts = [line["text"] for line in response.data["lines"]]
    assert "研发费用占比 3.2%，要求 ≥ 5%" in texts
    missing = api(personas.admin).get("/api/v1/policy/explain/?policy=" + policy.doc_number)
    assert missing.status_code == 400 and "uscc" in missing.data["errors"]


def test_check_validates_a_rule_text_without_saving_it(personas):
    client = api(personas.finance)  # a computation: read-only roles may call it
    ok = client.post("/api/v1/policy/check/", {"source": policy_text()}, format="json")
    assert ok.status_code == 200 and ok.data["doc_number"] == "杭科规〔2026〕1号"
    assert any("研发费用占比 要求 ≥ 5%" in r["text"] for r in ok.data["rules"])
    bad = client.post("/api/v1/policy/check/", {"source": "doc_number: [\n"}, format="json")
    assert bad.status_code == 400 and bad.data["problems"][0]["field"] == "(yaml)"
    assert Policy.objects.count() == 0


def test_the_match_endpoint_starts_a_full_run_as_a_job(personas, world,
                                                       django_capture_on_commit_callbacks):
    in_force(personas)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(personas.admin).post("/api/v1/policy/match/")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.data["job"])
    assert job.status == "succeeded", job.message
    run = MatchRun.objects.get(pk=job.result["run"])
    assert run.kind == "full" and run.matches == 1 and run.near_misses == 1
    assert api(personas.dept).post("/api/v1/policy/match/").status_code == 403


def upload(rows, name="registry.csv"):
    keys = sorted({k for r in rows for k in r})
    data = pl.DataFrame({k: [r.get(k) for r in rows] for k in keys}).write_csv().encode()
    f = io.BytesIO(data)
    f.name = name
    return f


def test_the_registry_import_loads_nothing_when_a_row_is_malformed(personas):
    rows = registry_rows()
    rows[1]["employees"] = "-3"
    response = api(personas.admin).post("/api/v1/policy/registry-import/",
                                        {"file": upload(rows)}, format="multipart")
    assert response.status_code == 400
    assert [(r["row"], r["field"]) for r in response.data["rejected"]] == [(3, "employees")]
    assert "第 3 行" in response.data["errors"]["file"][0]
    assert Enterprise.objects.count() == 0
    ok = api(personas.admin).post("/api/v1/policy/registry-import/",
                                  {"file": upload(registry_rows())}, format="multipart")
    assert ok.status_code == 201 and ok.data["created"] == 3


def test_the_registry_import_refuses_a_file_of_another_kind(personas):
    response = api(personas.admin).post("/api/v1/policy/registry-import/",
                                        {"file": upload(registry_rows(), "r.pdf")},
                                        format="multipart")
    assert response.status_code == 400 and "r.pdf" in response.data["errors"]["file"][0]


def test_a_profile_change_through_the_api_is_rematched(personas, world):
    policy = in_force(personas)
    response = api(personas.admin).patch(f"/api/v1/enterprises/{world.erin.pk}/",
                                         {"attributes": {"rd_expense_wan": 200}},
                                         format="json")
    assert response.status_code == 200
    assert world.erin.matches.get(policy=policy).matched
    bad = api(personas.admin).patch(f"/api/v1/enterprises/{world.erin.pk}/",
                                    {"attributes": {"tax_credit_rating": "Z"}}, format="json")
    assert bad.status_code == 400 and "tax_credit_rating" in bad.data["errors"]
    unknown = api(personas.admin).patch(f"/api/v1/enterprises/{world.erin.pk}/",
                                        {"attributes": {"rd_intensity": 9}}, format="json")
    assert unknown.status_code == 400 and "rd_intensity" in unknown.data["errors"]
