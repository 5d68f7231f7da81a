"""Rows → the pure procurement rules (procurement/domain) and back.

Findings are stored and shown as plain dicts: code, severity (block/warn), both languages,
the article cited, and ``message`` in the language of the request.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityops.core.lang import english

from .domain import ProcurementInputError, rules, scoring
from .domain import contracts as contract_rules
from .models import (
    Bid,
    Contract,
    ContractStatus,
    EvaluationMethod,
    Method,
    Procurement,
    ProcurementStatus,
)

# Government-procurement catalogue codes (政府采购品目分类目录) by what is bought: the split
# check compares purchases of the same kind of object.
CATALOGUE_CODE = {"infrastructure": "C0301", "data": "C1605", "system": "C1601",
                  "portal": "C1601", "security": "C1607"}


def _as_validation_error(exc: ProcurementInputError) -> ValidationError:
    return ValidationError({exc.field.split(".")[0].split("[")[0] or "__all__":
                            exc.en if english() else exc.zh})


def finding_dict(f) -> dict:
    return {"code": f.code, "severity": str(f.severity), "message_zh": f.message_zh,
            "message_en": f.message_en, "message": f.message_en if english() else f.message_zh,
            "article": str(f.citation)}


def localised(findings: list[dict]) -> list[dict]:
    in_english = english()
    return [{**f, "message": f.get("message_en") if in_english else f.get("message_zh")}
            for f in findings]


# -- method and splitting -----------------------------------------------------------------------


def _tags_of(p: Procurement, needs) -> frozenset[str]:
    tags = set()
    for n in needs:
        tags |= set(n.tag_list)
    return frozenset(tags)


def procurement_facts(p: Procurement, needs=None) -> rules.ProcurementFacts:
    needs = list(needs if needs is not None else (p.needs.all() if p.pk else []))
    objects = {n.category for n in needs}
    code = CATALOGUE_CODE.get(next(iter(objects)), "C16") if len(objects) == 1 else "C16"
    day = (p.created_at or timezone.now()).date()
    related = []
    others = Procurement.objects.filter(buyer_id=p.buyer_id, budget_year=p.budget_year).exclude(
        status=ProcurementStatus.CANCELLED)
    if p.pk:
        others = others.exclude(pk=p.pk)
    for o in others.prefetch_related("needs"):
        o_needs = list(o.needs.all())
        o_objects = {n.category for n in o_needs}
        related.append(rules.RelatedPurchase(
            subject=o.title, amount_wan=o.estimated_amount_wan, date=o.created_at.date(),
            category_code=CATALOGUE_CODE.get(next(iter(o_objects)), "C16")
            if len(o_objects) == 1 else "C16",
            tags=_tags_of(o, o_needs), method=rules.Method(o.method),
            budget_year=o.budget_year, reference=o.code))
    original = previous = None
    if p.original_contract_id:
        oc = p.original_contract
        original = oc.amount_wan
        previous = sum((f.estimated_amount_wan for f in oc.follow_ons.exclude(
            status=ProcurementStatus.CANCELLED).exclude(pk=p.pk)), Decimal(0))
    return rules.ProcurementFacts(
        category=rules.Category(p.category), estimated_amount_wan=p.estimated_amount_wan,
        method=rules.Method(p.method), date=day, subject=p.title, category_code=code,
        tags=_tags_of(p, needs), justifications=frozenset(p.justification_list),
        budget_year=p.budget_year, original_contract_amount_wan=original,
        previous_follow_ons_wan=previous or Decimal(0), related_purchases=tuple(related))


def method_findings(p: Procurement, needs=None) -> list[dict]:
    try:
        return [finding_dict(f) for f in rules.check_method(procurement_facts(p, needs))]
    except ProcurementInputError as exc:
        raise _as_validation_error(exc) from None


def allowed_methods(p: Procurement) -> list[dict]:
    in_english = english()
    return [{"method": str(a.method), "label": Method(str(a.method)).label,
             "reason": a.reason_en if in_english else a.reason_zh, "article": str(a.citation)}
            for a in rules.allowed_methods(procurement_facts(p))]


# -- evaluation ---------------------------------------------------------------------------------


def _config(p: Procurement) -> scoring.EvaluationConfig:
    return scoring.EvaluationConfig(
        method=scoring.EvaluationMethod(p.evaluation_method),
        category=rules.Category(p.category),
        price_weight=Decimal(p.price_weight),
        criteria=tuple(scoring.Criterion(key=c["key"], name_zh=c["name"],
                                         name_en=c.get("name_en", c["name"]),
                                         weight=Decimal(str(c["weight"])),
                                         max_points=Decimal(100))
                       for c in (p.criteria if p.evaluation_method ==
                                 EvaluationMethod.COMPREHENSIVE else [])),
        budget_ceiling_wan=p.estimated_amount_wan,
        deadline=p.bid_deadline,
    )


def check_evaluation_setup(p: Procurement) -> None:
    """Refuses to publish a notice whose scoring cannot work (price-weight floor, weights)."""
    try:
        scoring.validate_config(_config(p))
    except ProcurementInputError as exc:
        raise _as_validation_error(exc) from None


def check_technical_scores(p: Procurement, scores: dict) -> None:
    keys = {c["key"] for c in p.criteria}
    unknown = set(scores) - keys
    missing = keys - set(scores)
    if unknown or missing:
        raise ValidationError({"technical_scores": (
            f"unknown: {', '.join(sorted(unknown))}; " if unknown else "")
            + (f"missing: {', '.join(sorted(missing))}" if missing else "")})
    for key, value in scores.items():
        if not 0 <= float(value) <= 100:
            raise ValidationError({"technical_scores": f"{key}: 0–100"})


def _bid_facts(b: Bid) -> scoring.BidFacts:
    scores = {"panel": {k: Decimal(str(v)) for k, v in b.technical_scores.items()}} \
        if b.technical_scores else {}
    return scoring.BidFacts(bid_id=str(b.pk), supplier=b.supplier.name, price_wan=b.price_wan,
                            submitted_at=b.submitted_at, scores=scores)


def validate_bids(p: Procurement) -> None:
    """At closing: mark bids over the ceiling or late as invalid, with the reason."""
    config = _config(p)
    for b in p.bids.select_related("supplier"):
        exclusions = scoring.exclusions(config, _bid_facts(b))
        b.valid = not exclusions
        b.invalid_reason = "；".join(
            (e.reason_en if english() else e.reason_zh) for e in exclusions)[:300]
        b.save(update_fields=["valid", "invalid_reason"])


def score_bids(p: Procurement) -> list[Bid]:
    """Evaluate every bid by the procurement's method; store score, rank and derivation."""
    bids = list(p.bids.select_related("supplier"))
    facts = [_bid_facts(b) for b in bids]
    if p.evaluation_method == EvaluationMethod.COMPREHENSIVE and p.criteria:
        unscored = [b for b in bids if not b.technical_scores]
        if unscored:
            raise ValidationError({"technical_scores": [
                f"{b.supplier.name}: no technical points entered" if english() else
                f"{b.supplier.name}：尚未录入技术评分" for b in unscored]})
    try:
        evaluation = scoring.evaluate(_config(p), facts)
    except ProcurementInputError as exc:
        raise _as_validation_error(exc) from None
    in_english = english()
    by_id = {str(b.pk): b for b in bids}
    for r in evaluation.results:
        b = by_id[r.bid_id]
        b.valid = r.valid
        b.invalid_reason = "；".join(e.reason_en if in_english else e.reason_zh
                                    for e in r.exclusions)[:300]
        b.score = r.total_score
        b.rank = r.rank
        b.derivation = [f"{s.label_en if in_english else s.label_zh}: "
                        f"{s.formula_en if in_english else s.formula_zh}" for s in r.derivation]
        b.save(update_fields=["valid", "invalid_reason", "score", "rank", "derivation"])
    return sorted(bids, key=lambda b: (b.rank is None, b.rank or 0, b.price_wan))


