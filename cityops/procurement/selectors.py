"""Procurement reads: what a procurement page shows to whom, contracts, dashboards."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.models import User
from cityops.core.roles import Role

from . import checks
from .models import (
    CONTRACT_WORKFLOW,
    PROCUREMENT_WORKFLOW,
    Bid,
    Challenge,
    ChallengeStatus,
    Contract,
    ContractStatus,
    Procurement,
    ProcurementStatus,
)


def _is_buyer(user: User, p: Procurement) -> bool:
    return user.role == Role.PLATFORM_ADMIN or (
        user.role == Role.DEPARTMENT_OFFICER and user.organisation_id == p.buyer_id)


def procurement_page(user: User, p: Procurement) -> dict:
    """Everything the procurement page shows, scoped: a supplier sees only its own bid and
    score; bids stay sealed to the buyer until bidding closes."""
    buyer = _is_buyer(user, p)
    now = timezone.now()
    bids = Bid.objects.visible_to(user).filter(procurement=p).select_related("supplier")
    own_bid = None
    if user.role == Role.SUPPLIER:
        own_bid = bids.first()
    actions = []
    if buyer:
        allowed = PROCUREMENT_WORKFLOW.allowed_actions(p.status)
        for a in ("publish", "close_bidding", "award", "cancel"):
            if a in allowed:
                actions.append(a)
        if p.status == ProcurementStatus.EVALUATION:
            actions.insert(0, "evaluate")
    may_contract = buyer and p.status == ProcurementStatus.AWARDED and (
        not p.standstill_until or now >= p.standstill_until) and not p.challenges.filter(
        status=ChallengeStatus.PENDING).exists() and not p.contracts.exists()
    may_bid = user.role == Role.SUPPLIER and p.status == ProcurementStatus.TENDERING and (
        not p.bid_deadline or now <= p.bid_deadline)
    may_challenge = user.role == Role.SUPPLIER and (
        p.status == ProcurementStatus.TENDERING
        or (p.status in (ProcurementStatus.EVALUATION, ProcurementStatus.AWARDED)
            and own_bid is not None
            and (p.status != ProcurementStatus.AWARDED or not p.standstill_until
                 or now <= p.standstill_until)))
    return {
        "p": p,
        "needs": p.needs.select_related("department"),
        "findings": checks.localised(p.findings),
        "bids": bids if user.role != Role.SUPPLIER else [],
        "bid_count": p.bids.count(),
        "sealed": p.status in (ProcurementStatus.PLANNING, ProcurementStatus.TENDERING),
        "own_bid": own_bid,
        "awards": p.awards.select_related("supplier"),
        "challenges": Challenge.objects.visible_to(user).filter(procurement=p)
        .select_related("supplier"),
        "contracts": Contract.objects.visible_to(user).filter(procurement=p),
        "is_buyer": buyer,
        "actions": actions,
        "may_edit": buyer and p.status == ProcurementStatus.PLANNING,
        "may_bid": may_bid,
        "may_challenge": may_challenge,
        "may_contract": may_contract,
        "criteria": p.criteria,
    }


def contract_defaults(p: Procurement) -> dict:
    """Sensible defaults for the contract form from the procurement and its needs."""
    start = timezone.localdate() + dt.timedelta(days=1)
    need = p.needs.first()
    return {
        "title": p.title, "start_on": start,
        "end_on": start.replace(year=start.year + 1) - dt.timedelta(days=1),
        "content": need.description if need else p.description,
        "quantity": _("As specified in the procurement documents."),
        "quality": need.acceptance_criteria if need else "",
        "settlement": _("Paid by accepted milestone, adjusted by the service-effectiveness index."),
        "rights_obligations": _("As in the procurement documents and the bid."),
        "liability": _("Deductions and termination as the service-level terms provide."),
    }


def contract_page(user: User, c: Contract) -> dict:
    buyer = user.role == Role.PLATFORM_ADMIN or (
        user.role == Role.DEPARTMENT_OFFICER and user.organisation_id == c.buyer_id)
    return {
        "c": c,
        "items": c.items.all(),
        "package": checks.package_price(c),
        "milestones": c.milestones.all(),
        "payments": c.payments.select_related("milestone"),
        "amendments": c.amendments.select_related("by"),
        "renewals": c.renewals.all(),
        "findings": checks.contract_findings(c),
        "is_buyer": buyer,
        "actions": [a for a in CONTRACT_WORKFLOW.allowed_actions(c.status)] if buyer else [],
        "may_pay": user.role in (Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN),
        "may_renew": buyer and c.status in (ContractStatus.ACTIVE, ContractStatus.COMPLETED)
        and not c.renewals.exists(),
        "days_left": (c.end_on - timezone.localdate()).days,
    }


def dashboard_procurements(user: User) -> dict:
    qs = Procurement.objects.visible_to(user)
    counts = dict(qs.values_list("status").annotate(n=Count("id")))
    items = [{"label": ProcurementStatus(s).label, "value": counts.get(s, 0)}
             for s in (ProcurementStatus.PLANNING, ProcurementStatus.TENDERING,
                       ProcurementStatus.EVALUATION, ProcurementStatus.AWARDED,
                       ProcurementStatus.CONTRACTED)]
    return {"kind": "stats", "items": items, "url": "/procurement/"}


def dashboard_contracts(user: User) -> dict:
    qs = Contract.objects.visible_to(user).filter(status=ContractStatus.ACTIVE)
    today = timezone.localdate()
    total = qs.aggregate(s=Sum("amount_wan"))["s"] or 0
    expiring = qs.filter(end_on__lte=today + dt.timedelta(days=90)).count()
    return {"kind": "stats", "url": "/procurement/contracts/", "items": [
        {"label": _("Contracts in force"), "value": qs.count()},
        {"label": _("Amount in force (10k yuan)"), "value": int(total)},
        {"label": _("Ending within 90 days"), "value": expiring,
         "url": "/procurement/contracts/?status=active"},
    ]}


def dashboard_methods(user: User) -> dict:
    qs = Procurement.objects.visible_to(user).values("method").annotate(n=Count("id"))
    from .models import Method

    data = [{"name": str(Method(r["method"]).label), "value": r["n"]} for r in qs]
    return {"kind": "chart", "url": "/procurement/", "option": {
        "tooltip": {"trigger": "item"},
        "series": [{"type": "pie", "radius": ["40%", "70%"], "data": data}]}}
