"""The procurement rules as the services apply them on the database: bids and their deadline,
the method and split checks at publication, single-source follow-ons, award to the first-
ranked bid, standstill and challenges, cancellation, contracts and their terms, amendments,
renewals and reminders. A refused step names the field and writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from cityops.core.models import AuditEntry, Notification
from cityops.core.workflow import TransitionRefused
from cityops.demand.models import Need, NeedEvent
from cityops.demand.tests.matrix import approved, other_need_fields
from cityops.procurement import services
from cityops.procurement.models import (
    Amendment,
    Award,
    Bid,
    Challenge,
    Contract,
    Milestone,
    Payment,
    Procurement,
    ServiceItem,
)

from .matrix import (
    ago,
    ahead,
    awarded,
    bid,
    contract_fields,
    drafted,
    evaluating,
    milestones_for,
    one_year,
    past_deadline,
    planned,
    signed,
    tendering,
)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (
        Need, NeedEvent, Procurement, Bid, Award, Challenge, Contract, ServiceItem, Milestone,
        Payment, Amendment, Notification, AuditEntry)}


def errors(exc: ValidationError) -> dict[str, list[str]]:
    """The messages by field, as raised (in the language active when the rule ran)."""
    return {k: [str(m) for m in v] for k, v in exc.message_dict.items()}


# -- bids ------------------------------------------------------------------------------------------


def test_a_supplier_bids_and_replaces_its_bid_before_the_deadline(personas):
    p = tendering(personas)
    first = bid(p, personas.supplier, "250", at=ago(2))
    again = bid(p, personas.supplier, "240", at=ago(1))
    assert again.pk == first.pk
    assert Bid.objects.get(pk=first.pk).price_wan == Decimal("240")
    assert Bid.objects.filter(procurement=p).count() == 1


def test_a_bid_after_the_deadline_is_refused_naming_the_deadline(personas):
    p = tendering(personas, deadline=ago(1))
    before = counts()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        bid(p, personas.supplier, "250", at=ago(0))
    assert list(refused.value.message_dict) == ["bid_deadline"]
    assert "has passed" in errors(refused.value)["bid_deadline"][0]
    assert counts() == before


@pytest.mark.parametrize("price", ["0", "-5", "-0.01"])
def test_a_zero_or_negative_price_is_refused(personas, price):
    p = tendering(personas)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        bid(p, personas.supplier, price, at=ago(0))
    assert list(refused.value.message_dict) == ["price_wan"]
    assert counts() == before


@pytest.mark.parametrize("stage", ["planning", "evaluation", "cancelled"])
def test_no_bid_on_a_notice_that_is_not_open(personas, stage):
    if stage == "planning":
        p = planned(personas)
    elif stage == "evaluation":
        p = evaluating(personas)
    else:
        p = services.procurement_cancel(procurement=tendering(personas), by=personas.dept,
                                        reason="需求变更")
    before = counts()
    with pytest.raises(TransitionRefused):
        bid(p, personas.supplier, "250", at=ago(0))
    assert counts() == before


def test_only_a_supplier_bids(personas):
    p = tendering(personas)
    with pytest.raises(PermissionDenied):
        bid(p, personas.dept, "250", at=ago(0))


def test_bidding_closes_at_the_deadline_not_before(personas):
    p = tendering(personas)
    with pytest.raises(ValidationError) as refused:
        services.bidding_close(procurement=p, by=personas.dept)
    assert list(refused.value.message_dict) == ["bid_deadline"]
    p.refresh_from_db()
    assert p.status == "tendering"


def test_a_bid_over_the_budget_ceiling_is_invalid_at_closing(personas):
    p = past_deadline(personas, {personas.supplier: "250", personas.supplier2: "350"})
    services.bidding_close(procurement=p, by=personas.dept)
    over = Bid.objects.get(procurement=p, supplier=personas.supplier2_org)
    assert not over.valid
    assert "350" in over.invalid_reason


# -- method, splitting, follow-ons -----------------------------------------------------------------


def _self_purchase(personas, n):
    need = approved(personas.dept, personas.admin, title=f"业务系统运维服务{n}", category="system",
                    budget_wan=Decimal("90"), tags=["运维"])
    return planned(personas, need, method="self_purchase", title=f"业务系统运维服务{n}")


def test_publishing_is_blocked_by_a_split_purchase(personas):
    first, second = _self_purchase(personas, 1), _self_purchase(personas, 2)
    assert first.findings == [] and second.findings == []  # 90 + 90 stays under 200
    third = _self_purchase(personas, 3)
    assert [f["code"] for f in third.findings] == ["split.public_tender"]
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.procurement_publish(procurement=third, by=personas.dept,
                                     bid_deadline=ahead(10))
    assert list(refused.value.message_dict) == ["method"]
    message = errors(refused.value)["method"][0]
    assert first.code in message and second.code in message
    assert "化整为零" in message
    third.refresh_from_db()
    assert third.status == "planning"
    assert counts() == before
    # Tendering publicly lifts the block.
    services.procurement_update(procurement=third, by=personas.dept, method="public_tender")
    services.procurement_publish(procurement=third, by=personas.dept, bid_deadline=ahead(10))
    third.refresh_from_db()
    assert third.status == "tendering"


def _follow_on(personas, original, amount):
    need = approved(personas.dept, personas.admin, title="政务云扩容添购",
                    budget_wan=Decimal(amount))
    return planned(personas, need, method="single_source", justifications="follow_on",
                   original_contract=original, title="政务云扩容添购")


def test_a_single_source_follow_on_over_ten_percent_is_blocked(personas):
    original = signed(personas)  # 250万
    over = _follow_on(personas, original, "30")
    assert [f["code"] for f in over.findings] == ["single_source.follow_on_cap"]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.procurement_publish(procurement=over, by=personas.dept, bid_deadline=ahead(10))
    assert list(refused.value.message_dict) == ["original_contract"]
    assert "10%" in errors(refused.value)["original_contract"][0]


def test_a_follow_on_within_ten_percent_is_published(personas):
    original = signed(personas)
    within = _follow_on(personas, original, "25")
    assert within.findings == []
    services.procurement_publish(procurement=within, by=personas.dept, bid_deadline=ahead(10))


def test_earlier_follow_ons_count_toward_the_cap(personas):
    original = signed(personas)
    _follow_on(personas, original, "15")
    second = _follow_on(personas, original, "15")
    assert [f["code"] for f in second.findings] == ["single_source.follow_on_cap"]


def test_a_plan_carries_only_approved_needs_of_the_officers_department(personas):
    from cityops.demand.tests.matrix import submitted

    before = counts()
    with pytest.raises(ValidationError) as refused:
        planned(personas, submitted(personas.dept))
    assert list(refused.value.message_dict) == ["needs"]
    foreign = approved(personas.dept2, personas.admin, **other_need_fields())
    before = counts()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        planned(personas, foreign)
    assert "another department" in errors(refused.value)["needs"][0]
    assert counts() == before


def test_the_bureau_plans_one_intensive_procurement_for_two_departments(personas):
    a = approved(personas.dept, personas.admin)
    b = approved(personas.dept2, personas.admin, description="交通局政务云资源需求")
    p = services.procurement_plan(by=personas.admin, needs=[a, b], **{
        "title": "政务云集约化采购", "method": "public_tender",
        "evaluation_method": "lowest_price", "price_weight": Decimal(1)})
    assert p.buyer == personas.bureau
    assert p.estimated_amount_wan == a.budget_wan + b.budget_wan
    assert set(Need.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {
        "in_procurement"}
    # Each department follows its need's procurement.
    assert Procurement.objects.visible_to(personas.dept).filter(pk=p.pk).exists()
    assert Procurement.objects.visible_to(personas.dept2).filter(pk=p.pk).exists()


def test_a_scoring_setup_that_does_not_sum_to_one_cannot_be_published(personas):
    p = planned(personas, criteria=[{"key": "c1", "name": "技术方案", "weight": 0.5}])
    for language, words in (("zh-hans", "应为 100%"), ("en", "not 100%")):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            services.procurement_publish(procurement=p, by=personas.dept,
                                         bid_deadline=ahead(10))
        assert list(refused.value.message_dict) == ["criteria"]
        assert words in errors(refused.value)["criteria"][0]
    p.refresh_from_db()
    assert p.status == "planning"


# -- evaluation and award --------------------------------------------------------------------------


def test_award_goes_only_to_the_first_ranked_bid(personas):
    p = evaluating(personas, scores={})  # equal points: the lower price ranks first
    ranked = services.procurement_evaluate(procurement=p, by=personas.dept)
    assert [b.supplier_id for b in ranked] == [personas.supplier_org.pk,
                                              personas.supplier2_org.pk]
    assert [b.rank for b in ranked] == [1, 2]
    loser = ranked[1]
    with pytest.raises(ValidationError) as refused:
        services.procurement_award(procurement=p, by=personas.dept, bid=loser)
    assert list(refused.value.message_dict) == ["bid"]
    assert not Award.objects.filter(procurement=p).exists()
    award = services.procurement_award(procurement=p, by=personas.dept, bid=ranked[0])
    assert award.supplier == personas.supplier_org
    assert award.amount_wan == Decimal("250")
    p.refresh_from_db()
    assert p.standstill_until == p.awarded_at + dt.timedelta(days=7)
    # Both bidders hear the result.
    titles = dict(Notification.objects.filter(kind="procurement.award").values_list(
        "recipient__username", "title"))
    assert set(titles) == {"sam", "sue"}


def test_technical_points_can_outweigh_a_lower_price(personas):
    p = evaluating(personas, scores={personas.supplier: {"c1": 40, "c2": 40},
                                     personas.supplier2: {"c1": 95, "c2": 95}})
    award = services.procurement_award(procurement=p, by=personas.dept)
    assert award.supplier == personas.supplier2_org
    winner = Bid.objects.get(procurement=p, supplier=personas.supplier2_org)
    assert winner.rank == 1 and winner.derivation


def test_award_needs_every_bid_scored(personas):
    p = past_deadline(personas)
    services.bidding_close(procurement=p, by=personas.dept, at=ago(9))
    with pytest.raises(ValidationError) as refused:
        services.procurement_award(procurement=p, by=personas.dept)
    assert list(refused.value.message_dict) == ["technical_scores"]


def test_technical_points_outside_the_criteria_are_refused(personas):
    p = evaluating(personas)
    b = Bid.objects.filter(procurement=p).first()
    for scores in ({"c1": 80}, {"c1": 80, "c2": 80, "c9": 1}, {"c1": 180, "c2": 80}):
        with pytest.raises(ValidationError) as refused:
            services.bid_score(bid=b, by=personas.dept, technical_scores=scores)
        assert list(refused.value.message_dict) == ["technical_scores"]


# -- standstill, challenges, cancellation ----------------------------------------------------------


def test_no_contract_before_the_standstill_ends(personas):
    p, _award = awarded(personas, at=ago(hours=1))
    before = counts()
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.contract_create(procurement=p, by=personas.dept, **contract_fields())
    assert "standstill" in " ".join(errors(refused.value)[next(iter(
        refused.value.message_dict))])
    assert counts() == before


def test_a_pending_challenge_blocks_the_contract(personas):
    p, _award = awarded(personas)  # awarded 8 days ago, standstill of 7 over
    services.challenge_file(procurement=p, by=personas.supplier2, grounds="评分不公",
                            at=ago(7.5))
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.contract_create(procurement=p, by=personas.dept, **contract_fields())
    assert list(refused.value.message_dict) == ["challenges"]
    assert counts() == before


def test_a_challenge_after_the_standstill_is_refused(personas):
    p, _award = awarded(personas)
    with pytest.raises(ValidationError) as refused:
        services.challenge_file(procurement=p, by=personas.supplier2, grounds="评分不公")
    assert list(refused.value.message_dict) == ["filed_at"]


def test_only_a_bidder_challenges_the_award(personas):
    from cityops.core import services as core

    p, _award = awarded(personas, at=ago(hours=1))
    outsider = core.user_create(by=None, username="olga", password="Correct-Horse-42",
                                role="supplier", organisation=_third_supplier(),
                                full_name="Olga")
    with pytest.raises(PermissionDenied):
        services.challenge_file(procurement=p, by=outsider, grounds="我也有意见")


def _third_supplier():
    from conftest import _org

    return _org("supplier", "杭州第三方信息有限公司", region="330106")


def test_an_upheld_challenge_revokes_the_award(personas):
    p, award = awarded(personas, at=ago(hours=1))
    ch = services.challenge_file(procurement=p, by=personas.supplier2, grounds="评分不公")
    assert Notification.objects.filter(kind="procurement.challenge",
                                       recipient=personas.dept).exists()
    services.challenge_decide(challenge=ch, by=personas.dept, upheld=True,
                              outcome="复核后技术评分有误，撤销中标结果")
    p.refresh_from_db()
    award.refresh_from_db()
    assert p.status == "evaluation"
    assert p.awarded_at is None and p.standstill_until is None
    assert not award.active and award.revoked_reason == "复核后技术评分有误，撤销中标结果"
    assert Notification.objects.filter(kind="procurement.challenge",
                                       recipient=personas.supplier2).exists()
    # Re-scored, awarded again.
    sam = Bid.objects.get(procurement=p, supplier=personas.supplier_org)
    services.bid_score(bid=sam, by=personas.dept, technical_scores={"c1": 10, "c2": 10})
    again = services.procurement_award(procurement=p, by=personas.dept)
    assert again.supplier == personas.supplier2_org
    assert Award.objects.filter(procurement=p, active=True).get() == again


def test_a_dismissed_challenge_keeps_the_award(personas):
    p, award = awarded(personas, at=ago(hours=1))
    ch = services.challenge_file(procurement=p, by=personas.supplier2, grounds="评分不公")
    with pytest.raises(ValidationError):
        services.challenge_decide(challenge=ch, by=personas.dept, upheld=False, outcome=" ")
    services.challenge_decide(challenge=ch, by=personas.dept, upheld=False,
                              outcome="评分符合招标文件")
    p.refresh_from_db()
    assert p.status == "awarded"
    with pytest.raises(TransitionRefused):
        services.challenge_decide(challenge=ch, by=personas.dept, upheld=True, outcome="改判")


def test_cancellation_releases_the_needs(personas):
    p = tendering(personas)
    need = p.needs.get()
    assert need.status == "in_procurement"
    with pytest.raises(ValidationError) as refused:
        services.procurement_cancel(procurement=p, by=personas.dept, reason="")
    assert list(refused.value.message_dict) == ["reason"]
    services.procurement_cancel(procurement=p, by=personas.dept, reason="需求发生重大变化")
    need.refresh_from_db()
    assert need.status == "approved"
    assert NeedEvent.objects.filter(need=need, action="release").get().comment == "需求发生重大变化"
    # ... and the need can be bought again.
    again = planned(personas, need)
    assert again.needs.get() == need


def test_a_cancelled_award_leaves_its_draft_contract_unsignable(personas):
    c = drafted(personas)
    services.procurement_cancel(procurement=c.procurement, by=personas.dept, reason="预算取消")
    with pytest.raises(TransitionRefused):
        services.contract_sign(contract=c, by=personas.dept)
    c.refresh_from_db()
    assert c.status == "draft"


# -- contracts -------------------------------------------------------------------------------------


def test_signing_fulfils_the_needs_and_notifies_the_supplier(personas):
    c = drafted(personas, items=[
        {"tier": "base", "name": "基础服务", "unit": "年", "unit_price_wan": Decimal("200"),
         "quantity": Decimal(1)},
        {"tier": "value_added", "name": "数据分析报告", "unit": "份",
         "unit_price_wan": Decimal("5"), "quantity": Decimal(10),
         "bands": [{"from": 0, "unit_price_wan": "5"}, {"from": 5, "unit_price_wan": "4"}]}])
    need = c.procurement.needs.get()
    assert need.status == "in_procurement"
    services.contract_sign(contract=c, by=personas.dept)
    need.refresh_from_db()
    c.refresh_from_db()
    assert (c.status, c.procurement.status, need.status) == ("active", "contracted", "fulfilled")
    assert need.fulfilled_at == c.signed_at
    note = Notification.objects.get(kind="contract.signed")
    assert note.recipient == personas.supplier and c.code in note.title
    # One payment per milestone, its share of the amount.
    assert sorted(Payment.objects.filter(contract=c).values_list("amount_wan", flat=True)) == [
        Decimal("75.00"), Decimal("175.00")]


def test_milestone_shares_must_sum_to_one_and_nothing_is_written(personas):
    p, _award = awarded(personas)
    f = contract_fields()
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.contract_create(procurement=p, by=personas.dept,
                                 milestones=milestones_for(f["start_on"], ("0.3", "0.6")), **f)
    assert list(refused.value.message_dict) == ["milestones"]
    assert "0.9" in errors(refused.value)["milestones"][0]
    assert counts() == before


def test_a_bad_service_item_writes_no_contract(personas):
    p, _award = awarded(personas)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.contract_create(procurement=p, by=personas.dept, items=[
            {"tier": "base", "name": "基础服务", "unit": "年", "unit_price_wan": Decimal("-1"),
             "quantity": Decimal(1)}], **contract_fields())
    assert "unit_price_wan" in refused.value.message_dict
    assert counts() == before


def _years(n: int, start=None):
    start = start or dt.date.today() + dt.timedelta(days=1)
    end = one_year(start)
    return start, end.replace(year=end.year + n - 1)


FOUR = {"content_fixed": True, "continuity_strong": True, "funding_stable": True,
        "prices_stable": True}


def test_a_two_year_contract_needs_the_four_conditions(personas):
    p, _award = awarded(personas)
    start, end = _years(2)
    before = counts()
    for language, words in (("zh-hans", "四个条件"), ("en", "four conditions")):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            services.contract_create(procurement=p, by=personas.dept,
                                     **contract_fields(start_on=start, end_on=end))
        assert list(refused.value.message_dict) == ["end_on"]
        assert words in errors(refused.value)["end_on"][0]
    assert counts() == before
    c = services.contract_create(procurement=p, by=personas.dept,
                                 **contract_fields(start_on=start, end_on=end, **FOUR))
    assert c.status == "draft"


def test_a_four_year_contract_is_refused_even_with_the_conditions(personas):
    p, _award = awarded(personas)
    start, end = _years(4)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.contract_create(procurement=p, by=personas.dept,
                                 **contract_fields(start_on=start, end_on=end, **FOUR))
    assert "longer than the maximum of 3" in errors(refused.value)["end_on"][0]


def test_renewals_stop_at_three_years_and_at_the_renewals_allowed(personas):
    c = signed(personas, renewals_max=2, **FOUR)
    r1 = services.contract_renew(contract=c, by=personas.dept)
    assert (r1.start_on, r1.renewal_of) == (c.end_on + dt.timedelta(days=1), c)
    services.contract_sign(contract=r1, by=personas.dept)
    with pytest.raises(ValidationError):  # one renewal per contract
        services.contract_renew(contract=c, by=personas.dept)
    # A second renewal of 18 months would run the chain to 3.5 years.
    longer = one_year(r1.end_on + dt.timedelta(days=1)) + dt.timedelta(days=182)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.contract_renew(contract=r1, by=personas.dept, end_on=longer)
    assert list(refused.value.message_dict) == ["end_on"]
    assert counts() == before
    r2 = services.contract_renew(contract=r1, by=personas.dept)
    services.contract_sign(contract=r2, by=personas.dept)
    with pytest.raises(ValidationError) as refused:
        services.contract_renew(contract=r2, by=personas.dept)
    assert list(refused.value.message_dict) == ["renewals_max"]


def test_a_contract_not_declared_renewable_is_not_renewed(personas):
    c = signed(personas, **FOUR)
    with pytest.raises(ValidationError) as refused:
        services.contract_renew(contract=c, by=personas.dept)
    assert list(refused.value.message_dict) == ["renewals_max"]


def test_an_amendment_over_ten_percent_is_flagged_for_review(personas):
    c = signed(personas)  # 250万
    small = services.contract_amend(contract=c, by=personas.dept, reason="新增接入点",
                                    amount_wan=Decimal("265"))
    assert small.findings == []
    assert not Notification.objects.filter(kind="contract.amendment").exists()
    big = services.contract_amend(contract=c, by=personas.dept, reason="新增两个区县",
                                  amount_wan=Decimal("290"))
    assert [f["code"] for f in big.findings] == ["amendment.amount_over_cap"]
    assert big.findings[0]["severity"] == "warn"
    assert "16%" in big.findings[0]["message_en"]  # 290 against the original 250
    flagged = Notification.objects.filter(kind="contract.amendment")
    assert {n.recipient.username for n in flagged} == {"alice", "otto"}
    c.refresh_from_db()
    assert c.amount_wan == Decimal("290")
    assert (big.amount_before, big.amount_after) == (Decimal("265"), Decimal("290"))


def test_an_amendment_needs_a_reason_and_a_lawful_term(personas):
    c = signed(personas)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.contract_amend(contract=c, by=personas.dept, reason=" ",
                                amount_wan=Decimal("260"))
    assert list(refused.value.message_dict) == ["reason"]
    with pytest.raises(ValidationError) as refused:
        services.contract_amend(contract=c, by=personas.dept, reason="延期",
                                end_on=c.end_on.replace(year=c.end_on.year + 1))
    assert list(refused.value.message_dict) == ["end_on"]
    assert counts() == before
    c.refresh_from_db()
    assert c.amount_wan == Decimal("250")


def test_payment_only_after_the_milestone_is_accepted(personas):
    c = signed(personas)
    m = c.milestones.order_by("due_on").first()
    pay = m.payments.get()
    with pytest.raises(ValidationError) as refused:
        services.payment_mark_paid(payment=pay, by=personas.finance)
    assert list(refused.value.message_dict) == ["milestone"]
    with pytest.raises(PermissionDenied):
        services.payment_mark_paid(payment=pay, by=personas.dept)
    services.milestone_accept(milestone=m, by=personas.dept)
    services.payment_mark_paid(payment=pay, by=personas.finance)
    pay.refresh_from_db()
    assert pay.status == "paid"
    with pytest.raises(TransitionRefused):
        services.payment_mark_paid(payment=pay, by=personas.finance)


def test_expiry_reminders_are_sent_once_at_90_30_and_7_days(personas):
    c = signed(personas)

    def expiry_notes():
        return Notification.objects.filter(kind="contract.expiry")

    assert services.contract_reminders(today=c.end_on - dt.timedelta(days=120)) == 0
    sent = services.contract_reminders(today=c.end_on - dt.timedelta(days=90))
    assert sent == 2  # bob (the buyer) and sam (the supplier)
    assert {n.recipient.username for n in expiry_notes()} == {"bob", "sam"}
    assert services.contract_reminders(today=c.end_on - dt.timedelta(days=90)) == 0
    assert services.contract_reminders(today=c.end_on - dt.timedelta(days=60)) == 0
    assert services.contract_reminders(today=c.end_on - dt.timedelta(days=30)) == 2
    assert services.contract_reminders(today=c.end_on - dt.timedelta(days=29)) == 0
    assert services.contract_reminders(today=c.end_on - dt.timedelta(days=7)) == 2
    assert services.contract_reminders(today=c.end_on - dt.timedelta(days=1)) == 0
    assert expiry_notes().count() == 6
    assert expiry_notes().filter(severity="warning").count() == 4  # 30 and 7 days


def test_the_buyer_of_another_department_cannot_run_the_process(personas):
    p = planned(personas)
    for call in (
        lambda: services.procurement_publish(procurement=p, by=personas.dept2,
                                             bid_deadline=ahead(5)),
        lambda: services.procurement_cancel(procurement=p, by=personas.dept2, reason="x"),
        lambda: services.procurement_update(procurement=p, by=personas.dept2, title="x"),
    ):
        with pytest.raises(PermissionDenied):
            call()
    with pytest.raises(PermissionDenied):
        services.procurement_publish(procurement=p, by=personas.auditor, bid_deadline=ahead(5))