# -- contracts ----------------------------------------------------------------------------------

CONTENT_FIELDS = {"content": "content", "quantity": "quantity", "quality": "quality",
                  "settlement": "settlement", "rights": "rights_obligations",
                  "liability": "liability"}


def contract_facts(c: Contract) -> contract_rules.ContractFacts:
    present = {code for code, name in CONTENT_FIELDS.items() if (getattr(c, name) or "").strip()}
    present |= {"term", "price"}  # the model requires both
    used = 0
    prev = c.renewal_of
    while prev is not None:
        used += 1
        prev = prev.renewal_of
    return contract_rules.ContractFacts(
        contract_id=c.code or "new", title=c.title, amount_wan=c.amount_wan,
        start_on=c.start_on, end_on=c.end_on, owner=str(c.buyer_id), supplier=str(c.supplier_id),
        signed_on=c.signed_at.date() if c.signed_at else None,
        renewals_max=c.renewals_max, renewals_used=used,
        content_fixed=c.content_fixed, continuity_strong=c.continuity_strong,
        funding_stable=c.funding_stable, prices_stable=c.prices_stable,
        contents=frozenset(present), deposit_wan=c.deposit_wan,
        active=c.status == ContractStatus.ACTIVE)


def _chain_term_years(c: Contract) -> Decimal:
    """The years of all earlier contracts of a renewal chain (art. 24's 3 years is a total)."""
    years = Decimal(0)
    prev = c.renewal_of
    while prev is not None:
        years += contract_rules.term_years(prev.start_on, prev.end_on)
        prev = prev.renewal_of
    return years


