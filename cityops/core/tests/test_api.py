"""The REST API under /api/v1/ as a client program sees it: tokens and sessions, pages,
filters, role scoping, writes with their audit entries, and the OpenAPI schema and docs."""

import random
import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from cityops.core import codes, services
from cityops.core.models import AuditEntry, Organisation, User

PASSWORD = "Correct-Horse-42"
ORGS = "/api/v1/organisations/"


def login(client, username: str) -> None:
    """A real login through the login page (django-axes needs the request)."""
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def token_for(username: str, password: str = PASSWORD) -> str:
    response = APIClient().post("/api/v1/auth/token/", {"username": username,
                                                        "password": password})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def new_org_payload(name="杭州新接入科技有限公司", region="330106", seed=7) -> dict:
    return {
        "kind": "supplier",
        "name": name,
        "short_name": "新接入",
        "uscc": codes.uscc_generate(random.Random(seed), region_code=region),
        "region_code": region,
    }


# -- authentication -------------------------------------------------------------------


def test_token_obtained_and_used_with_authorization_header(personas):
    token = token_for("bob")

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/users/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "bob"

    orgs = client.get(ORGS)
    assert orgs.status_code == 200
    assert [o["name"] for o in orgs.json()["results"]] == [personas.health.name]

    # The same token twice: one token per user, not a new one per request.
    assert token_for("bob") == token


