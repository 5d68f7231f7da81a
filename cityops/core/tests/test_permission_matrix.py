"""Every URL and API endpoint × every role: allowed or refused, written out by hand.

The matrix is the specification; `test_every_url_is_in_the_matrix` makes a new URL fail until
someone decides who may use it.
"""

import importlib

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
PORTFOLIO_READ = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                        auditor=200, anonymous=302)
PORTFOLIO_EDIT = expect(403, platform_admin=200, department_officer=200, anonymous=302)
PORTFOLIO_OWN = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                       auditor=200, anonymous=302)
COMPANY_READ = expect(403, platform_admin=200, finance_officer=200, auditor=200, anonymous=302)
API_PORTFOLIO_READ = expect(403, platform_admin=200, department_officer=200,
                            finance_officer=200, auditor=200)
API_PORTFOLIO_OWN = API_PORTFOLIO_READ

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
    # Everyone with a login reads (and marks read) their own notifications only.
    "core:notification-list": ("get", "/notifications/", None, ALL_200),
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
    # -- portfolio: admin, auditors and finance read all projects; departments their own;
    # suppliers, enterprises and the public none. The project below is the health department's.
    "portfolio:project-list": ("get", "/portfolio/", None, PORTFOLIO_READ),
    "portfolio:project-export": ("get", "/portfolio/export.xlsx", None, PORTFOLIO_READ),
    "portfolio:project-import": ("get", "/portfolio/import/", None, PORTFOLIO_EDIT),
    "portfolio:project-create": ("get", "/portfolio/new/", None, PORTFOLIO_EDIT),
    "portfolio:project-detail": ("get", "/portfolio/{project}/", None, PORTFOLIO_OWN),
    "portfolio:project-edit": ("get", "/portfolio/{project}/edit/", None,
                               expect(403, platform_admin=200, department_officer=200,
                                      anonymous=302)),
    "portfolio:advisor": ("get", "/portfolio/advisor/", None, PORTFOLIO_READ),
    "portfolio:fiscal": ("get", "/portfolio/fiscal/", None, PORTFOLIO_READ),
    "portfolio:fiscal-budget": ("post", "/portfolio/fiscal/budget/",
                                {"year": 2030, "expenditure_wan": "30000000"},
                                expect(403, platform_admin=302, finance_officer=302,
                                       anonymous=302)),
    "portfolio:company-list": ("get", "/portfolio/companies/", None, COMPANY_READ),
    "portfolio:company-detail": ("get", "/portfolio/companies/{company}/", None, COMPANY_READ),
    "project-list": ("get", "/api/v1/projects/", None, API_PORTFOLIO_READ),
    "project-list:post": ("post", "/api/v1/projects/", "new_project",
                          expect(403, platform_admin=201, department_officer=201)),
    "project-detail": ("get", "/api/v1/projects/{project}/", None, API_PORTFOLIO_OWN),
    "project-detail:patch": ("patch", "/api/v1/projects/{project}/", {"name": "改名项目"},
                             expect(403, platform_admin=200, department_officer=200)),
    "project-compliance": ("get", "/api/v1/projects/{project}/compliance/", None,
                           API_PORTFOLIO_OWN),
    "company-list": ("get", "/api/v1/companies/", None,
                     expect(403, platform_admin=200, finance_officer=200, auditor=200)),
    "company-detail": ("get", "/api/v1/companies/{company}/", None,
                       expect(403, platform_admin=200, finance_officer=200, auditor=200)),
    "api-advisor": ("post", "/api/v1/advisor/", "advisor_input",
                    expect(403, platform_admin=200, department_officer=200,
                           finance_officer=200, auditor=200)),
    "api-fiscal": ("get", "/api/v1/fiscal/", None,
                   expect(403, platform_admin=200, department_officer=200,
                          finance_officer=200, auditor=200)),
}


# Each module's own rows live beside its tests (cityops/<app>/tests/matrix.py): a ``MATRIX``
# dict like the one above (a body may be a callable ``body(role, personas, world) -> dict``)
# and ``world(personas, world) -> dict`` creating the objects its paths name.
APP_MATRICES = ("demand", "procurement", "performance", "policy")
_WORLD_BUILDERS = []
for _app in APP_MATRICES:
    try:
        _module = importlib.import_module(f"cityops.{_app}.tests.matrix")
    except ModuleNotFoundError as _exc:
        if _exc.name in (f"cityops.{_app}.tests", f"cityops.{_app}.tests.matrix"):
            continue  # no rows yet: test_every_url_is_in_the_matrix names the missing URLs
        raise
    _clash = set(_module.MATRIX) & set(MATRIX)
    assert not _clash, f"{_app} redefines matrix rows {_clash}"
    MATRIX.update(_module.MATRIX)
    _WORLD_BUILDERS.append(_module.world)


@pytest.fixture
def world(personas, django_capture_on_commit_callbacks, tmp_path, settings):
    settings.EXPORTS_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(kind="audit.export", by=personas.auditor)
    job.refresh_from_db()
    assert job.status == "succeeded", job.message
    from cityops.portfolio import services as portfolio

    project = portfolio.project_create(by=personas.dept, **project_fields(personas.health))
    company = portfolio.company_save(
        by=personas.admin, kind="joint", name="矩阵联合公司", region_code="330100",
        registered_capital_wan="1000",
        shareholders=[{"party_name": "甲", "party_kind": "soe", "amount_wan": "600",
                       "share": "0.6"},
                      {"party_name": "乙", "party_kind": "private", "amount_wan": "400",
                       "share": "0.4"}])
    result = {
        "project": project.pk,
        "company": company.pk,
        "bureau": personas.bureau.pk,
        "admin_user": personas.admin.pk,
        "seq": AuditEntry.objects.order_by("seq").first().seq,
        "job": job.pk,
    }
    for build in _WORLD_BUILDERS:
        result.update(build(personas, result))
    return result


ADVISOR_INPUT = {"investment_wan": 5000, "construction_share": 0.3, "demand_stability": 0.6,
                 "public_good": 0.8, "user_payment_share": 0.1, "security_sensitivity": 0.5,
                 "local_soe_capacity": 0.5, "supplier_market_maturity": 0.7,
                 "fiscal_room": 0.5, "operation_horizon_years": 3}


def project_fields(department):
    import datetime as dt

    return {"code": "M-001", "name": "矩阵测试项目", "department": department,
            "region_code": "330100", "operation_model": "purchase",
            "operation_objects": "system", "investment_subject": "government_enterprise",
            "return_mechanism": "government_pay", "start_date": dt.date(2026, 1, 1),
            "end_date": dt.date(2026, 12, 31), "total_investment_wan": "300",
            "contract_term_years": "1"}


def _request(client, method, path, body):
    if method == "get":
        return client.get(path)
    if path.startswith("/api/"):
        import json

        return getattr(client, method)(path, json.dumps(body or {}, default=str),
                                       content_type="application/json")
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
        if body == "new_project":
            payload = {**project_fields(personas.health), "code": f"M-{role}",
                       "department": personas.health.pk, "operation_objects": ["system"]}
            if role == "platform_admin":
                payload["department"] = personas.transport.pk
        elif body == "advisor_input":
            payload = ADVISOR_INPUT
        elif body == "new_org":
            import random

            from cityops.core import codes

            payload = {"kind": "supplier", "name": f"矩阵测试{role}有限公司",
                       "uscc": codes.uscc_generate(random.Random(role)), "region_code": "330106"}
        elif callable(body):
            payload = body(role, personas, world)
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
    covered = {name.removesuffix(":post").removesuffix(":patch") for name in MATRIX}
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