def contract_findings(c: Contract, items=(), milestones=()) -> list[dict]:
    try:
        findings = [finding_dict(f) for f in contract_rules.check_contract(contract_facts(c))]
        earlier = _chain_term_years(c)
        if earlier:
            total = earlier + contract_rules.term_years(c.start_on, c.end_on)
            findings += [finding_dict(f) for f in contract_rules.check_term(
                contract_rules.TermFacts(
                    term_years=total, content_fixed=c.content_fixed,
                    continuity_strong=c.continuity_strong, funding_stable=c.funding_stable,
                    prices_stable=c.prices_stable))]
    except ProcurementInputError as exc:
        raise _as_validation_error(exc) from None
    shares = [Decimal(str(m["share"] if isinstance(m, dict) else m.share))
              for m in (milestones or (c.milestones.all() if c.pk else []))]
    if shares and sum(shares) != 1:
        findings.append({"code": "milestone_shares", "severity": "block",
                         "message_zh": f"各里程碑付款比例之和为 {sum(shares)}，应为 1。",
                         "message_en": f"The milestones' payment shares sum to {sum(shares)}, "
                                       "not 1.", "article": "", "message": ""})
    return localised(findings)


def amendment_findings(c: Contract, *, original_amount: Decimal, amount_before: Decimal,
                       end_before: dt.date, reason: str) -> list[dict]:
    """Findings against an amendment: ``c`` carries the new amount and end date; the
    original (signed) amount is what the 10% cap of 政府采购法 art. 49 is measured against."""
    facts = contract_facts(c)
    facts = contract_rules.ContractFacts(**{**facts.__dict__, "amount_wan": original_amount})
    amendment = contract_rules.AmendmentFacts(
        reason=reason, amount_before_wan=amount_before, amount_after_wan=c.amount_wan,
        end_before=end_before, end_after=c.end_on)
    try:
        return localised([finding_dict(f) for f in
                          contract_rules.check_amendment(facts, amendment)])
    except ProcurementInputError as exc:
        raise _as_validation_error(exc) from None


def package_price(c: Contract) -> str:
    """The service package's price per period (base + value-added), as text for the page."""
    items = list(c.items.all())
    if not items:
        return ""
    base = tuple(contract_rules.BaseService(key=f"b{i.pk}", name_zh=i.name,
                                            price_per_period_wan=i.unit_price_wan * i.quantity)
                 for i in items if i.tier == "base")
    value_added = []
    quantities = {}
    for i in items:
        if i.tier != "value_added":
            continue
        bands = tuple(contract_rules.PriceBand(Decimal(str(b["from"])),
                                               Decimal(str(b["unit_price_wan"])))
                      for b in (i.bands or [])) or (
            contract_rules.PriceBand(Decimal(0), i.unit_price_wan),)
        value_added.append(contract_rules.ValueAddedService(key=f"v{i.pk}", name_zh=i.name,
                                                            bands=bands, unit_zh=i.unit))
        quantities[f"v{i.pk}"] = i.quantity
    package = contract_rules.ServicePackage(name_zh=c.title, base=base,
                                            value_added=tuple(value_added))
    try:
        period = contract_rules.price_period(package, quantities)
    except ProcurementInputError as exc:
        return exc.en if english() else exc.zh
    return (f"{period.base_wan} + {period.value_added_wan} = {period.total_wan}")


def contracts_to_remind(today: dt.date):
    """(contract, threshold days) for each reminder due today (90/30/7 days before the end)."""
    active = list(Contract.objects.filter(status=ContractStatus.ACTIVE,
                                          end_on__gte=today,
                                          end_on__lte=today + dt.timedelta(days=90)))
    by_code = {c.code: c for c in active}
    due = contract_rules.reminders([contract_facts(c) for c in active], today)
    return [(by_code[r.contract_id], r.threshold_days) for r in due]
