"""Every URL and API endpoint × every role: allowed or refused, written out by hand.

The matrix is the specification; `test_every_url_is_in_the_matrix` makes a new URL fail until
someone decides who may use it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from cityops.core import jobs
from cityops.core.models import AuditEntry

ROLES = ["platform_admin", "department_officer", "finance_officer", "supplier", "auditor",
         "enterprise", "public", "anonymous"]


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


ALL_200 = expect(200, anonymous=302)
ADMIN_AUDITOR = expect(403, platform_admin=200, auditor=200, anonymous=302)
API_ADMIN_AUDITOR = expect(403, platform_admin=200, auditor=200)

# name -> (method, path template, body, expected status per role)
MATRIX = {
    "home": ("get", "/", None, ALL_200),
    "healthz": ("get", "/healthz", None, expect(200)),
    "login": ("get", "/accounts/login/", None, expect(302, anonymous=200)),
    "logout": ("post", "/accounts/logout/", None, expect(302, anonymous=302)),
    "password-change": ("get", "/accounts/password/", None, ALL_200),
    "set_language": ("post", "/i18n/setlang/", {"language": "en"}, expect(302)),
    "admin:index": ("get", "/admin/", None, expect(302, platform_admin=200)),
    "api-token": ("post", "/api/v1/auth/token/", {"username": "nobody", "password": "x"},
                  expect(400)),
    "api-schema": ("get", "/api/schema/", None, expect(200)),
    "api-docs": ("get", "/api/docs/", None, expect(200)),
    "api-redoc": ("get", "/api/redoc/", None, expect(200)),
    "core:organisation-list": ("get", "/organisations/", None,
                               expect(200, public=403, anonymous=302)),
    "core:organisation-create": ("get", "/organisations/new/", None,
                                 expect(403, platform_admin=200, anonymous=302)),
    # The data bureau's own record: only the admin (its member) and auditors may see it.
    "core:organisation-detail": ("get", "/organisations/{bureau}/", None,
                                 expect(404, platform_admin=200, auditor=200, public=403,
                                        anonymous=302)),
    "core:organisation-edit": ("get", "/organisations/{bureau}/edit/", None,
                               expect(403, platform_admin=200, anonymous=302)),
    "core:user-list": ("get", "/users/", None, ADMIN_AUDITOR),
    "core:audit-list": ("get", "/audit/", None, ADMIN_AUDITOR),
    "core:audit-detail": ("get", "/audit/{seq}/", None, ADMIN_AUDITOR),
    "core:audit-verify": ("post", "/audit/verify/", None,
                          expect(403, platform_admin=302, auditor=302, anonymous=302)),
    "core:audit-export": ("post", "/audit/export/", None,
                          expect(403, platform_admin=302, auditor=302, anonymous=302)),
    "core:job-list": ("get", "/jobs/", None, ALL_200),
    # A job the auditor started: the auditor and the admin see it, nobody else.
    "core:job-detail": ("get", "/jobs/{job}/", None,
                        expect(404, platform_admin=200, auditor=200, anonymous=302)),
    "core:job-download": ("get", "/jobs/{job}/download/", None,
                          expect(404, platform_admin=200, auditor=200, anonymous=302)),
    "api-root": ("get", "/api/v1/", None, expect(200, anonymous=403)),
    "organisation-list": ("get", "/api/v1/organisations/", None,
                          expect(200, public=403, anonymous=403)),
    "organisation-list:post": ("post", "/api/v1/organisations/", "new_org",
                               expect(403, platform_admin=201)),
    "organisation-detail": ("get", "/api/v1/organisations/{bureau}/", None,
                            expect(404, platform_admin=200, auditor=200, public=403,
                                   anonymous=403)),
    "organisation-detail:patch": ("patch", "/api/v1/organisations/{bureau}/",
                                  {"short_name": "数据局"}, expect(403, platform_admin=200)),
    "user-list": ("get", "/api/v1/users/", None, API_ADMIN_AUDITOR),
    "user-detail": ("get", "/api/v1/users/{admin_user}/", None, API_ADMIN_AUDITOR),
    "user-me": ("get", "/api/v1/users/me/", None, expect(200, anonymous=403)),
    "audit-entry-list": ("get", "/api/v1/audit-entries/", None, API_ADMIN_AUDITOR),
    "audit-entry-detail": ("get", "/api/v1/audit-entries/{seq}/", None, API_ADMIN_AUDITOR),
    "job-list": ("get", "/api/v1/jobs/", None, expect(200, anonymous=403)),
    "job-list:post": ("post", "/api/v1/jobs/", {"kind": "audit.verify"},
                      expect(403, platform_admin=201, auditor=201)),
    "job-detail": ("get", "/api/v1/jobs/{job}/", None,
                   expect(404, platform_admin=200, auditor=200, anonymous=403)),
}


@pytest.fixture
def world(personas, django_capture_on_commit_callbacks, tmp_path, settings):
    settings.EXPORTS_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(kind="audit.export", by=personas.auditor)
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    return {
        "bureau": personas.bureau.pk,
        "admin_user": personas.admin.pk,
        "seq": AuditEntry.objects.order_by("seq").first().seq,
        "job": job.pk,
    }


def _request(client, method, path, body):
    if method == "get":
        return client.get(path)
    if path.startswith("/api/"):
        return getattr(client, method)(path, body or {}, content_type="application/json")
    return getattr(client, method)(path, body or {})


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(name, client, personas, world, django_capture_on_commit_callbacks):
    method, template, body, expected = MATRIX[name]
    path = template.format(**world)
    mismatches = []
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(personas.by_role()[role])
        if body == "new_org":
            import random

            from cityops.core import codes

            payload = {"kind": "supplier", "name": f"矩阵测试{role}有限公司",
                       "uscc": codes.uscc_generate(random.Random(role)), "region_code": "330106"}
        else:
            payload = body
        with django_capture_on_commit_callbacks(execute=True):
            response = _request(client, method, path, payload)
        if response.status_code != expected[role]:
            mismatches.append(f"{role}: expected {expected[role]}, got {response.status_code}")
    assert not mismatches, f"{method.upper()} {path}: " + "; ".join(mismatches)


def _named_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{entry.namespace}:" if entry.namespace else ""
            yield from _named_patterns(entry, prefix + ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, entry


def test_every_url_is_in_the_matrix():
    """A new URL must be added to MATRIX: someone has to decide who may use it."""
    covered = {name.split(":post")[0].split(":patch")[0] for name in MATRIX}
    missing = []
    for name, _pattern in _named_patterns():
        if name.startswith("admin:") and name != "admin:index":
            continue  # Django admin pages sit behind the admin site's own check (admin:index)
        if name == "api-root" or name.endswith("-list") or name.endswith("-detail"):
            pass
        if name not in covered:
            missing.append(name)
    assert not missing, f"URLs with no row in the permission matrix: {sorted(set(missing))}"


def test_every_view_declares_its_roles():
    """A view without a declaration would fail closed; this names it before a user meets it."""
    undeclared = []
    for name, pattern in _named_patterns():
        if name.startswith("admin:") or name == "set_language":
            continue
        callback = pattern.callback
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        roles = getattr(callback, "allowed_roles", None) or getattr(view_class, "allowed_roles", None)
        if not roles:
            undeclared.append(name)
    assert not undeclared, f"views that do not declare their roles: {sorted(set(undeclared))}"
