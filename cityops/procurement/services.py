"""Procurement and contract use cases that write. Each step is a workflow action on a locked
row (see core/workflow.py), recorded in the audit chain by the models' signals.

The rules themselves (method thresholds, splitting, scoring, contract terms, OCDS) are pure
modules in ``procurement/domain``; ``checks.py`` turns rows into their inputs.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core import services as core_services
from cityops.core.models import Organisation, User
from cityops.core.numbering import next_code
from cityops.core.roles import Role
from cityops.core.workflow import TransitionRefused
from cityops.demand import services as demand_services
from cityops.demand.models import Need, NeedStatus

from . import checks
from .models import (
    CONTRACT_WORKFLOW,
    PROCUREMENT_WORKFLOW,
    Amendment,
    Award,
    Bid,
    Challenge,
    ChallengeStatus,
    Contract,
    ContractStatus,
    Milestone,
    MilestoneStatus,
    Payment,
    PaymentStatus,
    Procurement,
    ProcurementStatus,
    ServiceItem,
)

PLAN_FIELDS = frozenset({
    "title", "description", "category", "estimated_amount_wan", "budget_year", "method",
    "justifications", "original_contract", "evaluation_method", "price_weight", "criteria",
    "standstill_days",
})


def _now(at):
    return at or timezone.now()


def _require_buyer(by: User | None, procurement: Procurement) -> None:
    if by is None or by.role == Role.PLATFORM_ADMIN:
        return
    if by.role == Role.DEPARTMENT_OFFICER and by.organisation_id == procurement.buyer_id:
        return
    raise PermissionDenied


def _lock(procurement: Procurement) -> Procurement:
    return Procurement.objects.select_for_update().get(pk=procurement.pk)


def _blocking(findings: list[dict]) -> list[dict]:
    return [f for f in findings if f.get("severity") == "block"]


# The form field a blocking finding is about, by the finding's code (its prefix).
FINDING_FIELDS = {
    "term.": "end_on", "amendment.term.": "end_on", "contract.contents_missing": "content",
    "contract.deposit_over_cap": "deposit_ratio", "milestone_shares": "milestones",
    "amendment.": "amount_wan", "single_source.": "original_contract",
    "split.": "method", "threshold.": "method", "method.": "method",
}


def _finding_field(code: str, default: str) -> str:
    for prefix, field in sorted(FINDING_FIELDS.items(), key=lambda kv: -len(kv[0])):
        if code.startswith(prefix):
            return field
    return default


def _refuse_blocked(findings: list[dict], field: str = "method") -> None:
    """A ValidationError naming, for each blocking finding, the field it is about."""
    errors: dict[str, list[str]] = {}
    for f in _blocking(findings):
        errors.setdefault(_finding_field(f.get("code", ""), field), []).append(f["message"])
    if errors:
        raise ValidationError(errors)


# -- plan ---------------------------------------------------------------------------------------


@transaction.atomic
def procurement_plan(*, by: User | None, needs: list[Need], buyer: Organisation | None = None,
                     at: dt.datetime | None = None, **fields) -> Procurement:
    """A procurement plan from one or more approved needs (several: intensive procurement)."""
    if not needs:
        raise ValidationError({"needs": _("A procurement plan carries at least one need.")})
    if buyer is None:
        buyer = by.organisation if by is not None else needs[0].department
    if by is not None and by.role not in (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER):
        raise PermissionDenied
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    locked = list(Need.objects.select_for_update().filter(pk__in=[n.pk for n in needs]))
    for need in locked:
        if need.status != NeedStatus.APPROVED:
            raise ValidationError({"needs": _(
                "Need %(code)s is “%(state)s”: only approved needs can be procured.") % {
                "code": need.code, "state": need.get_status_display()}})
        if by is not None and by.role == Role.DEPARTMENT_OFFICER and \
                need.department_id != by.organisation_id:
            raise ValidationError({"needs": _(
                "Need %(code)s belongs to another department: an intensive procurement "
                "across departments is planned by the data bureau.") % {"code": need.code}})
    now = _now(at)
    fields.setdefault("title", locked[0].title if len(locked) == 1 else "")
    fields.setdefault("estimated_amount_wan", sum((n.budget_wan for n in locked), Decimal(0)))
    fields.setdefault("budget_year", now.year)
    p = Procurement(buyer=buyer, created_by=by, created_at=now, **fields)
    p.code = next_code(Procurement, "CG", now.year)
    p.full_clean()
    p.findings = checks.method_findings(p, needs=locked)
    p.save()
    p.needs.set(locked)
    for need in locked:
        demand_services.need_set_procured(need=need, by=by, at=at)
    return p


@transaction.atomic
def procurement_update(*, procurement: Procurement, by: User | None, **fields) -> Procurement:
    p = _lock(procurement)
    _require_buyer(by, p)
    if p.status != ProcurementStatus.PLANNING:
        raise TransitionRefused("edit", p.get_status_display(), _(
            "A procurement can be changed only while it is being planned."))
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    for name, value in fields.items():
        setattr(p, name, value)
    p.full_clean()
    p.findings = checks.method_findings(p)
    p.save()
    return p


@transaction.atomic
def procurement_publish(*, procurement: Procurement, by: User | None, bid_deadline: dt.datetime,
                        notice: str = "", at: dt.datetime | None = None) -> Procurement:
    """Publish the notice: refused while a rule blocks the method or the split."""
    p = _lock(procurement)
    _require_buyer(by, p)
    now = _now(at)
    PROCUREMENT_WORKFLOW.check(p, "publish")
    p.findings = checks.method_findings(p)
    _refuse_blocked(p.findings)
    checks.check_evaluation_setup(p)
    if bid_deadline <= now:
        raise ValidationError({"bid_deadline": _("The bid deadline must be in the future.")})
    PROCUREMENT_WORKFLOW.apply(p, "publish")
    p.bid_deadline = bid_deadline
    p.notice = notice or p.notice
    p.published_at = now
    p.save()
    return p


# -- bids ---------------------------------------------------------------------------------------


@transaction.atomic
def bid_submit(*, procurement: Procurement, by: User | None, price_wan: Decimal,
               proposal: str = "", at: dt.datetime | None = None,
               supplier: Organisation | None = None) -> Bid:
    """A supplier's bid (one per supplier; re-submitting before the deadline replaces it).
    ``supplier`` is for the system (imports, the demo) acting without a supplier's login."""
    if by is not None and by.role != Role.SUPPLIER:
        raise PermissionDenied
    supplier_id = by.organisation_id if by is not None else supplier.pk
    p = _lock(procurement)
    now = _now(at)
    if p.status != ProcurementStatus.TENDERING:
        raise TransitionRefused("bid", p.get_status_display(), _(
            "Bids are taken only while the notice is open; this procurement is “%(state)s”.")
            % {"state": p.get_status_display()})
    if p.bid_deadline and now > p.bid_deadline:
        raise ValidationError({"bid_deadline": _(
            "The bid deadline (%(deadline)s) has passed.") % {
            "deadline": timezone.localtime(p.bid_deadline).strftime("%Y-%m-%d %H:%M")}})
    price = Decimal(price_wan)
    if price <= 0:
        raise ValidationError({"price_wan": _("The price must be greater than zero.")})
    bid = Bid.objects.filter(procurement=p, supplier_id=supplier_id).first() or Bid(
        procurement=p, supplier_id=supplier_id)
    bid.price_wan = price
    bid.proposal = proposal
    bid.submitted_by = by
    bid.submitted_at = now
    bid.full_clean()
    bid.save()
    return bid


