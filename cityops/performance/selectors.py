"""Performance reads: a contract's SEI trend and drill-down, rankings, payments, risk, alerts."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Avg
from django.utils.translation import gettext as _

from cityops.core.lang import english
from cityops.core.models import Organisation, User
from cityops.core.roles import Role
from cityops.procurement.models import Contract, ContractStatus

from . import services
from .domain import sei as sei_rules
from .domain.errors import PerformanceInputError
from .domain.payment import DEFAULT_CURVE, RenewalDecision, renewal_decision
from .domain.risk import (
    DEFAULT_DEPOSIT_POLICY,
    LEGAL_DEPOSIT_CAP,
    RISK_LEVEL_LABELS,
    DepositRequirement,
    RiskLevel,
    deposit_requirement,
)
from .facts import kpis_of
from .models import Alert, Assessment, Measurement, PaymentStatus, PeriodPayment, SupplierRisk


def _pick(pair) -> str:
    """(zh, en) → the user's language."""
    return pair[1] if english() else pair[0]


def may_enter(user: User, contract: Contract) -> bool:
    """Manual entry: the owner department (and the platform admin)."""
    return user.role == Role.PLATFORM_ADMIN or (
        user.role == Role.DEPARTMENT_OFFICER and user.organisation_id == contract.buyer_id)


may_assess = may_enter


def may_upload(user: User) -> bool:
    return user.role in (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.SUPPLIER)


def contract_page(user: User, contract: Contract) -> dict:
    assessments = list(contract.assessments.select_related("payment").order_by("period"))
    kpis = list(contract.kpis.all())
    explanations = []
    for k in kpis_of(contract):
        zh, en = sei_rules.explain_normalisation(k)
        explanations.append({"code": k.code, "name": k.name_en if english() else k.name_zh,
                             "unit": k.unit_label("en" if english() else "zh"),
                             "direction": str(k.direction), "target": k.target,
                             "floor": k.floor, "limit": k.limit, "weight": k.weight,
                             "period": str(k.period), "text": en if english() else zh})
    measurements = Measurement.objects.filter(kpi__contract=contract).select_related(
        "kpi", "submitted_by").order_by("-period", "kpi__code")
    renewal = renewal_advice(contract)
    deposit = deposit_requirement_of(contract)
    return {
        "c": contract, "kpis": kpis, "explanations": explanations,
        "weighting_text": _pick(sei_rules.WEIGHTING_TEXT),
        "missing_text": _pick(sei_rules.MISSING_TEXT),
        "out_of_range_text": _pick(sei_rules.OUT_OF_RANGE_TEXT),
        "curve": payment_curve(),
        "assessments": assessments[::-1],
        "months": services.contract_months(contract),
        "base_per_month": services.base_per_month(contract),
        "measurements": measurements[:300],
        "measurement_count": measurements.count(),
        "alerts": Alert.objects.visible_to(user).filter(contract=contract)[:20],
        "renewal": renewal_view(renewal) if renewal else None,
        "deposit": deposit_view(deposit, contract) if deposit else None,
        "trend": sei_chart([a.period for a in assessments], [float(a.sei) for a in assessments]),
    }


def renewal_advice(contract: Contract) -> RenewalDecision | None:
    """The renewal decision the SEI history supports (None before three assessed months)."""
    history = list(contract.assessments.order_by("period").values_list("sei", flat=True))
    used = 0
    prev = contract.renewal_of
    while prev is not None:
        used += 1
        prev = prev.renewal_of
    try:
        return renewal_decision(history, contract.amount_wan, renewals_so_far=used)
    except PerformanceInputError:
        return None


def deposit_requirement_of(contract: Contract) -> DepositRequirement | None:
    """The deposit the supplier's latest risk index asks of this contract."""
    risk = SupplierRisk.objects.filter(supplier_id=contract.supplier_id).order_by(
        "-computed_at").first()
    if risk is None:
        return None
    return deposit_requirement(risk.index, contract.amount_wan)


