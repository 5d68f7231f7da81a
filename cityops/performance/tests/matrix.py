"""The performance rows of the permission matrix (read by cityops/core/tests/
test_permission_matrix.py): every page and API route × every role.

The world: a signed contract of the health department (persona ``dept``'s) with supplier sam
(persona ``supplier``), written with the ORM plus ``contract_kpis_default`` (see support.py);
last month's values pushed by sam and assessed by the department, its payment computed and
not approved; the supplier risk computed once. Finance, auditors and the admin see every
contract; sam sees its own; enterprises and the public see nothing.
"""

from __future__ import annotations

from .support import AT_TARGET, LAST_MONTH, START_MONTH, assessed_month, make_contract
from .support import month as contract_month

ROLES = ["platform_admin", "department_officer", "finance_officer", "supplier", "auditor",
         "enterprise", "public", "anonymous"]


def expect(default, **per_role):
    """As in test_permission_matrix (not imported from it: that module imports this one)."""
    return {role: per_role.get(role, default) for role in ROLES}


READERS = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                 supplier=200, auditor=200, anonymous=302)
OWNERS_POST = expect(403, platform_admin=302, department_officer=302, anonymous=302)
ADMIN_POST = expect(403, platform_admin=302, anonymous=302)
API_READERS = expect(403, platform_admin=200, department_officer=200, finance_officer=200,
                     supplier=200, auditor=200)

# Months of the world's contract: it began six months ago; LAST_MONTH is assessed.
OPEN_MONTH = contract_month(4)  # over, values still open: manual entry and pushes go here
ADMIN_ASSESSES = contract_month(2)
DEPT_ASSESSES = contract_month(3)


def _assess_body(role, personas, world):
    # each role that may assess takes a month of its own: a month is assessed once
    return {"month": ADMIN_ASSESSES if role == "platform_admin" else DEPT_ASSESSES}


def _push_body(role, personas, world):
    return {"contract": world["perf_contract_code"], "kpi": "availability",
            "period": OPEN_MONTH, "value": 99.95}


MATRIX = {
    "performance:contract-list": ("get", "/performance/", None, READERS),
    "performance:contract-detail": ("get", "/performance/contracts/{perf_contract}/", None,
                                    READERS),
    "performance:measurement-enter": (
        "post", "/performance/contracts/{perf_contract}/measure/",
        {"kpi_code": "availability", "period": OPEN_MONTH, "value": "99.95"}, OWNERS_POST),
    "performance:assess": ("post", "/performance/contracts/{perf_contract}/assess/",
                           _assess_body, OWNERS_POST),
    "performance:assessment-detail": ("get", "/performance/assessments/{perf_assessment}/",
                                      None, READERS),
    "performance:upload": ("get", "/performance/upload/", None,
                           expect(403, platform_admin=200, department_officer=200, supplier=200,
                                  anonymous=302)),
    "performance:payment-list": ("get", "/performance/payments/", None,
                                 expect(403, platform_admin=200, finance_officer=200,
                                        auditor=200, anonymous=302)),
    "performance:payment-detail": ("get", "/performance/payments/{perf_payment}/", None,
                                   READERS),
    "performance:payment-approve": ("post", "/performance/payments/{perf_payment}/approve/",
                                    None, expect(403, finance_officer=302, anonymous=302)),
    "performance:risk": ("get", "/performance/risk/", None, READERS),
    "performance:risk-recompute": ("post", "/performance/risk/recompute/", None, ADMIN_POST),
    "performance:supplier-risk": ("get", "/performance/risk/suppliers/{perf_supplier}/", None,
                                  READERS),
    "performance:supplier-standing": (
        "post", "/performance/risk/suppliers/{perf_supplier}/standing/",
        {"credit_rating": "B", "upheld_complaints": "1"}, ADMIN_POST),
    "performance:alert-list": ("get", "/performance/alerts/", None, READERS),
    # -- API: sam pushes for its own contract, the owner department and the admin may too
    "measurement-list": ("get", "/api/v1/measurements/", None, API_READERS),
    "measurement-list:post": ("post", "/api/v1/measurements/", _push_body,
                              expect(403, platform_admin=201, department_officer=201,
                                     supplier=201)),
    "assessment-list": ("get", "/api/v1/assessments/", None, API_READERS),
    "assessment-detail": ("get", "/api/v1/assessments/{perf_assessment}/", None, API_READERS),
    "period-payment-list": ("get", "/api/v1/period-payments/", None, API_READERS),
    "period-payment-detail": ("get", "/api/v1/period-payments/{perf_payment}/", None,
                              API_READERS),
    "period-payment-approve": ("post", "/api/v1/period-payments/{perf_payment}/approve/", None,
                               expect(403, finance_officer=200)),
}


def world(personas, world) -> dict:
    from cityops.performance import services

    assert contract_month(5) == LAST_MONTH and contract_month(0) == START_MONTH
    contract = make_contract(personas.health, personas.supplier_org)
    assessment = assessed_month(contract, personas.supplier, personas.dept, LAST_MONTH,
                                values=AT_TARGET)
    services.risk_recompute()
    return {"perf_contract": contract.pk, "perf_contract_code": contract.code,
            "perf_assessment": assessment.pk, "perf_payment": assessment.payment.pk,
            "perf_supplier": personas.supplier_org.pk}