@transaction.atomic
def bidding_close(*, procurement: Procurement, by: User | None,
                  at: dt.datetime | None = None) -> Procurement:
    p = _lock(procurement)
    _require_buyer(by, p)
    now = _now(at)
    PROCUREMENT_WORKFLOW.check(p, "close_bidding")
    if p.bid_deadline and now < p.bid_deadline:
        raise ValidationError({"bid_deadline": _(
            "Bidding closes at the deadline (%(deadline)s), not before.") % {
            "deadline": timezone.localtime(p.bid_deadline).strftime("%Y-%m-%d %H:%M")}})
    PROCUREMENT_WORKFLOW.apply(p, "close_bidding")
    p.closed_at = now
    p.save()
    checks.validate_bids(p)
    return p


@transaction.atomic
def bid_score(*, bid: Bid, by: User | None, technical_scores: dict) -> Bid:
    """The evaluation panel's technical points of one bid (criterion key → 0..100)."""
    p = _lock(bid.procurement)
    _require_buyer(by, p)
    if p.status != ProcurementStatus.EVALUATION:
        raise TransitionRefused("score", p.get_status_display())
    checks.check_technical_scores(p, technical_scores)
    bid = Bid.objects.select_for_update().get(pk=bid.pk)
    bid.technical_scores = technical_scores
    bid.save()
    return bid