def sei_chart(periods: list[str], values: list[float]) -> dict:
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"containLabel": True, "left": 8, "right": 16, "bottom": 8, "top": 24},
        "xAxis": {"type": "category", "data": periods},
        "yAxis": {"type": "value", "min": 0, "max": 100, "name": "SEI"},
        "series": [{"type": "line", "name": "SEI", "smooth": True, "data": values,
                    "markLine": {"silent": True, "symbol": "none", "data": [
                        {"yAxis": float(DEFAULT_CURVE.threshold), "name": _("full payment")},
                        {"yAxis": float(DEFAULT_CURVE.floor), "name": _("payment withheld")}]}}],
    }


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}%"


def payment_curve() -> dict:
    """The curve from SEI to the month's payment, as the contract page explains it."""
    bands = []
    for b in DEFAULT_CURVE.bands():
        sei = f"≥ {b['from']:f}" if b["to"] is None else f"< {b['to']:f}" if b["from"] == 0 \
            else f"{b['from']:f}–{b['to']:f}"
        share = _percent(b["share_from"]) if b["share_from"] == b["share_to"] else \
            f"{_percent(b['share_from'])} → {_percent(b['share_to'])}"
        bands.append({"sei": sei, "share": share})
    bonus = [{"sei": f"≥ {t:f}", "rate": _percent(r)} for t, r in DEFAULT_CURVE.bonus_tiers]
    return {"bands": bands, "bonus": bonus, "cap": _percent(DEFAULT_CURVE.bonus_cap_rate)}


def renewal_view(decision) -> dict:
    return {"label": _pick(decision.label), "decision": str(decision.decision),
            "amount_wan": decision.amount_wan, "current_amount_wan": decision.current_amount_wan,
            "mean": decision.mean, "recent_mean": decision.recent_mean, "slope": decision.slope,
            "reasons": [_pick((r.zh, r.en)) for r in decision.reasons]}


def deposit_view(req, contract: Contract) -> dict:
    held = contract.deposit_wan
    return {"ratio_percent": (req.ratio * 100).quantize(Decimal("0.1")),
            "amount_wan": req.amount_wan, "cap_wan": req.cap_wan, "held_wan": held,
            "gap_wan": max(Decimal(0), req.amount_wan - held),
            "insurance_required": req.insurance_required, "audit_required": req.audit_required,
            "reasons": [_pick(r) for r in req.reasons]}


def assessment_rows(assessment: Assessment) -> list[dict]:
    """The drill-down: every input of the SEI, in the user's language."""
    rows = []
    for k in assessment.detail.get("kpis", []):
        rows.append({**k, "name": k["name_en"] if english() else k["name_zh"]})
    return rows


def derivation(payment: PeriodPayment) -> list[str]:
    return [s["en"] if english() else s["zh"] for s in payment.derivation]


def contract_list(user: User):
    qs = Contract.objects.visible_to(user).exclude(status=ContractStatus.DRAFT).select_related(
        "supplier", "buyer").order_by("code")
    latest: dict[int, Assessment] = {}
    for a in Assessment.objects.filter(contract__in=qs).order_by("contract_id", "period"):
        latest[a.contract_id] = a
    return qs, latest


