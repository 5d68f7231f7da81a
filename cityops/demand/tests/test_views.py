"""Demand pages as each role sees them: the demand list scoped (never another department's
draft), filing a need through the form with errors that name the field (Chinese by default,
English by cookie) and save nothing, the review buttons, the duplicates page, the ranking of
suppliers with their explanations, and a supplier's own profile."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from cityops.demand.models import DuplicateFlag, Need, SupplierProfile

from .matrix import duplicate_pair, need_fields, other_need_fields, profile, submitted

NEEDS = "/demand/needs/"


def client_as(user, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def form_data(**overrides) -> dict:
    data = need_fields(**overrides)
    data["tags"] = "，".join(data["tags"]) if isinstance(data["tags"], list) else data["tags"]
    data["xinchuang_required"] = "on" if data["xinchuang_required"] else ""
    return {k: v for k, v in data.items() if v != ""}


def text(response) -> str:
    return response.content.decode()


def test_the_list_never_shows_another_departments_draft(personas):
    from .matrix import draft

    mine = draft(personas.dept, title="卫健委草稿")
    theirs = draft(personas.dept2, **other_need_fields(title="交通局草稿"))
    published = submitted(personas.dept2, **other_need_fields(title="交通局已提交"))
    page = text(client_as(personas.dept).get(NEEDS))
    assert mine.code in page and published.code in page
    assert theirs.code not in page and "交通局草稿" not in page
    for reviewer in (personas.admin, personas.auditor, personas.finance):
        page = text(client_as(reviewer).get(NEEDS))
        assert published.code in page and mine.code not in page and theirs.code not in page
    assert client_as(personas.dept).get(f"{NEEDS}{theirs.pk}/").status_code == 404
    assert client_as(personas.dept).get(f"{NEEDS}{theirs.pk}/edit/").status_code == 404


def test_the_list_filters_and_answers_htmx_with_the_table(personas):
    submitted(personas.dept)
    other = submitted(personas.dept2, **other_need_fields())
    client = client_as(personas.admin)
    page = text(client.get(NEEDS, {"q": "信号灯"}))
    assert other.code in page and "XQ" in page
    assert page.count("政务云平台购买服务") == 0
    fragment = client.get(NEEDS, {"status": "submitted"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in text(fragment)


def test_an_officer_files_a_need_through_the_form(personas):
    client = client_as(personas.dept)
    assert client.get(f"{NEEDS}new/").status_code == 200
    response = client.post(f"{NEEDS}new/", form_data())
    need = Need.objects.get()
    assert response.status_code == 302 and response.url == f"{NEEDS}{need.pk}/"
    assert (need.department, need.status, need.budget_wan) == (personas.health, "draft",
                                                               Decimal("300"))
    assert need.tag_list == ["政务云", "云计算", "运维"]


@pytest.mark.parametrize(("language", "expected"), [
    (None, "确保该值大于或等于"), ("en", "Ensure this value is greater than or equal to")])
def test_a_bad_indicator_is_named_in_the_users_language_and_nothing_saved(personas, language,
                                                                          expected):
    client = client_as(personas.dept, language)
    response = client.post(f"{NEEDS}new/", form_data(budget_wan="-5", region_code="12"))
    assert response.status_code == 400
    page = text(response)
    assert expected in page
    errors = response.context["form"].errors
    assert set(errors) == {"budget_wan", "region_code"}
    assert not Need.objects.exists()


def test_review_through_the_buttons(personas):
    from .matrix import draft

    need = draft(personas.dept)
    officer, bureau = client_as(personas.dept), client_as(personas.admin, "en")
    page = text(officer.get(f"{NEEDS}{need.pk}/"))
    assert 'data-action="submit"' in page and 'data-action="approve"' not in page
    assert officer.post(f"{NEEDS}{need.pk}/submit/").status_code == 302
    page = text(bureau.get(f"{NEEDS}{need.pk}/"))
    assert 'data-action="approve"' in page and 'data-action="submit"' not in page
    # Returning without a comment is refused with a message; with one it goes back.
    response = bureau.post(f"{NEEDS}{need.pk}/return/", {"comment": ""}, follow=True)
    need.refresh_from_db()
    assert need.status == "submitted"
    assert [str(m) for m in response.context["messages"]] == [
        "comment: Say what the department should change."]
    bureau.post(f"{NEEDS}{need.pk}/approve/", {"comment": "同意"})
    need.refresh_from_db()
    assert (need.status, need.review_comment) == ("approved", "同意")
    # Approving again: refused with the state named, nothing applied twice.
    response = bureau.post(f"{NEEDS}{need.pk}/approve/", {"comment": "再次"}, follow=True)
    assert any("approve" in str(m) for m in response.context["messages"])
    assert need.events.filter(action="approve").count() == 1


def test_an_officer_cannot_approve_its_own_need(personas):
    need = submitted(personas.dept)
    response = client_as(personas.dept).post(f"{NEEDS}{need.pk}/approve/")
    assert response.status_code == 403
    need.refresh_from_db()
    assert need.status == "submitted"


def test_a_merge_without_a_target_is_refused_with_a_message(personas):
    need = submitted(personas.dept)
    response = client_as(personas.admin, "en").post(f"{NEEDS}{need.pk}/merge/", {"into": ""},
                                                    follow=True)
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == [
        "merge into: This field is required."]
    need.refresh_from_db()
    assert need.status == "submitted"


def test_the_bureau_merges_or_dismisses_on_the_duplicates_page(personas):
    a, b, flag = duplicate_pair(personas)
    bureau = client_as(personas.admin)
    page = text(bureau.get("/demand/duplicates/"))
    assert a.code in page and b.code in page and 'data-action="merge"' in page
    # Auditors read the page without the buttons.
    audit_page = text(client_as(personas.auditor).get("/demand/duplicates/"))
    assert a.code in audit_page and 'data-action="merge"' not in audit_page
    bureau.post(f"/demand/duplicates/{flag.pk}/", {"decision": "merge", "keep": "a"})
    older, newer = sorted((a, b), key=lambda n: n.pk)
    newer.refresh_from_db()
    assert (newer.status, newer.merged_into_id) == ("merged", older.pk)
    assert DuplicateFlag.objects.get(pk=flag.pk).status == "merged"
    # Deciding again is refused with a message, not an error page.
    response = bureau.post(f"/demand/duplicates/{flag.pk}/", {"decision": "dismiss"},
                           follow=True)
    assert response.status_code == 200 and list(response.context["messages"])


def test_the_matching_fragment_explains_each_supplier(personas):
    profile(personas.supplier)
    need = submitted(personas.dept)
    detail = text(client_as(personas.dept).get(f"{NEEDS}{need.pk}/"))
    assert f"{NEEDS}{need.pk}/matching/" in detail
    response = client_as(personas.dept, "en").get(f"{NEEDS}{need.pk}/matching/",
                                                  headers={"HX-Request": "true"})
    page = text(response)
    assert response.status_code == 200 and "<html" not in page
    assert personas.supplier_org.name in page
    assert 'data-eligible="1"' in page and "<mark>" in page
    assert "✓" in page  # the hard requirements, each shown


def test_a_supplier_keeps_its_profile_and_is_told_what_is_wrong(personas):
    client = client_as(personas.supplier, "en")
    assert client.get("/demand/profile/").status_code == 200
    response = client.post("/demand/profile/", {
        "what": "profile", "p-capabilities": "政务云运维", "p-tags": "政务云",
        "p-regions_served": "浙江", "p-capacity_wan": "100"})
    assert response.status_code == 400
    assert "regions_served" in response.context["form"].errors
    assert not SupplierProfile.objects.exists()
    response = client.post("/demand/profile/", {
        "what": "profile", "p-capabilities": "政务云运维", "p-tags": "政务云",
        "p-regions_served": "33", "p-capacity_wan": "100"})
    assert response.status_code == 302
    p = SupplierProfile.objects.get()
    response = client.post("/demand/profile/", {
        "what": "qualification", "q-kind": "iso27001", "q-expires_on": "2029-12-31"})
    assert response.status_code == 302 and p.qualifications.count() == 1
    page = text(client_as(personas.dept).get(f"/demand/suppliers/{p.pk}/"))
    assert "ISO/IEC 27001" in page


def test_a_supplier_does_not_read_the_demand_list(personas):
    need = submitted(personas.dept)
    client = client_as(personas.supplier)
    for url in (NEEDS, f"{NEEDS}{need.pk}/", f"{NEEDS}{need.pk}/matching/", "/demand/cycle/"):
        assert client.get(url).status_code == 403, url


def test_the_response_cycle_page(personas):
    from cityops.procurement.tests.matrix import signed

    signed(personas)
    response = client_as(personas.admin).get("/demand/cycle/")
    assert response.status_code == 200
    assert response.context["summary"]["count"] == 1
    assert personas.health.short_name in text(response)