@transaction.atomic
def procurement_evaluate(*, procurement: Procurement, by: User | None) -> list[Bid]:
    """Score and rank every bid by the procurement's evaluation method."""
    p = _lock(procurement)
    _require_buyer(by, p)
    if p.status != ProcurementStatus.EVALUATION:
        raise TransitionRefused("evaluate", p.get_status_display())
    return checks.score_bids(p)


@transaction.atomic
def procurement_award(*, procurement: Procurement, by: User | None, bid: Bid | None = None,
                      at: dt.datetime | None = None) -> Award:
    """Award to the first-ranked valid bid; the standstill period for challenges starts."""
    p = _lock(procurement)
    _require_buyer(by, p)
    PROCUREMENT_WORKFLOW.check(p, "award")
    bids = checks.score_bids(p)
    ranked = [b for b in bids if b.valid and b.rank]
    if not ranked:
        raise ValidationError({"bids": _("There is no valid bid to award.")})
    winner = ranked[0]
    if bid is not None and bid.pk != winner.pk:
        raise ValidationError({"bid": _(
            "The award goes to the first-ranked valid bid (%(supplier)s).") % {
            "supplier": winner.supplier.name}})
    now = _now(at)
    PROCUREMENT_WORKFLOW.apply(p, "award")
    p.awarded_at = now
    p.standstill_until = now + dt.timedelta(days=p.standstill_days)
    p.save()
    award = Award.objects.create(procurement=p, bid=winner, supplier=winner.supplier,
                                 amount_wan=winner.price_wan, awarded_at=now)
    for b in bids:
        core_services.notify(
            recipients=core_services.users_of(b.supplier_id, [Role.SUPPLIER]),
            kind="procurement.award",
            title=_("Result of %(code)s: %(result)s") % {
                "code": p.code, "result": _("your bid won") if b.pk == winner.pk
                else _("awarded to another bidder")},
            url=f"/procurement/{p.pk}/", key=f"award:{award.pk}:{b.pk}")
    return award


# -- challenges ---------------------------------------------------------------------------------


