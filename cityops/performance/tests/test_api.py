"""The performance API as a supplier's program uses it: a token from /api/v1/auth/token/, a
push for its own contract (201), for another supplier's (403, saying so), for a closed month
(400 naming the field); bad JSON and unknown fields refused; each supplier reads only its own
measurements, assessments and payments; finance approves."""

import json

import pytest

from cityops.core.models import AuditEntry
from conftest import PASSWORD

from .support import (
    AT_FLOOR,
    AT_TARGET,
    LAST_MONTH,
    api_as,
    assert_chinese,
    assert_english,
    assessed_month,
    counts,
    make_contract,
    month,
    token_client,
)

MEASUREMENTS = "/api/v1/measurements/"
ASSESSMENTS = "/api/v1/assessments/"
PAYMENTS = "/api/v1/period-payments/"


@pytest.fixture
def contract(personas):
    return make_contract(personas.health, personas.supplier_org)


@pytest.fixture
def rival(personas):
    """Sue's contract with the transport department."""
    return make_contract(personas.transport, personas.supplier2_org)


def token_of(client, user) -> str:
    response = client.post("/api/v1/auth/token/", {"username": user.username,
                                                   "password": PASSWORD})
    assert response.status_code == 200, response.content
    return response.json()["token"]


def push(client, target, **overrides):
    body = {"contract": target.code, "kpi": "availability", "period": LAST_MONTH,
            "value": 99.95} | overrides
    return client.post(MEASUREMENTS, json.dumps(body), content_type="application/json")


def test_the_supplier_pushes_a_value_for_its_contract_with_its_token(personas, contract):
    sam = token_client(token_of(api_as(None), personas.supplier))
    response = push(sam, contract, note="来自监控系统")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["contract"], body["kpi_code"], body["period"], body["value"]) == (
        contract.code, "availability", LAST_MONTH, 99.95)
    assert (body["source"], body["submitted_by"], body["note"]) == ("api", "sam", "来自监控系统")
    assert isinstance(body["flags"], list)
    entry = AuditEntry.objects.filter(object_type="performance.measurement").get()
    assert entry.actor_username == "sam"  # the token's user, resolved inside the view


@pytest.mark.parametrize("code", ["RIVAL", "HT-1999-0001"])
def test_a_token_for_another_suppliers_contract_gets_403_saying_so(personas, contract, rival,
                                                                   code):
    code = rival.code if code == "RIVAL" else code
    sam = token_client(token_of(api_as(None), personas.supplier), "en")
    before = counts()
    response = push(sam, contract, contract=code)
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert code in detail and "not one of your contracts" in detail
    assert_english(detail)
    assert counts() == before


def test_a_value_for_a_closed_month_gets_400_naming_the_period(personas, contract):
    assessed_month(contract, personas.supplier, personas.dept, month(1))
    before = counts()
    response = push(api_as(personas.supplier), contract, period=month(1), value=50)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["period"]
    assert month(1) in errors["period"][0]
    english = push(token_client(token_of(api_as(None), personas.supplier), "en"), contract,
                   period=month(1), value=50)
    assert "closed" in english.json()["errors"]["period"][0]
    assert counts() == before


@pytest.mark.parametrize("body, field", [
    ({"temperature": 21}, "temperature"),          # unknown field: refused, not ignored
    ({"value": "high"}, "value"),
    ({"value": None}, "value"),
    ({"kpi": "uptime"}, "kpi"),
    ({"period": "2026/03"}, "period"),
    ({"period": "PREVIOUS"}, "period"),            # before the contract began
])
def test_a_bad_push_names_its_field_and_writes_nothing(personas, contract, body, field):
    body = {k: month(-1) if v == "PREVIOUS" else v for k, v in body.items()}
    before = counts()
    response = push(api_as(personas.supplier), contract, **body)
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert counts() == before


def test_errors_are_chinese_by_default_and_english_when_asked(personas, contract):
    token = token_of(api_as(None), personas.supplier)
    zh = push(token_client(token), contract, period="2026/03").json()["errors"]["period"][0]
    en = push(token_client(token, "en"), contract, period="2026/03").json()["errors"]["period"][0]
    assert_chinese(zh)
    assert_english(en)


def test_bad_json_gets_400(personas, contract):
    before = counts()
    response = api_as(personas.supplier).post(MEASUREMENTS, '{"contract": "HT-',
                                              content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]
    assert counts() == before


def test_without_a_token_nothing_is_pushed(personas, contract):
    response = push(token_client("0" * 40), contract)
    assert response.status_code in (401, 403)
    assert push(api_as(None), contract).status_code in (401, 403)
    assert counts()["measurements"] == 0


def test_a_supplier_reads_only_its_own_values_scores_and_payments(personas, contract, rival):
    mine = assessed_month(contract, personas.supplier, personas.dept, month(1))
    theirs = assessed_month(rival, personas.supplier2, personas.dept2, month(1),
                            values=AT_FLOOR)
    sam = api_as(personas.supplier)
    for url in (ASSESSMENTS, PAYMENTS):
        assert {r["contract"] for r in sam.get(url).json()["results"]} == {contract.code}
    assert {r["contract"] for r in sam.get(MEASUREMENTS).json()["results"]} == {contract.code}
    assert sam.get(f"{ASSESSMENTS}{theirs.pk}/").status_code == 404
    assert sam.get(f"{PAYMENTS}{theirs.payment.pk}/").status_code == 404
    assert sam.get(f"{MEASUREMENTS}?contract={rival.code}").json()["results"] == []
    detail = sam.get(f"{ASSESSMENTS}{mine.pk}/").json()
    assert detail["sei"] == "100.00" and len(detail["detail"]["kpis"]) == len(AT_TARGET)
    payment = sam.get(f"{PAYMENTS}{mine.payment.pk}/").json()
    assert (payment["payable_wan"], payment["status"]) == ("10.00", "computed")
    # finance and the auditor read both
    for reader in (personas.finance, personas.auditor):
        codes = {r["contract"] for r in api_as(reader).get(PAYMENTS).json()["results"]}
        assert codes == {contract.code, rival.code}


def test_finance_approves_a_payment_through_the_api(personas, contract):
    a = assessed_month(contract, personas.supplier, personas.dept, month(1), values=AT_FLOOR)
    url = f"{PAYMENTS}{a.payment.pk}/approve/"
    assert api_as(personas.supplier).post(url).status_code == 403
    assert api_as(personas.dept).post(url).status_code == 403
    response = api_as(personas.finance).post(url)
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["payable_wan"]) == ("approved", "6.00")
    again = api_as(personas.finance).post(url)
    assert again.status_code == 409
    assert AuditEntry.objects.filter(object_type="performance.periodpayment", action="update",
                                     actor_username="fiona").count() == 1


def test_the_department_may_push_for_its_own_contract_only(personas, contract, rival):
    assert push(api_as(personas.dept), contract).json()["source"] == "manual"
    assert push(api_as(personas.dept), rival).status_code == 403
    assert push(api_as(personas.finance), contract).status_code == 403
