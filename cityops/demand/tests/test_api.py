"""The demand API as a client program sees it: needs scoped like the pages (another
department's draft answers 404), filing with errors that name the field (400, Chinese by
default, English with Accept-Language) and save nothing, review steps that answer 409 when the
state does not allow them, the supplier ranking with its explanations, duplicates and
supplier profiles."""

from __future__ import annotations

import json
import re

import pytest
from rest_framework.test import APIClient

from cityops.demand.models import Need, NeedEvent

from .matrix import draft, duplicate_pair, need_fields, other_need_fields, profile, submitted

NEEDS = "/api/v1/needs/"
CJK = re.compile(r"[\u4e00-\u9fff]")


def api_as(user, language: str | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    if language:
        client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    return client


def payload(**overrides) -> dict:
    body = need_fields(**overrides)
    body["tags"] = ",".join(body["tags"])
    return json.loads(json.dumps(body, default=str))


def post(client, url, body=None):
    return client.post(url, body or {}, format="json")


def test_a_department_lists_its_own_and_others_submitted_needs(personas):
    mine = draft(personas.dept)
    theirs = draft(personas.dept2, **other_need_fields())
    published = submitted(personas.dept2, **other_need_fields(title="交通局已提交"))
    codes = {n["code"] for n in api_as(personas.dept).get(NEEDS).json()["results"]}
    assert codes == {mine.code, published.code}
    assert api_as(personas.dept).get(f"{NEEDS}{theirs.pk}/").status_code == 404
    for reader in (personas.admin, personas.auditor, personas.finance):
        codes = {n["code"] for n in api_as(reader).get(NEEDS).json()["results"]}
        assert codes == {published.code}


@pytest.mark.parametrize("role", ["supplier", "enterprise", "public"])
def test_outsiders_get_nothing(personas, role):
    need = submitted(personas.dept)
    client = api_as(getattr(personas, role))
    for url in (NEEDS, f"{NEEDS}{need.pk}/", f"{NEEDS}{need.pk}/suppliers/",
                "/api/v1/duplicates/"):
        assert client.get(url).status_code == 403, url
    assert api_as(None).get(NEEDS).status_code in (401, 403)


def test_an_officer_files_and_submits_a_need(personas):
    client = api_as(personas.dept)
    created = post(client, NEEDS, payload())
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["department"]) == ("draft", personas.health.pk)
    submitted_ = post(client, f"{NEEDS}{body['id']}/submit/")
    assert submitted_.status_code == 200 and submitted_.json()["status"] == "submitted"


@pytest.mark.parametrize(("language", "check"), [
    (None, lambda m: CJK.search(m)), ("en", lambda m: "greater than or equal" in m)])
def test_bad_input_answers_400_naming_the_field_and_saves_nothing(personas, language, check):
    client = api_as(personas.dept, language)
    response = post(client, NEEDS, payload(budget_wan="-1", security_level=9))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"budget_wan", "security_level"}
    assert check(errors["budget_wan"][0]), errors
    response = post(client, NEEDS, payload(colour="red"))
    assert response.status_code == 400 and set(response.json()["errors"]) == {"colour"}
    response = client.post(NEEDS, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert not Need.objects.exists()


def test_a_refused_step_answers_409(personas):
    need = draft(personas.dept)
    response = post(api_as(personas.admin, "en"), f"{NEEDS}{need.pk}/approve/")
    assert response.status_code == 404  # the bureau does not see drafts
    need = submitted(personas.dept)
    first = post(api_as(personas.admin), f"{NEEDS}{need.pk}/approve/", {"comment": "同意"})
    assert first.status_code == 200 and first.json()["status"] == "approved"
    again = post(api_as(personas.admin, "en"), f"{NEEDS}{need.pk}/approve/")
    assert again.status_code == 409
    assert again.json()["code"] == "transition_refused"
    assert "approve" in again.json()["detail"]
    assert NeedEvent.objects.filter(need=need, action="approve").count() == 1


def test_editing_a_submitted_need_answers_409(personas):
    need = submitted(personas.dept)
    response = api_as(personas.dept).patch(f"{NEEDS}{need.pk}/", {"title": "改"},
                                           format="json")
    assert response.status_code == 409
    need.refresh_from_db()
    assert need.title == "政务云平台购买服务"


def test_return_needs_a_comment_and_merge_needs_a_target(personas):
    need = submitted(personas.dept)
    admin = api_as(personas.admin, "en")
    response = post(admin, f"{NEEDS}{need.pk}/return/", {"comment": " "})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"comment"}
    response = post(admin, f"{NEEDS}{need.pk}/merge/", {})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"into"}
    response = post(admin, f"{NEEDS}{need.pk}/merge/", {"into": need.pk})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"into"}
    need.refresh_from_db()
    assert need.status == "submitted"


