"""The procurement API as a client program sees it: a supplier reads only its own bid and
score (lists, details, per procurement), bids sealed from the buyer until bidding closes, bad
input answering 400 with the field named (Chinese by default, English on request) and nothing
half-written, 409 for a step the state refuses, and the public OCDS endpoints."""

from __future__ import annotations

import json
import re

import pytest
from rest_framework.test import APIClient

from cityops.procurement.domain.ocds_validate import (
    validate_record_package,
    validate_release_package,
)
from cityops.procurement.models import Bid, Contract, Milestone, Procurement

from .matrix import (
    ago,
    ahead,
    awarded,
    contract_fields,
    evaluating,
    milestones_for,
    past_deadline,
    planned,
    signed,
    tendering,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def api_as(user, language: str | None = None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    if language:
        client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    return client


def post(client, url, body=None):
    return client.post(url, json.loads(json.dumps(body or {}, default=str)), format="json")


def test_a_supplier_reads_only_its_own_bids_and_scores(personas):
    p = evaluating(personas, {personas.supplier: "231.17", personas.supplier2: "268.93"})
    sam, sue = api_as(personas.supplier), api_as(personas.supplier2)
    mine = Bid.objects.get(procurement=p, supplier=personas.supplier_org)
    theirs = Bid.objects.get(procurement=p, supplier=personas.supplier2_org)
    for listing in (sam.get("/api/v1/bids/").json()["results"],
                    sam.get(f"/api/v1/procurements/{p.pk}/bids/").json()):
        assert [b["id"] for b in listing] == [mine.pk]
    assert sam.get(f"/api/v1/bids/{theirs.pk}/").status_code == 404
    assert sam.get(f"/api/v1/bids/?procurement={p.pk}").json()["count"] == 1
    text = json.dumps(sam.get(f"/api/v1/procurements/{p.pk}/").json())
    assert "268.93" not in text
    assert [b["id"] for b in sue.get("/api/v1/bids/").json()["results"]] == [theirs.pk]
    # Scores too: after evaluation each supplier reads its own score, never the other's.
    from cityops.procurement import services

    services.procurement_evaluate(procurement=p, by=personas.dept)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    body = sam.get(f"/api/v1/bids/{mine.pk}/").json()
    assert body["score"] == str(mine.score) and body["rank"] == mine.rank
    assert str(theirs.score) not in json.dumps(sam.get("/api/v1/bids/").json())
    # The buyer and the auditors see both.
    for user in (personas.dept, personas.auditor, personas.admin):
        assert api_as(user).get(f"/api/v1/procurements/{p.pk}/bids/").json().__len__() == 2


def test_bids_are_sealed_until_bidding_closes(personas):
    from cityops.procurement import services

    p = past_deadline(personas)
    for user in (personas.dept, personas.admin, personas.auditor, personas.finance):
        assert api_as(user).get(f"/api/v1/procurements/{p.pk}/bids/").json() == []
        assert api_as(user).get("/api/v1/bids/").json()["count"] == 0
    services.bidding_close(procurement=p, by=personas.dept)
    assert len(api_as(personas.dept).get(f"/api/v1/procurements/{p.pk}/bids/").json()) == 2
    assert api_as(personas.dept2).get("/api/v1/bids/").json()["count"] == 0  # not its purchase


@pytest.mark.parametrize(("language", "check"), [
    (None, lambda m: CJK.search(m)), ("en", lambda m: "greater than or equal" in m)])
def test_a_negative_price_answers_400_naming_the_price(personas, language, check):
    p = tendering(personas)
    response = post(api_as(personas.supplier, language), f"/api/v1/procurements/{p.pk}/bids/",
                    {"price_wan": "-10"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["price_wan"] and check(errors["price_wan"][0]), errors
    assert not Bid.objects.exists()


def test_a_late_bid_answers_400_naming_the_deadline(personas):
    p = tendering(personas, deadline=ago(hours=1))
    response = post(api_as(personas.supplier, "en"), f"/api/v1/procurements/{p.pk}/bids/",
                    {"price_wan": "200"})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["bid_deadline"]
    assert "has passed" in response.json()["errors"]["bid_deadline"][0]


def test_a_bid_on_a_closed_notice_answers_409(personas):
    p = evaluating(personas)
    response = post(api_as(personas.supplier), f"/api/v1/procurements/{p.pk}/bids/",
                    {"price_wan": "200"})
    assert response.status_code == 409
    assert Bid.objects.filter(procurement=p).count() == 2


def test_steps_out_of_order_answer_409_and_change_nothing(personas):
    p = planned(personas)
    client = api_as(personas.dept)
    for step in ("close-bidding", "award"):
        response = post(client, f"/api/v1/procurements/{p.pk}/{step}/")
        assert response.status_code == 409, step
        assert response.json()["code"] == "transition_refused"
    response = post(client, f"/api/v1/procurements/{p.pk}/publish/",
                    {"bid_deadline": ago(1).isoformat()})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["bid_deadline"]
    p.refresh_from_db()
    assert p.status == "planning"
    assert post(client, f"/api/v1/procurements/{p.pk}/publish/",
                {"bid_deadline": ahead(3).isoformat()}).status_code == 200


def test_a_plan_with_a_need_of_another_department_is_refused(personas):
    from cityops.demand.tests.matrix import approved, other_need_fields

    foreign = approved(personas.dept2, personas.admin, **other_need_fields())
    response = post(api_as(personas.dept), "/api/v1/procurements/", {
        "needs": [foreign.pk], "title": "越权采购", "method": "public_tender",
        "evaluation_method": "lowest_price", "price_weight": "1"})
    assert response.status_code in (400, 403)
    assert not Procurement.objects.exists()


def _contract_body(p, **overrides):
    f = contract_fields(**overrides)
    body = {"procurement": p.pk, **f,
            "milestones": milestones_for(f["start_on"])}
    return body


def test_a_contract_whose_milestones_do_not_sum_to_one_writes_nothing(personas):
    p, _award = awarded(personas)
    body = _contract_body(p)
    body["milestones"] = milestones_for(body["start_on"], ("0.5", "0.4"))
    response = post(api_as(personas.dept, "en"), "/api/v1/contracts/", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["milestones"]
    assert "sum to 0.9" in response.json()["errors"]["milestones"][0]
    assert (Contract.objects.count(), Milestone.objects.count()) == (0, 0)
    response = post(api_as(personas.dept), "/api/v1/contracts/", _contract_body(p))
    assert response.status_code == 201
    assert [m["share"] for m in response.json()["milestones"]] == ["0.3000", "0.7000"]


@pytest.mark.parametrize(("language", "words"), [(None, "四个条件"), ("en", "four conditions")])
def test_a_contract_longer_than_the_rules_allow_answers_400(personas, language, words):
    p, _award = awarded(personas)
    f = contract_fields()
    body = _contract_body(p, end_on=f["end_on"].replace(year=f["end_on"].year + 1))
    response = post(api_as(personas.dept, language), "/api/v1/contracts/", body)
    assert response.status_code == 400
    assert words in response.json()["errors"]["end_on"][0]
    assert not Contract.objects.exists()


def test_a_contract_before_the_standstill_ends_is_refused(personas):
    p, _award = awarded(personas, at=ago(hours=2))
    response = post(api_as(personas.dept), "/api/v1/contracts/", _contract_body(p))
    assert response.status_code == 400
    assert not Contract.objects.exists()


def test_signing_twice_answers_409(personas):
    c = signed(personas)
    response = post(api_as(personas.dept), f"/api/v1/contracts/{c.pk}/sign/")
    assert response.status_code == 409


def test_a_supplier_reads_its_signed_contracts_only(personas):
    c = signed(personas)
    assert [x["id"] for x in api_as(personas.supplier).get("/api/v1/contracts/").json()[
        "results"]] == [c.pk]
    assert api_as(personas.supplier2).get(f"/api/v1/contracts/{c.pk}/").status_code == 404
    assert api_as(personas.dept2).get(f"/api/v1/contracts/{c.pk}/").status_code == 404


def test_ocds_endpoints_are_public_and_valid(personas):
    c = signed(personas, )
    from cityops.procurement import services

    services.contract_amend(contract=c, by=personas.dept, reason="新增接入点",
                            amount_wan=c.amount_wan + 10)
    tendering(personas)
    anonymous = api_as(None)
    package = anonymous.get("/api/v1/ocds/releases/")
    assert package.status_code == 200
    data = package.json()
    assert validate_release_package(data) == []
    ocids = {r["ocid"] for r in data["releases"]}
    assert c.procurement.ocid in ocids
    record = anonymous.get(f"/api/v1/ocds/records/{c.procurement.ocid}/")
    assert record.status_code == 200
    assert validate_record_package(record.json()) == []
    assert anonymous.get("/api/v1/ocds/records/ocds-213czf-CG-1999-9999/").status_code == 404
    assert anonymous.get("/api/v1/ocds/records/nonsense/").status_code == 404
    # The losing price is nowhere in what is published.
    losing = Bid.objects.get(procurement=c.procurement, supplier=personas.supplier2_org)
    winning = Bid.objects.get(procurement=c.procurement, supplier=personas.supplier_org)
    for price, published in ((losing.price_wan, False), (winning.price_wan, True)):
        yuan = str(int(price * 10000))  # OCDS values are in yuan
        assert (yuan in json.dumps(data)) is published
        assert (yuan in json.dumps(record.json())) is published