@transaction.atomic
def challenge_file(*, procurement: Procurement, by: User, grounds: str,
                   at: dt.datetime | None = None) -> Challenge:
    """A bidder challenges (质疑) the notice, the process or the award, within standstill."""
    if by.role != Role.SUPPLIER:
        raise PermissionDenied
    p = _lock(procurement)
    now = _now(at)
    if not grounds.strip():
        raise ValidationError({"grounds": _("State the grounds of the challenge.")})
    if p.status not in (ProcurementStatus.TENDERING, ProcurementStatus.EVALUATION,
                        ProcurementStatus.AWARDED):
        raise TransitionRefused("challenge", p.get_status_display())
    if p.status != ProcurementStatus.TENDERING and not p.bids.filter(
            supplier_id=by.organisation_id).exists():
        raise PermissionDenied(_("Only a bidder may challenge the evaluation or the award."))
    if p.status == ProcurementStatus.AWARDED and p.standstill_until and now > p.standstill_until:
        raise ValidationError({"filed_at": _("The standstill period ended on %(date)s.") % {
            "date": timezone.localtime(p.standstill_until).strftime("%Y-%m-%d %H:%M")}})
    ch = Challenge.objects.create(procurement=p, supplier_id=by.organisation_id, filed_by=by,
                                  filed_at=now, grounds=grounds)
    core_services.notify(
        recipients=core_services.users_of(p.buyer_id, [Role.DEPARTMENT_OFFICER]),
        kind="procurement.challenge", severity="warning",
        title=_("Challenge filed against %(code)s") % {"code": p.code}, body=grounds[:300],
        url=f"/procurement/{p.pk}/", key=f"challenge:{ch.pk}")
    return ch


@transaction.atomic
def challenge_decide(*, challenge: Challenge, by: User | None, upheld: bool, outcome: str,
                     at: dt.datetime | None = None) -> Challenge:
    """Decide a challenge; an upheld challenge of an award revokes it (back to evaluation)."""
    ch = Challenge.objects.select_for_update().get(pk=challenge.pk)
    p = _lock(ch.procurement)
    _require_buyer(by, p)
    if ch.status != ChallengeStatus.PENDING:
        raise TransitionRefused("decide", ch.get_status_display())
    if not outcome.strip():
        raise ValidationError({"outcome": _("State the outcome and its reasons.")})
    now = _now(at)
    ch.status = ChallengeStatus.UPHELD if upheld else ChallengeStatus.DISMISSED
    ch.outcome = outcome
    ch.decided_by = by
    ch.decided_at = now
    ch.save()
    if upheld and p.status == ProcurementStatus.AWARDED:
        award_revoke(procurement=p, by=by, reason=outcome)
    core_services.notify(
        recipients=core_services.users_of(ch.supplier_id, [Role.SUPPLIER]),
        kind="procurement.challenge", title=_("Your challenge of %(code)s: %(status)s") % {
            "code": p.code, "status": ch.get_status_display()},
        body=outcome[:300], url=f"/procurement/{p.pk}/", key=f"challenge-decided:{ch.pk}")
    return ch


@transaction.atomic
def award_revoke(*, procurement: Procurement, by: User | None, reason: str) -> Procurement:
    """Revoke the award (an upheld challenge, a winner that withdraws): back to evaluation,
    where the bids are ranked again and the next award made."""
    p = _lock(procurement)
    _require_buyer(by, p)
    PROCUREMENT_WORKFLOW.check(p, "revoke_award")
    if not reason.strip():
        raise ValidationError({"reason": _("State why the award is revoked.")})
    PROCUREMENT_WORKFLOW.apply(p, "revoke_award")
    p.awarded_at = None
    p.standstill_until = None
    p.save()
    p.awards.filter(active=True).update(active=False, revoked_reason=reason)
    return p


@transaction.atomic
def procurement_cancel(*, procurement: Procurement, by: User | None, reason: str,
                       at: dt.datetime | None = None) -> Procurement:
    p = _lock(procurement)
    _require_buyer(by, p)
    if not reason.strip():
        raise ValidationError({"reason": _("State why the procurement is cancelled.")})
    PROCUREMENT_WORKFLOW.apply(p, "cancel")
    p.cancelled_at = _now(at)
    p.cancel_reason = reason
    p.save()
    p.awards.filter(active=True).update(active=False, revoked_reason=reason)
    for need in p.needs.filter(status=NeedStatus.IN_PROCUREMENT):
        demand_services.need_release(need=need, by=by, comment=reason, at=at)
    return p


# -- contracts ----------------------------------------------------------------------------------

CONTRACT_FIELDS = frozenset({
    "title", "start_on", "end_on", "content_fixed", "continuity_strong", "funding_stable",
    "prices_stable", "renewals_max", "content", "quantity", "quality", "settlement",
    "rights_obligations", "liability", "deposit_ratio", "operation_object", "category",
})


