"""Logging in and out, changing a password, login throttling, the Django admin, cookies
and CSRF: what a person at the login page and an attacker guessing passwords both see."""

import html
import re

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from cityops.core import audit, services
from cityops.core.models import AuditEntry, Organisation, User
from cityops.core.roles import Role

PASSWORD = "Correct-Horse-42"
NEW_PASSWORD = "Quiet-Lantern-7931"


def login(client, username, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def choose_language(client, language: str) -> None:
    """What a user does with the language switch at the top of every page."""
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302


def logged_in_as(client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id).username if user_id else None


def field_errors(response, field: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(
        rf'<p class="error" data-field="{field}">(.*?)</p>', response.content.decode(), re.S)]


# -- login and logout -------------------------------------------------------------------


def test_login_lands_on_the_dashboard(personas):
    client = Client()
    assert client.get("/").status_code == 302  # not logged in yet
    response = login(client, "bob")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_as(client) == "bob"
    page = client.get("/")
    assert page.status_code == 200
    assert 'data-testid="who"' in page.content.decode()
    assert "Bob" in page.content.decode()


def test_login_follows_next_but_not_to_another_site(personas):
    client = Client()
    response = client.post("/accounts/login/?next=/audit/",
                           {"username": "otto", "password": PASSWORD, "next": "/audit/"})
    assert response["Location"] == "/audit/"
    client = Client()
    response = client.post("/accounts/login/", {"username": "otto", "password": PASSWORD,
                                                "next": "https://evil.example/steal"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_inactive_user_cannot_log_in(personas):
    User.objects.filter(pk=personas.dept.pk).update(is_active=False)
    client = Client()
    response = login(client, "bob")
    assert response.status_code == 200
    assert logged_in_as(client) is None


def test_logout_is_post_only(personas):
    client = Client()
    login(client, "bob")
    # Django 5 refuses GET on the logout view: a link or an <img> cannot log anyone out.
    response = client.get("/accounts/logout/")
    assert response.status_code == 405
    assert logged_in_as(client) == "bob"
    assert client.get("/").status_code == 200

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert logged_in_as(client) is None
    assert client.get("/").status_code == 302


def test_logout_ends_api_session_too(personas):
    client = Client()
    login(client, "otto")
    assert client.get("/api/v1/users/me/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/api/v1/users/me/").status_code in (401, 403)


# -- password change --------------------------------------------------------------------


def change_password(client, old, new1, new2=None, **extra):
    return client.post("/accounts/password/", {"old_password": old, "new_password1": new1,
                                               "new_password2": new2 or new1}, **extra)


def test_password_change_works_and_is_audited_without_the_hash(personas):
    client = Client()
    login(client, "bob")
    last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()

    response = change_password(client, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302
    assert logged_in_as(client) == "bob"  # the session survives its own password change
    assert client.get("/").status_code == 200

    user = User.objects.get(pk=personas.dept.pk)
    assert user.check_password(NEW_PASSWORD) and not user.check_password(PASSWORD)

    new_entries = list(AuditEntry.objects.filter(seq__gt=last_seq).order_by("seq"))
    changes = [e for e in new_entries if e.action == "password_change"]
    assert len(changes) == 1
    entry = changes[0]
    assert entry.actor_username == "bob"
    assert entry.object_type == "core.user" and entry.object_id == str(user.pk)
    for e in new_entries:
        text = audit.canonical_json([e.before, e.after, e.object_repr])
        assert user.password not in text
        assert "password" not in (e.before or {}) and "password" not in (e.after or {})
        assert "md5$" not in text and "pbkdf2" not in text

    # The old password no longer logs in; the new one does.
    assert logged_in_as_after_login("bob", PASSWORD) is None
    assert logged_in_as_after_login("bob", NEW_PASSWORD) == "bob"


def logged_in_as_after_login(username, password):
    client = Client()
    login(client, username, password)
    return logged_in_as(client)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_weak_new_password_is_refused_with_a_message(personas, language):
    client = Client()
    choose_language(client, language)
    login(client, "bob")
    entries = AuditEntry.objects.count()
    response = change_password(client, PASSWORD, "12345678")
    assert response.status_code == 200
    errors = field_errors(response, "new_password2")
    assert errors, "no message next to the new password"
    text = " ".join(errors)
    if language == "en":
        assert "common" in text or "numeric" in text
    else:
        assert re.search(r"[\u4e00-\u9fff]", text)
        assert "numeric" not in text
    assert User.objects.get(pk=personas.dept.pk).check_password(PASSWORD)
    assert AuditEntry.objects.count() == entries


def test_password_change_with_wrong_old_password(personas):
    client = Client()
    login(client, "bob")
    response = change_password(client, "not-my-password", NEW_PASSWORD)
    assert response.status_code == 200
    assert field_errors(response, "old_password")
    assert User.objects.get(pk=personas.dept.pk).check_password(PASSWORD)
    assert not AuditEntry.objects.filter(action="password_change").exists()


def test_password_validators_apply_to_user_create(personas):
    users = User.objects.count()
    with translation.override("en"), pytest.raises(ValidationError) as info:
        services.user_create(by=None, username="weak", password="12345678",
                             role=Role.PUBLIC)
    assert any("common" in m or "numeric" in m for m in info.value.messages)
    # A password like the username is refused too.
    with pytest.raises(ValidationError):
        services.user_create(by=None, username="lanternkeeper", password="lanternkeeper1",
                             role=Role.PUBLIC)
    assert User.objects.count() == users


# -- login throttling (django-axes) -----------------------------------------------------


def test_sixth_attempt_after_five_wrong_passwords_is_locked_out(personas):
    assert django_settings.AXES_FAILURE_LIMIT == 5
    client = Client()
    statuses = [login(client, "bob", f"wrong-{i}").status_code for i in range(5)]
    # The first four show the form again with an error; the fifth already locks.
    assert statuses[:4] == [200] * 4
    assert statuses[4] in (403, 429)

    response = login(client, "bob", PASSWORD)  # the right password, too late
    assert response.status_code in (403, 429)
    assert 'data-testid="locked-out"' in response.content.decode()
    assert logged_in_as(client) is None
    assert client.get("/").status_code == 302

    # Nor can the locked account get an API token with the right password.
    token = APIClient().post("/api/v1/auth/token/", {"username": "bob", "password": PASSWORD})
    assert token.status_code in (400, 403, 429)
    assert "token" not in token.json()


def test_lockout_is_per_account_and_address(personas):
    client = Client()
    for i in range(5):
        login(client, "bob", f"wrong-{i}")
    assert login(client, "bob", PASSWORD).status_code in (403, 429)
    # Another account from the same address is not locked…
    other = Client()
    assert login(other, "otto").status_code == 302
    assert logged_in_as(other) == "otto"
    # …nor the same account from another address.
    elsewhere = Client(REMOTE_ADDR="10.9.8.7")
    assert login(elsewhere, "bob").status_code == 302


def test_lockout_page_in_both_languages(personas):
    client = Client()
    for i in range(5):
        login(client, "bob", f"wrong-{i}")
    zh = login(client, "bob", PASSWORD)
    choose_language(client, "en")
    en = login(client, "bob", PASSWORD)
    assert "Too many failed attempts" in en.content.decode()
    assert "Too many failed attempts" not in zh.content.decode()
    assert re.search(r"<h1>[^<]*[\u4e00-\u9fff][^<]*</h1>", zh.content.decode())


def test_a_successful_login_resets_the_failure_count(personas):
    client = Client()
    for i in range(4):
        login(client, "bob", f"wrong-{i}")
    assert login(client, "bob").status_code == 302
    client.post("/accounts/logout/")
    # Four more wrong passwords do not lock: the count started again.
    for i in range(4):
        assert login(client, "bob", f"again-{i}").status_code == 200
    assert login(client, "bob").status_code == 302


# -- the Django admin -------------------------------------------------------------------


def test_django_admin_for_the_platform_admin(personas):
    client = Client()
    login(client, "alice")
    assert client.get("/admin/").status_code == 200
    page = client.get("/admin/core/organisation/")
    assert page.status_code == 200
    assert personas.health.name in page.content.decode()


@pytest.mark.parametrize("username", ["otto", "bob", "sam", "carl"])
def test_django_admin_refused_to_other_roles(personas, username):
    client = Client()
    login(client, username)
    for url in ("/admin/", "/admin/core/organisation/", "/admin/core/user/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/")
    # Logging in at the admin's own form does not help either.
    response = client.post("/admin/login/", {"username": username, "password": PASSWORD})
    assert client.get("/admin/").status_code in (302, 403)


def test_staff_flag_does_not_open_the_admin(personas):
    User.objects.filter(pk=personas.auditor.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    login(client, "otto")
    assert client.get("/admin/").status_code in (302, 403)


def test_admin_cannot_delete_organisations_or_audit_entries(personas):
    client = Client()
    login(client, "alice")
    pk = personas.health.pk
    response = client.post(f"/admin/core/organisation/{pk}/delete/", {"post": "yes"})
    assert response.status_code in (302, 403)
    assert Organisation.objects.filter(pk=pk).exists()
    seq = AuditEntry.objects.order_by("seq").first().pk
    response = client.post(f"/admin/core/auditentry/{seq}/change/", {"action": "forged"})
    assert response.status_code in (302, 403)
    assert not AuditEntry.objects.filter(action="forged").exists()


# -- cookies and CSRF -------------------------------------------------------------------


def test_session_cookie_is_http_only(personas):
    client = Client()
    response = login(client, "bob")
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert cookie["httponly"]
    assert cookie["samesite"].lower() == "lax"


def test_login_without_csrf_token_is_refused(personas):
    client = Client(enforce_csrf_checks=True)
    response = login(client, "bob")
    assert response.status_code == 403
    assert logged_in_as(client) is None

    # The same login with the token from the form succeeds.
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post("/accounts/login/", {"username": "bob", "password": PASSWORD,
                                                "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert logged_in_as(client) == "bob"


def test_forms_without_csrf_token_are_refused(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.admin)
    organisations = Organisation.objects.count()
    response = client.post("/organisations/new/", {"kind": "supplier", "name": "伪造请求公司",
                                                   "uscc": personas.bureau.uscc,
                                                   "region_code": "330106"})
    assert response.status_code == 403
    assert Organisation.objects.count() == organisations

    response = client.post("/accounts/logout/")
    assert response.status_code == 403
    assert logged_in_as(client) == "alice"  # a forged logout does nothing

    response = client.post("/accounts/password/", {"old_password": PASSWORD,
                                                   "new_password1": NEW_PASSWORD,
                                                   "new_password2": NEW_PASSWORD})
    assert response.status_code == 403
    assert User.objects.get(pk=personas.admin.pk).check_password(PASSWORD)
