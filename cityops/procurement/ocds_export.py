"""Rows → OCDS 1.1.5 (procurement/domain/ocds.py builds and validates the JSON).

Every procurement past planning publishes its releases; a plan is published as a planning
release too (OCDS planning stage). Bid prices of losing bidders are never published: the
award carries the winner and the tenderers are listed once awarded.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .domain import ocds
from .models import Category, ChallengeStatus, ContractStatus, Procurement, ProcurementStatus

CLASSIFICATION = {"infrastructure": ("C0301", "信息系统基础设施服务"),
                  "data": ("C1605", "数据处理服务"), "system": ("C1601", "软件开发与运维服务"),
                  "portal": ("C1601", "软件开发与运维服务"),
                  "security": ("C1607", "信息安全服务")}


def _org(o) -> ocds.Organisation:
    return ocds.Organisation(name=o.name, uscc=o.uscc, region=o.region_code)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0)))


def process(p: Procurement) -> ocds.ContractingProcess:
    needs = list(p.needs.all())
    items = tuple(ocds.Item(id=n.code, description=n.title,
                            classification_code=CLASSIFICATION.get(n.category, ("C16", ""))[0],
                            classification_description=CLASSIFICATION.get(
                                n.category, ("", "信息技术服务"))[1],
                            quantity=None, unit_name="项") for n in needs)
    planning = ocds.Planning(date=p.created_at, budget_amount_wan=p.estimated_amount_wan,
                             rationale="；".join(n.title for n in needs) or p.title,
                             budget_id=f"{p.budget_year}", project=p.title, needs=items)
    tender = None
    if p.published_at:
        criteria = "；".join(f"{c['name']} {round(float(c['weight']) * 100)}%"
                            for c in p.criteria)
        challenges = tuple(
            ocds.Challenge(id=f"CH-{ch.pk}", date=ch.filed_at, supplier=_org(ch.supplier),
                           grounds=ch.grounds,
                           outcome="" if ch.status == ChallengeStatus.PENDING else ch.status,
                           outcome_description=ch.outcome, decided_at=ch.decided_at)
            for ch in p.challenges.select_related("supplier").order_by("filed_at"))
        awarded = p.status in (ProcurementStatus.AWARDED, ProcurementStatus.CONTRACTED) or \
            p.awards.exists()
        tenderers = tuple(_org(b.supplier) for b in p.bids.select_related("supplier")) \
            if awarded else ()
        tender = ocds.Tender(
            id=p.code, title=p.title, date=p.published_at, method=ocds.Method(p.method),
            category=ocds.Category(Category(p.category)), value_wan=p.estimated_amount_wan,
            tender_start=p.published_at, tender_end=p.bid_deadline or p.published_at,
            description=p.description, items=items, evaluation=p.evaluation_method,
            award_criteria_details=(f"价格 {round(float(p.price_weight) * 100)}%；{criteria}"
                                    if p.evaluation_method == "comprehensive" else "最低评标价法"),
            method_rationale=", ".join(p.justification_list), challenges=challenges,
            tenderers=tenderers,
            cancelled_at=p.cancelled_at, cancellation_reason=p.cancel_reason)
    awards = tuple(
        ocds.Award(id=f"AW-{a.pk}", date=a.awarded_at, value_wan=a.amount_wan,
                   suppliers=(_org(a.supplier),), title=p.title,
                   cancelled_at=None if a.active else (p.cancelled_at or a.awarded_at),
                   cancellation_reason=a.revoked_reason)
        for a in p.awards.select_related("supplier").order_by("awarded_at"))
    contracts = []
    for c in p.contracts.exclude(status=ContractStatus.DRAFT).prefetch_related(
            "milestones", "payments", "amendments"):
        contracts.append(ocds.Contract(
            id=c.code, award_id=f"AW-{c.award_id}", title=c.title, date_signed=c.signed_at,
            start=c.start_on, end=c.end_on, value_wan=c.amount_wan, description=c.content[:500],
            milestones=tuple(ocds.ContractMilestone(id=f"MS-{m.pk}", title=m.title,
                                                    due_date=m.due_on, met_on=m.accepted_on,
                                                    description="")
                             for m in c.milestones.all()),
            payments=tuple(ocds.Payment(id=f"PAY-{pay.pk}", date=_start_of(pay.paid_on),
                                        amount_wan=pay.amount_wan)
                           for pay in c.payments.all() if pay.paid_on),
            amendments=tuple(ocds.ContractAmendment(id=f"AM-{a.pk}", date=a.at,
                                                    rationale=a.reason,
                                                    new_value_wan=a.amount_after,
                                                    new_end=a.end_after)
                             for a in c.amendments.all()),
            closed_at=c.closed_at))
    return ocds.ContractingProcess(ocid=p.ocid, buyer=_org(p.buyer), planning=planning,
                                   tender=tender, awards=awards, contracts=tuple(contracts))


def _publisher() -> ocds.Publisher:
    from cityops.core.models import City

    city = City.current()
    return ocds.Publisher(name=f"{city.name if city else ''}{settings.OCDS_PUBLISHER}")


def _processes(qs=None):
    qs = qs if qs is not None else Procurement.objects.all()
    return qs.select_related("buyer").prefetch_related("needs").order_by("code")


def release_package(uri: str, qs=None) -> dict:
    return ocds.release_package_for([process(p) for p in _processes(qs)], uri, timezone.now(),
                                    _publisher())


def record_package(ocid: str, uri: str) -> dict | None:
    prefix = f"{settings.OCDS_PREFIX}-"
    if not ocid.startswith(prefix):
        return None
    p = Procurement.objects.filter(code=ocid[len(prefix):]).first()
    if p is None:
        return None
    return ocds.record_package_for([process(p)], uri, timezone.now(), _publisher())


def export(path: Path, *, progress=None, validate: bool = True) -> dict:
    """Write one release package of every process to ``path``; validate it offline.
    Returns counts and the validation errors (none expected)."""
    from .domain.ocds_validate import validate_release_package

    qs = _processes()
    total = qs.count()
    processes = []
    for n, p in enumerate(qs.iterator(chunk_size=500), 1):
        processes.append(process(p))
        if progress:
            progress(n, total)
    package = ocds.release_package_for(processes, path.resolve().as_uri(), timezone.now(),
                                       _publisher())
    errors = validate_release_package(package) if validate else []
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    return {"processes": total, "releases": len(package["releases"]), "errors": errors[:20],
            "path": str(path)}


def export_job(job, progress) -> dict:
    from cityops.core.services import exports_dir

    path = exports_dir() / f"ocds-{timezone.localdate():%Y%m%d}-{str(job.pk)[:8]}.json"
    result = export(path, progress=progress)
    job.result_file = str(path)
    job.save(update_fields=["result_file"])
    return {k: v for k, v in result.items() if k != "path"}