def _require_contract_buyer(by: User | None, contract: Contract) -> None:
    if by is None or by.role == Role.PLATFORM_ADMIN:
        return
    if by.role == Role.DEPARTMENT_OFFICER and by.organisation_id == contract.buyer_id:
        return
    raise PermissionDenied


def _contract_fields(fields: dict) -> dict:
    unknown = set(fields) - CONTRACT_FIELDS
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    return fields


@transaction.atomic
def contract_create(*, procurement: Procurement, by: User | None, items=(), milestones=(),
                    at: dt.datetime | None = None, **fields) -> Contract:
    """A draft contract from the active award, once the standstill is over and no challenge
    is pending. Term, contents and deposit are checked against the rules."""
    p = _lock(procurement)
    _require_buyer(by, p)
    now = _now(at)
    if p.status != ProcurementStatus.AWARDED:
        raise TransitionRefused("contract", p.get_status_display(), _(
            "A contract is made from an award; this procurement is “%(state)s”.") % {
            "state": p.get_status_display()})
    if p.standstill_until and now < p.standstill_until:
        raise ValidationError({"start_on": _(
            "The standstill period runs until %(date)s: sign after it.") % {
            "date": timezone.localtime(p.standstill_until).strftime("%Y-%m-%d %H:%M")}})
    if p.challenges.filter(status=ChallengeStatus.PENDING).exists():
        raise ValidationError({"challenges": _("A challenge is pending: decide it first.")})
    if p.contracts.exclude(status=ContractStatus.TERMINATED).exists():
        raise ValidationError({"procurement": _("This award already has a contract.")})
    award = p.awards.get(active=True)
    fields = _contract_fields(dict(fields))
    fields.setdefault("title", p.title)
    fields.setdefault("category", p.category)
    if not fields.get("operation_object"):
        first = p.needs.first()
        fields["operation_object"] = first.category if first else ""
    c = Contract(procurement=p, award=award, buyer=p.buyer, supplier=award.supplier,
                 amount_wan=award.amount_wan, created_at=now, **fields)
    c.code = next_code(Contract, "HT", now.year)
    c.full_clean()
    _refuse_blocked(checks.contract_findings(c, items=items, milestones=milestones), "end_on")
    c.save()
    _save_parts(c, items, milestones)
    return c


def _save_parts(c: Contract, items, milestones) -> None:
    for item in items:
        obj = ServiceItem(contract=c, **item)
        obj.full_clean()
        obj.save()
    for m in milestones:
        obj = Milestone(contract=c, **m)
        obj.full_clean()
        obj.save()


@transaction.atomic
def contract_sign(*, contract: Contract, by: User | None,
                  at: dt.datetime | None = None) -> Contract:
    """Sign: the contract is in force, the procurement concluded, its needs fulfilled."""
    c = Contract.objects.select_for_update().get(pk=contract.pk)
    _require_contract_buyer(by, c)
    CONTRACT_WORKFLOW.check(c, "sign")
    p = _lock(c.procurement) if c.procurement_id else None
    if p is not None and c.renewal_of_id is None and p.status != ProcurementStatus.AWARDED:
        # A cancelled procurement or a revoked award leaves its draft contract unsignable.
        raise TransitionRefused("sign", c.get_status_display(), _(
            "The procurement %(code)s is “%(state)s”: only the contract of an active award "
            "can be signed.") % {"code": p.code, "state": p.get_status_display()})
    if p is not None and c.renewal_of_id is None and c.award_id and not c.award.active:
        raise TransitionRefused("sign", c.get_status_display(), _(
            "The award of this contract was revoked."))
    _refuse_blocked(checks.contract_findings(c), "end_on")
    now = _now(at)
    CONTRACT_WORKFLOW.apply(c, "sign")
    c.signed_at = now
    c.save()
    if p is not None:
        if p.status == ProcurementStatus.AWARDED:
            PROCUREMENT_WORKFLOW.apply(p, "sign_contract")
            p.save()
            for need in p.needs.filter(status=NeedStatus.IN_PROCUREMENT):
                demand_services.need_fulfil(need=need, by=by, at=now)
    _schedule_payments(c)
    from cityops.performance import services as performance

    performance.contract_kpis_default(contract=c)  # the six core indicators, to adjust
    core_services.notify(
        recipients=core_services.users_of(c.supplier_id, [Role.SUPPLIER]),
        kind="contract.signed", title=_("Contract %(code)s signed") % {"code": c.code},
        url=f"/procurement/contracts/{c.pk}/", key=f"contract-signed:{c.pk}")
    return c


