"""Procurement pages as each role sees them: a supplier sees only its own bid and score, the
buyer sees no bid until bidding closes, the steps with their refusals as messages, the contract
form's errors naming the field and writing nothing, the amendment flag; and an auditor reads
every page and every POST of both apps is refused to it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from cityops.core.models import AuditEntry
from cityops.demand.models import Need
from cityops.procurement.models import Bid, Contract, Milestone, Procurement

from .matrix import (
    ahead,
    awarded,
    contract_fields,
    evaluating,
    past_deadline,
    planned,
    signed,
    tendering,
)


def client_as(user, language: str | None = None) -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_supplier_sees_its_own_bid_and_score_never_anothers(personas):
    p = evaluating(personas, {personas.supplier: "231.17", personas.supplier2: "268.93"})
    Bid.objects.filter(procurement=p)  # both scored by the builder
    from cityops.procurement import services

    services.procurement_evaluate(procurement=p, by=personas.dept)
    sam_page = text(client_as(personas.supplier).get(f"/procurement/{p.pk}/"))
    sue_page = text(client_as(personas.supplier2).get(f"/procurement/{p.pk}/"))
    sam_bid = Bid.objects.get(procurement=p, supplier=personas.supplier_org)
    sue_bid = Bid.objects.get(procurement=p, supplier=personas.supplier2_org)
    assert "231.17" in sam_page and "268.93" not in sam_page
    assert str(sam_bid.score) in sam_page and str(sue_bid.score) not in sam_page
    assert personas.supplier2_org.name not in sam_page
    assert "268.93" in sue_page and "231.17" not in sue_page
    assert 'data-testid="bid-table"' not in sam_page
    # The buyer sees both, ranked, with the derivation.
    buyer_page = text(client_as(personas.dept).get(f"/procurement/{p.pk}/"))
    assert "231.17" in buyer_page and "268.93" in buyer_page


def test_bids_are_sealed_from_the_buyer_until_bidding_closes(personas):
    from cityops.procurement import services

    p = past_deadline(personas, {personas.supplier: "231.17", personas.supplier2: "268.93"})
    for user in (personas.dept, personas.admin, personas.auditor, personas.finance):
        page = text(client_as(user).get(f"/procurement/{p.pk}/"))
        assert 'data-testid="sealed"' in page
        assert "231.17" not in page and "268.93" not in page
    services.bidding_close(procurement=p, by=personas.dept)
    page = text(client_as(personas.dept).get(f"/procurement/{p.pk}/"))
    assert "231.17" in page and "268.93" in page


def test_a_supplier_does_not_see_a_plan(personas):
    p = planned(personas)
    assert client_as(personas.supplier).get(f"/procurement/{p.pk}/").status_code == 404
    listing = text(client_as(personas.supplier).get("/procurement/"))
    assert p.code not in listing


def test_a_supplier_bids_in_the_page_and_a_bad_price_is_named(personas):
    p = tendering(personas)
    client = client_as(personas.supplier, "en")
    page = text(client.get(f"/procurement/{p.pk}/"))
    assert 'data-testid="bid-form"' in page
    response = client.post(f"/procurement/{p.pk}/bid/", {"price_wan": "-3"}, follow=True)
    assert messages_of(response) == ["price (10k yuan): The price must be greater than zero."]
    assert not Bid.objects.exists()
    response = client.post(f"/procurement/{p.pk}/bid/", {"price_wan": "abc"}, follow=True)
    assert messages_of(response) == ["price (10k yuan): Enter a number."]
    client.post(f"/procurement/{p.pk}/bid/", {"price_wan": "245.5", "proposal": "方案"})
    assert Bid.objects.get().price_wan == Decimal("245.5")


def test_a_late_bid_in_the_page_is_refused_with_the_deadline(personas):
    from .matrix import ago

    p = tendering(personas, deadline=ago(hours=1))
    client = client_as(personas.supplier, "en")
    assert 'data-testid="bid-form"' not in text(client.get(f"/procurement/{p.pk}/"))
    response = client.post(f"/procurement/{p.pk}/bid/", {"price_wan": "245"}, follow=True)
    assert any("deadline" in m and "has passed" in m for m in messages_of(response))
    assert not Bid.objects.exists()


def test_the_buyer_runs_the_steps_from_the_page(personas):
    p = planned(personas)
    client = client_as(personas.dept, "en")
    page = text(client.get(f"/procurement/{p.pk}/"))
    assert 'data-action="publish"' in page and 'data-action="award"' not in page
    response = client.post(f"/procurement/{p.pk}/do/publish/", {"bid_deadline": "yesterday"},
                           follow=True)
    assert messages_of(response) == ["bid deadline: Enter a valid date/time."]
    client.post(f"/procurement/{p.pk}/do/publish/",
                {"bid_deadline": ahead(5).strftime("%Y-%m-%d %H:%M"), "notice": "欢迎"})
    p.refresh_from_db()
    assert p.status == "tendering"
    # Closing before the deadline is refused with a message naming it.
    response = client.post(f"/procurement/{p.pk}/do/close/", follow=True)
    assert any("deadline" in m for m in messages_of(response))
    p.refresh_from_db()
    assert p.status == "tendering"
    response = client.post(f"/procurement/{p.pk}/do/nonsense/", follow=True)
    assert response.status_code == 200 and messages_of(response)


def test_scoring_awarding_and_drafting_the_contract_in_the_page(personas):
    p = past_deadline(personas)
    client = client_as(personas.dept, "en")
    from cityops.procurement import services

    services.bidding_close(procurement=p, by=personas.dept)
    for b in Bid.objects.filter(procurement=p):
        response = client.post(f"/procurement/bids/{b.pk}/score/", {"c1": "x", "c2": "80"},
                               follow=True)
        assert any("0 to 100" in m for m in messages_of(response))
        client.post(f"/procurement/bids/{b.pk}/score/", {"c1": "80", "c2": "75"})
    assert all(b.technical_scores == {"c1": 80.0, "c2": 75.0}
               for b in Bid.objects.filter(procurement=p))
    client.post(f"/procurement/{p.pk}/do/award/")
    p.refresh_from_db()
    assert p.status == "awarded"
    page = text(client.get(f"/procurement/{p.pk}/"))
    assert 'data-testid="contract-form"' not in page  # standstill still running


def _contract_post(**overrides):
    data = {k: str(v) for k, v in contract_fields(**overrides).items()
            if not isinstance(v, bool)}
    data["title"] = "政务云平台购买服务合同"
    data["renewals_max"] = "0"
    return data


def test_a_contract_too_long_is_refused_naming_the_end_and_nothing_is_written(personas):
    p, _award = awarded(personas)
    client = client_as(personas.dept, "en")
    assert 'data-testid="contract-form"' in text(client.get(f"/procurement/{p.pk}/"))
    f = contract_fields()
    before = (Contract.objects.count(), Milestone.objects.count(), AuditEntry.objects.count())
    response = client.post(f"/procurement/{p.pk}/do/contract/", _contract_post(
        end_on=f["end_on"].replace(year=f["end_on"].year + 1)), follow=True)
    assert any("four conditions" in m for m in messages_of(response)), messages_of(response)
    assert (Contract.objects.count(), Milestone.objects.count(),
            AuditEntry.objects.count()) == before
    response = client.post(f"/procurement/{p.pk}/do/contract/", _contract_post(), follow=True)
    c = Contract.objects.get()
    assert response.redirect_chain[-1][0] == f"/procurement/contracts/{c.pk}/"
    client.post(f"/procurement/contracts/{c.pk}/do/sign/")
    c.refresh_from_db()
    assert c.status == "active"
    assert Need.objects.get().status == "fulfilled"


def test_the_contract_page_shows_a_flagged_amendment(personas):
    c = signed(personas)
    client = client_as(personas.dept, "en")
    response = client.post(f"/procurement/contracts/{c.pk}/do/amend/",
                           {"reason": "新增两个区县", "amount_wan": "290"}, follow=True)
    page = text(response)
    assert 'data-testid="amendment-flag"' in page and "16%" in page
    response = client.post(f"/procurement/contracts/{c.pk}/do/amend/",
                           {"amount_wan": "300"}, follow=True)
    assert messages_of(response) == ["reason: This field is required."]
    assert c.amendments.count() == 1


def test_the_supplier_sees_its_signed_contract_not_a_draft(personas):
    from cityops.procurement import services

    from .matrix import drafted

    c = drafted(personas)
    assert client_as(personas.supplier).get(f"/procurement/contracts/{c.pk}/").status_code == 404
    services.contract_sign(contract=c, by=personas.dept)
    page = text(client_as(personas.supplier).get(f"/procurement/contracts/{c.pk}/"))
    assert c.code in page and 'data-testid="contract-actions"' not in page
    assert client_as(personas.supplier2).get(f"/procurement/contracts/{c.pk}/").status_code == 404


@pytest.mark.parametrize("role", ["enterprise", "public"])
def test_enterprises_and_the_public_see_none_of_it(personas, role):
    c = signed(personas)
    client = client_as(getattr(personas, role))
    for url in ("/procurement/", f"/procurement/{c.procurement_id}/", "/procurement/contracts/",
                f"/procurement/contracts/{c.pk}/", "/demand/needs/", "/demand/suppliers/"):
        assert client.get(url).status_code == 403, url


# -- the auditor -----------------------------------------------------------------------------------


def _world(personas):
    from cityops.demand.tests import matrix as demand_matrix

    from . import matrix as procurement_matrix

    world: dict = {}
    world.update(demand_matrix.world(personas, world))
    world.update(procurement_matrix.world(personas, world))
    return world


def _state():
    return {"audit": AuditEntry.objects.count(),
            "needs": sorted(Need.objects.values_list("pk", "status", "updated_at")),
            "procurements": sorted(Procurement.objects.values_list("pk", "status")),
            "bids": sorted(Bid.objects.values_list("pk", "price_wan", "score")),
            "contracts": sorted(Contract.objects.values_list("pk", "status", "amount_wan"))}


FORMS = {"demand:need-create", "demand:need-edit", "demand:need-edit:foreign", "demand:my-profile",
         "procurement:plan", "procurement:edit"}


def test_an_auditor_reads_every_page_and_every_write_is_refused(personas):
    from cityops.demand.tests.matrix import MATRIX as DEMAND
    from cityops.procurement.tests.matrix import MATRIX as PROCUREMENT

    world = _world(personas)
    client = client_as(personas.auditor)
    before = _state()
    writes = reads = 0
    for name, (method, template, body, _expected) in {**DEMAND, **PROCUREMENT}.items():
        path = template.format(**world)
        if method == "get":
            if name.startswith(("api-ocds",)):
                continue
            status = client.get(path).status_code
            if name in FORMS:
                assert status == 403, (name, status)  # a form to write with
            else:
                assert status in (200, 404), (name, status)  # 404: drafts, sealed bids
            reads += 1
            continue
        payload = body(personas.auditor.role, personas, world) if callable(body) else body
        if path.startswith("/api/"):
            response = getattr(client, method)(path, json.dumps(payload or {}, default=str),
                                               content_type="application/json")
        else:
            response = getattr(client, method)(path, payload or {})
        assert response.status_code == 403, (name, response.status_code)
        writes += 1
    assert writes >= 25 and reads >= 30
    assert _state() == before


def test_milestones_payments_renewal_and_completion_from_the_contract_page(personas):
    from .matrix import FOUR_CONDITIONS

    c = signed(personas, renewals_max=1, **FOUR_CONDITIONS)
    officer, finance = client_as(personas.dept, "en"), client_as(personas.finance, "en")
    m = c.milestones.order_by("due_on").first()
    pay = m.payments.get()
    # Finance cannot pay before the milestone is accepted: told which milestone.
    response = finance.post(f"/procurement/payments/{pay.pk}/pay/", follow=True)
    assert any(m.title in msg for msg in messages_of(response)), messages_of(response)
    page = text(officer.get(f"/procurement/contracts/{c.pk}/"))
    assert 'data-action="accept"' in page and 'data-action="pay"' not in page
    officer.post(f"/procurement/milestones/{m.pk}/accept/")
    assert 'data-action="pay"' in text(finance.get(f"/procurement/contracts/{c.pk}/"))
    finance.post(f"/procurement/payments/{pay.pk}/pay/")
    pay.refresh_from_db()
    assert pay.status == "paid"
    # The department cannot mark a payment paid.
    other = c.payments.exclude(pk=pay.pk).get()
    assert officer.post(f"/procurement/payments/{other.pk}/pay/").status_code == 403
    response = officer.post(f"/procurement/contracts/{c.pk}/do/renew/", follow=True)
    renewal = Contract.objects.get(renewal_of=c)
    assert response.redirect_chain[-1][0] == f"/procurement/contracts/{renewal.pk}/"
    assert renewal.status == "draft" and renewal.start_on == c.end_on + dt.timedelta(days=1)
    officer.post(f"/procurement/contracts/{c.pk}/do/complete/")
    c.refresh_from_db()
    assert c.status == "completed"
    response = officer.post(f"/procurement/contracts/{c.pk}/do/sign/", follow=True)
    assert messages_of(response) and c.status == "completed"


def test_the_buyer_edits_a_plan_and_the_rule_check_is_shown(personas):
    p = planned(personas)
    client = client_as(personas.dept, "en")
    response = client.post(f"/procurement/{p.pk}/edit/", {
        "title": "政务云平台购买服务", "category": "services", "method": "single_source",
        "evaluation_method": "lowest_price", "price_weight": "1", "standstill_days": "7",
        "criteria_text": ""})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.method == "single_source"
    page = text(client.get(f"/procurement/{p.pk}/"))
    assert 'data-testid="findings"' in page and "needs one of its conditions" in page
    response = client.post(f"/procurement/{p.pk}/edit/", {
        "title": "x", "category": "services", "method": "public_tender",
        "evaluation_method": "comprehensive", "price_weight": "0.3", "standstill_days": "7",
        "criteria_text": "技术方案 0.7"})
    assert response.status_code == 400
    assert "criteria_text" in response.context["form"].errors