def test_token_refused_for_a_wrong_password_and_unknown_token(personas):
    response = APIClient().post("/api/v1/auth/token/", {"username": "bob", "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()
    assert response.json()["errors"]["non_field_errors"]

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert client.get(ORGS).status_code in (401, 403)
    assert APIClient().get(ORGS).status_code in (401, 403)  # no credentials at all


def test_session_login_works_for_the_api(personas):
    client = Client()
    login(client, "otto")
    response = client.get(ORGS)
    assert response.status_code == 200
    assert response.json()["count"] == Organisation.objects.count()


def test_session_writes_need_the_csrf_token(personas):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    csrf = client.cookies["csrftoken"].value
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD,
                                                "csrfmiddlewaretoken": csrf})
    assert response.status_code == 302
    before = Organisation.objects.count()
    response = client.post(ORGS, new_org_payload(), content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert Organisation.objects.count() == before

    # With the token from the cookie, as a browser script would send it, the write succeeds.
    csrf = client.cookies["csrftoken"].value
    response = client.post(ORGS, new_org_payload(), content_type="application/json",
                           HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 201
    assert Organisation.objects.count() == before + 1


# -- pagination and filtering ---------------------------------------------------------


def test_pagination_with_page_size(personas):
    client = api_as(personas.admin)
    total = Organisation.objects.count()
    assert total == 8

    first = client.get(ORGS, {"page_size": 3}).json()
    assert first["count"] == total
    assert len(first["results"]) == 3
    assert first["previous"] is None
    assert "page=2" in first["next"] and "page_size=3" in first["next"]

    names, url = [], ORGS + "?page_size=3"
    while url:
        page = client.get(url).json()
        names += [o["name"] for o in page["results"]]
        url = page["next"]
    assert len(names) == total == len(set(names))
    assert set(names) == set(Organisation.objects.values_list("name", flat=True))

    # Default page size (50) takes all eight at once; a page past the end is a 404.
    everything = client.get(ORGS).json()
    assert len(everything["results"]) == total and everything["next"] is None
    assert client.get(ORGS, {"page": 99}).status_code == 404


def test_filter_by_kind(personas):
    response = api_as(personas.admin).get(ORGS, {"kind": "supplier"})
    assert response.status_code == 200
    names = {o["name"] for o in response.json()["results"]}
    assert names == {personas.supplier_org.name, personas.supplier2_org.name}
    assert all(o["kind"] == "supplier" for o in response.json()["results"])


def test_filter_by_region_prefix(personas):
    ningbo = services.organisation_create(by=None, **new_org_payload(
        name="宁波港口数据有限公司", region="330203"))
    client = api_as(personas.admin)

    hangzhou = client.get(ORGS, {"region": "3301"}).json()
    assert hangzhou["count"] == 8
    assert ningbo.name not in {o["name"] for o in hangzhou["results"]}

    only_ningbo = client.get(ORGS, {"region": "3302"}).json()
    assert [o["name"] for o in only_ningbo["results"]] == [ningbo.name]
    assert only_ningbo["results"][0]["region_name"] == "浙江省宁波市海曙区"

    binjiang = client.get(ORGS, {"region": "330108"}).json()
    assert [o["name"] for o in binjiang["results"]] == [personas.supplier2_org.name]


def test_search_by_name_and_uscc(personas):
    client = api_as(personas.admin)
    by_name = client.get(ORGS, {"search": "卫生健康"}).json()
    assert [o["name"] for o in by_name["results"]] == [personas.health.name]

    by_code = client.get(ORGS, {"search": personas.supplier2_org.uscc}).json()
    assert [o["name"] for o in by_code["results"]] == [personas.supplier2_org.name]

    assert client.get(ORGS, {"search": "不存在的单位"}).json()["count"] == 0


# -- role scoping ---------------------------------------------------------------------


def test_department_officer_lists_only_its_own_organisation(personas):
    client = api_as(personas.dept)
    body = client.get(ORGS).json()
    assert body["count"] == 1
    assert [o["id"] for o in body["results"]] == [personas.health.pk]
    assert client.get(f"{ORGS}{personas.health.pk}/").status_code == 200
    # Another department's record does not exist as far as this officer can tell.
    assert client.get(f"{ORGS}{personas.transport.pk}/").status_code == 404
    # Filters do not widen the scope.
    assert client.get(ORGS, {"kind": "supplier"}).json()["count"] == 0


def test_supplier_lists_only_its_own_company(personas):
    body = api_as(personas.supplier).get(ORGS).json()
    assert [o["name"] for o in body["results"]] == [personas.supplier_org.name]


def test_auditor_lists_all_organisations(personas):
    body = api_as(personas.auditor).get(ORGS).json()
    assert body["count"] == Organisation.objects.count() == 8


def test_public_user_is_refused_the_organisation_list(personas):
    response = api_as(personas.public).get(ORGS)
    assert response.status_code == 403
    assert "results" not in response.json()
    assert response.json()["detail"]


def test_auditor_cannot_create_and_nothing_is_created(personas):
    orgs, entries = Organisation.objects.count(), AuditEntry.objects.count()
    response = api_as(personas.auditor).post(ORGS, new_org_payload(), format="json")
    assert response.status_code == 403
    assert Organisation.objects.count() == orgs
    assert AuditEntry.objects.count() == entries
    assert not Organisation.objects.filter(name=new_org_payload()["name"]).exists()


def test_department_officer_cannot_create(personas):
    orgs = Organisation.objects.count()
    response = api_as(personas.dept).post(ORGS, new_org_payload(), format="json")
    assert response.status_code == 403
    assert Organisation.objects.count() == orgs


# -- writes and their audit entries -----------------------------------------------------


def test_platform_admin_creates_an_organisation_and_it_is_audited(personas):
    # A token client: the audit actor must be resolved from the token, not the session.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for('alice')}")
    payload = new_org_payload()
    response = client.post(ORGS, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == payload["name"] and body["uscc"] == payload["uscc"]
    assert body["region_name"] == "浙江省杭州市西湖区"

    org = Organisation.objects.get(pk=body["id"])
    entry = AuditEntry.objects.get(object_type="core.organisation", object_id=str(org.pk),
                                   action="create")
    assert entry.actor_username == "alice"
    assert entry.actor_role == "platform_admin"
    assert entry.after["uscc"] == payload["uscc"]

    # And the entry is visible through the API's own audit endpoint.
    listed = client.get("/api/v1/audit-entries/", {"object_id": str(org.pk),
                                                   "object_type": "core.organisation"}).json()
    assert [(e["action"], e["actor_username"]) for e in listed["results"]] == [("create", "alice")]


def test_platform_admin_updates_an_organisation_with_patch(personas):
    client = api_as(personas.admin)
    response = client.patch(f"{ORGS}{personas.health.pk}/", {"short_name": "卫健委"},
                            format="json")
    assert response.status_code == 200
    assert response.json()["short_name"] == "卫健委"
    personas.health.refresh_from_db()
    assert personas.health.short_name == "卫健委"
    entry = AuditEntry.objects.filter(object_id=str(personas.health.pk),
                                      object_type="core.organisation").order_by("-seq").first()
    assert entry.action == "update" and entry.actor_username == "alice"
    assert entry.after == {"short_name": "卫健委"}


# -- users and the audit trail ------------------------------------------------------------


@pytest.mark.parametrize("role", ["platform_admin", "department_officer", "finance_officer",
                                  "supplier", "auditor", "enterprise", "public"])
def test_users_me_for_every_role(personas, role):
    user = personas.by_role()[role]
    response = api_as(user).get("/api/v1/users/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == user.username
    assert body["role"] == role
    assert body["organisation"] == user.organisation_id
    assert body["organisation_name"] == (user.organisation.name if user.organisation else None)
    assert "password" not in body


def test_users_me_needs_a_login():
    assert APIClient().get("/api/v1/users/me/").status_code in (401, 403)


def test_user_list_for_auditor_but_not_for_department(personas):
    response = api_as(personas.auditor).get("/api/v1/users/")
    assert response.status_code == 200
    assert response.json()["count"] == User.objects.count() == 9
    assert api_as(personas.dept).get("/api/v1/users/").status_code == 403


def test_audit_entries_for_auditor(personas):
    response = api_as(personas.auditor).get("/api/v1/audit-entries/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == AuditEntry.objects.count() > 0
    seqs = [e["seq"] for e in body["results"]]
    assert seqs == sorted(seqs, reverse=True)  # newest first
    assert all(len(e["hash"]) == 64 for e in body["results"])


def test_audit_entries_refused_to_supplier(personas):
    response = api_as(personas.supplier).get("/api/v1/audit-entries/")
    assert response.status_code == 403
    assert "results" not in response.json()


def test_audit_entries_are_read_only_even_for_the_admin(personas):
    client = api_as(personas.admin)
    seq = AuditEntry.objects.order_by("seq").first().seq
    assert client.delete(f"/api/v1/audit-entries/{seq}/").status_code in (403, 405)
    assert client.patch(f"/api/v1/audit-entries/{seq}/", {"action": "x"},
                        format="json").status_code in (403, 405)
    assert AuditEntry.objects.get(seq=seq).action == "create"


# -- schema and docs ------------------------------------------------------------------------


def test_openapi_schema(db):
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert str(schema["openapi"]).startswith("3")
    assert "/api/v1/organisations/" in schema["paths"]
    assert "/api/v1/auth/token/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/organisations/"]


def test_api_docs_use_locally_served_swagger_assets(db, settings):
    # Static files are served by whitenoise; outside DEBUG it serves collected files only,
    # so let it look in the apps' static directories as runserver would.
    settings.WHITENOISE_USE_FINDERS = True
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    urls = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any(u.endswith(".js") for u in urls) and any(u.endswith(".css") for u in urls)
    for url in urls:
        assert url.startswith("/static/"), f"{url} is not served by the platform"
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert b"".join(asset.streaming_content if asset.streaming else [asset.content])