def _schedule_payments(c: Contract) -> None:
    """One payment per milestone, its share of the amount, due on acceptance."""
    for m in c.milestones.all():
        if not m.payments.exists():
            Payment.objects.create(contract=c, milestone=m, due_on=m.due_on,
                                   amount_wan=(c.amount_wan * m.share).quantize(Decimal("0.01")))


@transaction.atomic
def milestone_accept(*, milestone: Milestone, by: User | None, accepted: bool = True,
                     note: str = "", on: dt.date | None = None) -> Milestone:
    m = Milestone.objects.select_for_update().get(pk=milestone.pk)
    _require_contract_buyer(by, m.contract)
    if m.contract.status != ContractStatus.ACTIVE:
        raise TransitionRefused("accept", m.contract.get_status_display())
    if m.status == MilestoneStatus.ACCEPTED:
        raise TransitionRefused("accept", m.get_status_display())
    m.status = MilestoneStatus.ACCEPTED if accepted else MilestoneStatus.REJECTED
    m.accepted_on = (on or timezone.localdate()) if accepted else None
    m.accepted_by = by
    m.note = note
    m.save()
    return m


@transaction.atomic
def payment_mark_paid(*, payment: Payment, by: User | None,
                      on: dt.date | None = None) -> Payment:
    """Finance pays a payment whose milestone (if any) was accepted."""
    if by is not None and by.role not in (Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN):
        raise PermissionDenied
    pay = Payment.objects.select_for_update().get(pk=payment.pk)
    if pay.status == PaymentStatus.PAID:
        raise TransitionRefused("pay", pay.get_status_display())
    if pay.milestone_id and pay.milestone.status != MilestoneStatus.ACCEPTED:
        raise ValidationError({"milestone": _(
            "The milestone “%(title)s” has not been accepted.") % {"title": pay.milestone.title}})
    pay.status = PaymentStatus.PAID
    pay.paid_on = on or timezone.localdate()
    pay.paid_by = by
    pay.save()
    return pay


@transaction.atomic
def contract_amend(*, contract: Contract, by: User | None, reason: str,
                   amount_wan: Decimal | None = None, end_on: dt.date | None = None,
                   at: dt.datetime | None = None) -> Amendment:
    c = Contract.objects.select_for_update().get(pk=contract.pk)
    _require_contract_buyer(by, c)
    if c.status not in (ContractStatus.DRAFT, ContractStatus.ACTIVE):
        raise TransitionRefused("amend", c.get_status_display())
    if not reason.strip():
        raise ValidationError({"reason": _("An amendment states its reason.")})
    before_amount, before_end = c.amount_wan, c.end_on
    original = c.amendments.order_by("at").values_list("amount_before", flat=True).first() \
        or c.amount_wan
    if amount_wan is not None:
        c.amount_wan = Decimal(amount_wan)
    if end_on is not None:
        c.end_on = end_on
    c.full_clean()
    findings = checks.amendment_findings(c, original_amount=original,
                                         amount_before=before_amount, end_before=before_end,
                                         reason=reason)
    _refuse_blocked(findings, "amount_wan")
    _refuse_blocked(checks.contract_findings(c), "end_on")
    c.save()
    amendment = Amendment.objects.create(
        contract=c, at=_now(at), by=by, reason=reason, amount_before=before_amount,
        amount_after=c.amount_wan, end_before=before_end, end_after=c.end_on,
        findings=findings)
    if findings:
        # Over 10% of the original amount (政府采购法 art. 49): the bureau and auditors review.
        core_services.notify(
            recipients=core_services.users_with_role(Role.PLATFORM_ADMIN, Role.AUDITOR),
            kind="contract.amendment", severity="warning",
            title=_("Amendment of %(code)s flagged for review") % {"code": c.code},
            body=findings[0]["message"][:300], url=f"/procurement/contracts/{c.pk}/",
            key=f"amendment-flagged:{amendment.pk}")
    return amendment


