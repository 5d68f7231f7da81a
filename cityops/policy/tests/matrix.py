"""The policy app's rows of the permission matrix (cityops/core/tests/test_permission_matrix.py
imports this module): every page of ``policy:`` and every policy API route × every role.

The world: a policy of the health department (bob's) in force, a draft of it, the registry
with the personas' enterprise (erin's) linked to its profile, and a match run."""

from __future__ import annotations

ROLES = ["platform_admin", "department_officer", "finance_officer", "supplier", "auditor",
         "enterprise", "public", "anonymous"]


def expect(default, **per_role):
    return {role: per_role.get(role, default) for role in ROLES}


ALL_200 = expect(200, anonymous=302)
EDIT = expect(403, platform_admin=200, department_officer=200, anonymous=302)
GOVERNMENT = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                    auditor=200, anonymous=302)
REGISTRY = expect(403, platform_admin=200, department_officer=200, auditor=200,
                  anonymous=302)
EXPLAIN = expect(403, platform_admin=200, department_officer=200, auditor=200, enterprise=200,
                 anonymous=302)
ADMIN_ONLY = expect(403, platform_admin=200, anonymous=302)
BUREAU = expect(403, platform_admin=200, auditor=200, anonymous=302)

API_ALL = expect(200, anonymous=403)
API_GOVERNMENT = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                        auditor=200)
API_RESULTS = expect(403, platform_admin=200, department_officer=200, auditor=200,
                     enterprise=200)
API_REGISTRY = expect(403, platform_admin=200, department_officer=200, auditor=200)


def _new_policy(role, personas, world):
    from .support import policy_text

    return {"source": policy_text(f"矩阵〔2026〕{ROLES.index(role) + 10}号", key=f"m-{role}")}


def _check_body(role, personas, world):
    from .support import policy_text

    return {"source": policy_text()}


MATRIX = {
    # -- pages: the library is open to every role; drafts only to their department (and
    # the admin, finance, auditors); the rest by role, rows scoped
    "policy:policy-list": ("get", "/policy/", None, ALL_200),
    "policy:policy-create": ("get", "/policy/new/", None, EDIT),
    "policy:policy-detail": ("get", "/policy/{policy_in_force}/", None, ALL_200),
    "policy:policy-edit": ("get", "/policy/{policy_draft}/edit/", None, EDIT),
    "policy:policy-review": ("get", "/policy/{policy_draft}/review/", None, GOVERNMENT),
    # The admin repeals the draft first; the department's try finds it repealed (a message
    # and back to the policy): both redirect.
    "policy:policy-status": ("post", "/policy/{policy_draft}/status/", {"status": "repealed"},
                             expect(403, platform_admin=302, department_officer=302,
                                    anonymous=302)),
    "policy:policy-version": ("get", "/policy/{policy_in_force}/versions/1/", None,
                              GOVERNMENT),
    "policy:condition-row": ("get", "/policy/builder/row/?attr=employees", None, EDIT),
    "policy:condition-yaml": ("post", "/policy/builder/yaml/",
                              {"attr": "employees", "op": ">=", "value": "10"}, EDIT),
    "policy:my-policies": ("get", "/policy/mine/", None,
                           expect(403, enterprise=200, anonymous=302)),
    # erin's profile: another enterprise would get 404 (test_views)
    "policy:explain": ("get", "/policy/explain/{policy_in_force}/{policy_erin}/", None,
                       EXPLAIN),
    "policy:enterprise-list": ("get", "/policy/registry/", None, REGISTRY),
    "policy:enterprise-import": ("get", "/policy/registry/import/", None, ADMIN_ONLY),
    "policy:enterprise-detail": ("get", "/policy/registry/{policy_erin}/", None, EXPLAIN),
    "policy:run-list": ("get", "/policy/runs/", None, REGISTRY),
    "policy:run-start": ("post", "/policy/runs/start/", None,
                         expect(403, platform_admin=302, anonymous=302)),
    "policy:coverage": ("get", "/policy/coverage/", None, BUREAU),
    "policy:cascade": ("get", "/policy/cascade/", None, GOVERNMENT),
    # -- API
    "policy-list": ("get", "/api/v1/policies/", None, API_ALL),
    "policy-list:post": ("post", "/api/v1/policies/", _new_policy,
                         expect(403, platform_admin=201, department_officer=201)),
    "policy-detail": ("get", "/api/v1/policies/{policy_in_force}/", None, API_ALL),
    "policy-detail:patch": ("patch", "/api/v1/policies/{policy_in_force}/",
                            {"issuing_authority": "杭州市卫生健康委员会"},
                            expect(403, platform_admin=200, department_officer=200)),
    "policy-review": ("get", "/api/v1/policies/{policy_draft}/review/", None, API_GOVERNMENT),
    # the admin puts the draft in force; the department then finds it in force (409)
    "policy-status": ("post", "/api/v1/policies/{policy_draft}/status/",
                      {"status": "in_force"},
                      expect(403, platform_admin=200, department_officer=409)),
    "policy-versions": ("get", "/api/v1/policies/{policy_in_force}/versions/", None,
                        API_GOVERNMENT),
    "enterprise-list": ("get", "/api/v1/enterprises/", None, API_RESULTS),
    "enterprise-detail": ("get", "/api/v1/enterprises/{policy_erin}/", None, API_RESULTS),
    "enterprise-detail:patch": ("patch", "/api/v1/enterprises/{policy_erin}/",
                                {"attributes": {"employees": 81}},
                                expect(403, platform_admin=200)),
    "policy-match-list": ("get", "/api/v1/policy-matches/", None, API_RESULTS),
    "policy-match-detail": ("get", "/api/v1/policy-matches/{policy_match}/", None,
                            API_RESULTS),
    "match-run-list": ("get", "/api/v1/match-runs/", None, API_REGISTRY),
    "match-run-detail": ("get", "/api/v1/match-runs/{policy_run}/", None, API_REGISTRY),
    "api-policy-check": ("post", "/api/v1/policy/check/", _check_body, API_GOVERNMENT),
    "api-policy-match": ("post", "/api/v1/policy/match/", None,
                         expect(403, platform_admin=202)),
    "api-policy-explain": ("get", "/api/v1/policy/explain/?policy={policy_in_force}"
                           "&uscc={policy_erin_uscc}", None, API_RESULTS),
    # no file attached: the admin is told so (400); everyone else may not import
    "api-policy-registry-import": ("post", "/api/v1/policy/registry-import/", None,
                                   expect(403, platform_admin=400)),
}


def world(personas, world) -> dict:
    from cityops.policy import services
    from cityops.policy.models import PolicyMatch

    from .support import load_registry, policy_text, registry_rows

    rows = registry_rows()
    rows[0].update(uscc=personas.enterprise_org.uscc, name=personas.enterprise_org.name)
    erin = load_registry(rows)[personas.enterprise_org.name]
    erin.organisation = personas.enterprise_org
    erin.save(update_fields=["organisation"])
    policy = services.policy_save(by=personas.dept, source=policy_text())
    services.policy_set_status(policy=policy, by=personas.dept, status="in_force")
    draft = services.policy_save(by=personas.dept, source=policy_text(
        "杭卫规〔2026〕2号", conditions=['{attr: high_tech, op: is_true}']))
    run = services.match_run(by=personas.admin)
    return {
        "policy_in_force": policy.pk,
        "policy_draft": draft.pk,
        "policy_erin": erin.pk,
        "policy_erin_uscc": erin.uscc,
        "policy_match": PolicyMatch.objects.get(enterprise=erin, policy=policy).pk,
        "policy_run": run.pk,
    }