def supplier_ranking(user: User, last: int = 6) -> list[dict]:
    """Suppliers by the mean of their monthly SEI (averaged over their contracts) over their
    last ``last`` assessed months, with the change over those months."""
    contracts = Contract.objects.visible_to(user)
    rows = (Assessment.objects.filter(contract__in=contracts)
            .values_list("contract__supplier_id", "contract__supplier__name", "period", "sei"))
    by_supplier: dict[tuple, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for sid, name, period, sei in rows:
        by_supplier[(sid, name)][period].append(sei)
    out = []
    for (sid, name), by_period in by_supplier.items():
        recent = sorted(by_period)[-last:]
        means = [sum(by_period[p]) / len(by_period[p]) for p in recent]
        out.append({"supplier_id": sid, "name": name,
                    "sei": round(float(sum(means) / len(means)), 2), "months": len(by_period),
                    "trend": round(float(means[-1] - means[0]), 2) if len(means) > 1 else 0.0})
    return sorted(out, key=lambda r: (-r["sei"], r["name"]))


def payments_queue(user: User, status: str = ""):
    qs = PeriodPayment.objects.visible_to(user).select_related(
        "contract__supplier", "contract__buyer", "assessment")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("status", "-period", "contract__code")


def payment_totals(user: User) -> dict:
    qs = PeriodPayment.objects.visible_to(user)
    return {"computed": qs.filter(status=PaymentStatus.COMPUTED).count(),
            "approved": qs.filter(status=PaymentStatus.APPROVED).count(),
            "withheld": qs.filter(payable_wan=0).count()}


def risk_panel(user: User) -> list[SupplierRisk]:
    """Each visible supplier's latest risk computation, riskiest first."""
    latest: dict[int, SupplierRisk] = {}
    for r in SupplierRisk.objects.visible_to(user).select_related("supplier").order_by(
            "supplier_id", "-computed_at"):
        latest.setdefault(r.supplier_id, r)
    return sorted(latest.values(), key=lambda r: (-r.index, r.supplier.name))


def factor_rows(risk: SupplierRisk) -> list[dict]:
    return [{**f, "name": f["name_en"] if english() else f["name_zh"],
             "basis": f["basis_en"] if english() else f["basis_zh"]} for f in risk.factors]


def supplier_page(user: User, supplier: Organisation) -> dict:
    history = list(SupplierRisk.objects.visible_to(user).filter(supplier=supplier)
                   .order_by("computed_at"))
    latest = history[-1] if history else None
    contracts = Contract.objects.visible_to(user).filter(supplier=supplier).exclude(
        status=ContractStatus.DRAFT).order_by("code")
    return {
        "supplier": supplier, "latest": latest, "history": history[::-1],
        "factors": factor_rows(latest) if latest else [],
        "level_label": _pick(RISK_LEVEL_LABELS[RiskLevel(latest.level)]) if latest else "",
        "contracts": contracts,
        "chart": {
            "tooltip": {"trigger": "axis"},
            "grid": {"containLabel": True, "left": 8, "right": 16, "bottom": 8, "top": 24},
            "xAxis": {"type": "category",
                      "data": [r.computed_at.strftime("%Y-%m-%d") for r in history]},
            "yAxis": {"type": "value", "min": 0, "max": 100, "name": _("risk index")},
            "series": [{"type": "line", "name": _("risk index"),
                        "data": [float(r.index) for r in history]}]},
        "tiers": [{"from": lo, "percent": (ratio * 100).quantize(Decimal("0.1"))}
                  for lo, ratio in DEFAULT_DEPOSIT_POLICY.tiers],
        "cap_percent": int(LEGAL_DEPOSIT_CAP * 100),
    }


def level_label(level: str) -> str:
    try:
        return _pick(RISK_LEVEL_LABELS[RiskLevel(level)])
    except ValueError:
        return level


def alerts_for(user: User, state: str = "open"):
    qs = Alert.objects.visible_to(user).select_related("contract", "supplier")
    if state == "open":
        qs = qs.filter(resolved_at__isnull=True)
    return qs


# -- dashboard widgets ---------------------------------------------------------------------------


def dashboard_sei(user: User) -> dict:
    contracts = Contract.objects.visible_to(user)
    rows = list(Assessment.objects.filter(contract__in=contracts).values("period")
                .annotate(mean=Avg("sei")).order_by("period"))[-24:]
    return {"kind": "chart", "url": "/performance/", "height": 220, "option": {
        "tooltip": {"trigger": "axis"},
        "grid": {"containLabel": True, "left": 8, "right": 16, "bottom": 8, "top": 16},
        "xAxis": {"type": "category", "data": [r["period"] for r in rows]},
        "yAxis": {"type": "value", "min": 0, "max": 100},
        "series": [{"type": "line", "name": _("mean SEI"),
                    "data": [round(float(r["mean"]), 1) for r in rows]}]}}


def dashboard_alerts(user: User) -> dict:
    en = english()
    alerts = alerts_for(user)[:8]
    return {"kind": "table", "url": "/performance/alerts/",
            "columns": [_("time"), _("alert")],
            "rows": [[a.created_at.strftime("%Y-%m-%d"), a.message_en if en else a.message_zh]
                     for a in alerts], "empty": _("No open alerts.")}


def dashboard_risk(user: User) -> dict:
    rows = risk_panel(user)[:8]
    return {"kind": "table", "url": "/performance/risk/",
            "columns": [_("supplier"), _("risk index"), _("deposit ratio")],
            "rows": [[r.supplier.name, str(r.index), f"{r.deposit_ratio * 100:.1f}%"]
                     for r in rows], "empty": _("No risk computed yet.")}