@transaction.atomic
def contract_renew(*, contract: Contract, by: User | None, amount_wan: Decimal | None = None,
                   at: dt.datetime | None = None, **fields) -> Contract:
    """A renewal: a new draft contract for the next term, within the renewals allowed and the
    total term the rules permit (checked on the whole chain)."""
    c = Contract.objects.select_for_update().get(pk=contract.pk)
    _require_contract_buyer(by, c)
    if c.status not in (ContractStatus.ACTIVE, ContractStatus.COMPLETED):
        raise TransitionRefused("renew", c.get_status_display())
    if c.renewals.exclude(status=ContractStatus.TERMINATED).exists():
        raise ValidationError({"renewal_of": _("This contract has already been renewed.")})
    used, root = 0, c
    while root.renewal_of_id is not None:
        used += 1
        root = root.renewal_of
    if used >= root.renewals_max:
        raise ValidationError({"renewals_max": _(
            "The contract allows %(max)s renewal(s) and %(used)s have been made.") % {
            "max": root.renewals_max, "used": used}})
    term = c.end_on - c.start_on
    start = c.end_on + dt.timedelta(days=1)
    copy = {name: getattr(c, name) for name in CONTRACT_FIELDS}
    copy.update(start_on=start, end_on=start + term, title=c.title)
    copy.update(_contract_fields(dict(fields)))
    now = _now(at)
    new = Contract(procurement=c.procurement, award=c.award, renewal_of=c, buyer=c.buyer,
                   supplier=c.supplier, amount_wan=amount_wan or c.amount_wan,
                   created_at=now, **copy)
    new.code = next_code(Contract, "HT", now.year)
    new.full_clean()
    _refuse_blocked(checks.contract_findings(new), "end_on")
    new.save()
    return new


@transaction.atomic
def contract_close(*, contract: Contract, by: User | None, action: str = "complete",
                   at: dt.datetime | None = None) -> Contract:
    c = Contract.objects.select_for_update().get(pk=contract.pk)
    _require_contract_buyer(by, c)
    if action not in ("complete", "terminate"):
        raise ValidationError({"action": _("Unknown action.")})
    CONTRACT_WORKFLOW.apply(c, action)
    c.closed_at = _now(at)
    c.save()
    return c


def contract_reminders(*, today: dt.date | None = None) -> int:
    """Expiry and renewal reminders to the buyer's officers and the supplier (90/30/7 days);
    each sent once (notification keys)."""
    today = today or timezone.localdate()
    sent = 0
    for c, days in checks.contracts_to_remind(today):
        recipients = list(core_services.users_of(c.buyer_id, [Role.DEPARTMENT_OFFICER])) + list(
            core_services.users_of(c.supplier_id, [Role.SUPPLIER]))
        sent += core_services.notify(
            recipients=recipients, kind="contract.expiry",
            severity="warning" if days <= 30 else "info",
            title=_("Contract %(code)s ends in %(days)s days (%(date)s)") % {
                "code": c.code, "days": (c.end_on - today).days, "date": c.end_on},
            body=_("Decide on renewal or a new procurement in time."),
            url=f"/procurement/contracts/{c.pk}/", key=f"contract-expiry:{c.pk}:{days}")
    return sent