def test_the_ranking_explains_each_supplier(personas):
    profile(personas.supplier)
    need = submitted(personas.dept)
    rows = api_as(personas.dept).get(f"{NEEDS}{need.pk}/suppliers/").json()
    assert rows[0]["supplier"] == personas.supplier_org.pk and rows[0]["passed"]
    assert rows[0]["matched_terms"] and "政务云" in rows[0]["matched_tags"]
    assert {r["code"] for r in rows[0]["requirements"]} >= {"region", "capacity"}
    assert all(r["message_zh"] and r["message_en"] for r in rows[0]["requirements"])


def test_duplicates_for_the_bureau_and_the_merge(personas):
    a, b, flag = duplicate_pair(personas)
    listed = api_as(personas.auditor).get("/api/v1/duplicates/").json()["results"]
    assert [f["id"] for f in listed] == [flag.pk]
    response = post(api_as(personas.admin), f"{NEEDS}{b.pk}/merge/", {"into": a.pk})
    assert response.status_code == 200 and response.json()["merged_into"] == a.pk
    flag.refresh_from_db()
    assert flag.status == "merged"


def test_a_supplier_reads_and_writes_only_its_profile(personas):
    mine, theirs = profile(personas.supplier), profile(personas.supplier2)
    client = api_as(personas.supplier)
    listed = client.get("/api/v1/supplier-profiles/").json()["results"]
    assert [p["id"] for p in listed] == [mine.pk]
    assert client.get(f"/api/v1/supplier-profiles/{theirs.pk}/").status_code == 404
    response = client.patch(f"/api/v1/supplier-profiles/{mine.pk}/",
                            {"regions_served": "浙江"}, format="json")
    assert response.status_code == 400 and set(response.json()["errors"]) == {"regions_served"}
    response = client.patch(f"/api/v1/supplier-profiles/{mine.pk}/", {"capacity_wan": "8000"},
                            format="json")
    assert response.status_code == 200 and response.json()["capacity_wan"] == "8000.00"
    assert api_as(personas.dept).patch(f"/api/v1/supplier-profiles/{mine.pk}/",
                                       {"capacity_wan": "1"}, format="json").status_code == 403


def test_an_auditor_reads_all_and_writes_nothing(personas):
    need = submitted(personas.dept)
    _a, _b, flag = duplicate_pair(personas)
    client = api_as(personas.auditor)
    assert client.get(f"{NEEDS}{need.pk}/").status_code == 200
    assert client.get(f"/api/v1/duplicates/{flag.pk}/").status_code == 200
    for url, body in ((NEEDS, payload()), (f"{NEEDS}{need.pk}/approve/", {}),
                      (f"{NEEDS}{need.pk}/return/", {"comment": "x"}),
                      (f"{NEEDS}{need.pk}/merge/", {"into": _a.pk})):
        assert post(client, url, body).status_code == 403, url
    assert client.patch(f"{NEEDS}{need.pk}/", {"title": "x"}, format="json").status_code == 403
    need.refresh_from_db()
    assert need.status == "submitted"
