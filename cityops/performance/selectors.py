"""Performance reads: a contract's SEI trend and drill-down, rankings, payments, risk."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Avg
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cityops.core.models import User
from cityops.core.roles import Role
from cityops.procurement.models import Contract

from .domain.sei import explain_normalisation
from .facts import kpis_of
from .models import Alert, Assessment, Measurement, PeriodPayment, SupplierRisk


def _en() -> bool:
    return (get_language() or "zh-hans").startswith("en")


def contract_page(user: User, contract: Contract) -> dict:
    assessments = list(contract.assessments.order_by("period"))
    kpis = list(contract.kpis.all())
    explanations = []
    for k in kpis_of(contract):
        zh, en = explain_normalisation(k)
        explanations.append({"code": k.code, "name": k.name_en if _en() else k.name_zh,
                             "weight": k.weight, "text": en if _en() else zh})
    measurements = Measurement.objects.filter(kpi__contract=contract).select_related(
        "kpi", "submitted_by").order_by("-period", "kpi__code")
    return {
        "c": contract, "kpis": kpis, "explanations": explanations,
        "assessments": assessments[::-1],
        "measurements": measurements[:200],
        "payments": PeriodPayment.objects.filter(contract=contract).order_by("-period"),
        "alerts": Alert.objects.visible_to(user).filter(contract=contract)[:20],
        "trend": {
            "tooltip": {"trigger": "axis"},
            "grid": {"containLabel": True, "left": 8, "right": 16, "bottom": 8},
            "xAxis": {"type": "category", "data": [a.period for a in assessments]},
            "yAxis": {"type": "value", "min": 0, "max": 100, "name": "SEI"},
            "series": [{"type": "line", "name": "SEI", "smooth": True,
                        "data": [float(a.sei) for a in assessments],
                        "markLine": {"data": [{"yAxis": 90, "name": _("full payment")}]}}],
        },
    }


def assessment_detail(assessment: Assessment) -> list[dict]:
    en = _en()
    rows = []
    for k in assessment.detail.get("kpis", []):
        rows.append({**k, "name": k["name_en"] if en else k["name_zh"]})
    return rows


def supplier_ranking(user: User, last: int = 6) -> list[dict]:
    """Suppliers by mean SEI of their contracts' last ``last`` assessed months."""
    contracts = Contract.objects.visible_to(user)
    rows = (Assessment.objects.filter(contract__in=contracts)
            .values("contract__supplier__name", "contract__supplier_id", "period", "sei"))
    by_supplier: dict[tuple, dict[str, list[Decimal]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        key = (r["contract__supplier_id"], r["contract__supplier__name"])
        by_supplier[key][r["period"]].append(r["sei"])
    out = []
    for (sid, name), periods in by_supplier.items():
        recent = sorted(periods)[-last:]
        means = [sum(periods[p]) / len(periods[p]) for p in recent]
        out.append({"supplier_id": sid, "name": name,
                    "sei": round(float(sum(means) / len(means)), 2), "periods": len(periods),
                    "trend": round(float(means[-1] - means[0]), 2) if len(means) > 1 else 0.0})
    return sorted(out, key=lambda r: -r["sei"])


def payments_queue(user: User):
    return PeriodPayment.objects.filter(
        contract__in=Contract.objects.visible_to(user)).select_related(
        "contract__supplier", "contract__buyer").order_by("status", "-period")


def risk_panel(user: User) -> list[SupplierRisk]:
    latest = {}
    for r in SupplierRisk.objects.visible_to(user).select_related("supplier").order_by(
            "supplier_id", "-computed_at"):
        latest.setdefault(r.supplier_id, r)
    return sorted(latest.values(), key=lambda r: -r.index)


def dashboard_sei(user: User) -> dict:
    contracts = Contract.objects.visible_to(user)
    rows = (Assessment.objects.filter(contract__in=contracts).values("period")
            .annotate(mean=Avg("sei")).order_by("period"))
    rows = list(rows)[-24:]
    return {"kind": "chart", "url": "/performance/", "option": {
        "tooltip": {"trigger": "axis"},
        "grid": {"containLabel": True, "left": 8, "right": 16, "bottom": 8},
        "xAxis": {"type": "category", "data": [r["period"] for r in rows]},
        "yAxis": {"type": "value", "min": 0, "max": 100},
        "series": [{"type": "line", "name": _("mean SEI"),
                    "data": [round(float(r["mean"]), 1) for r in rows]}]}}


def dashboard_alerts(user: User) -> dict:
    en = _en()
    alerts = Alert.objects.visible_to(user).filter(resolved_at__isnull=True)[:8]
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


def may_enter(user: User, contract: Contract) -> bool:
    return user.role == Role.PLATFORM_ADMIN or (
        user.role == Role.DEPARTMENT_OFFICER and user.organisation_id == contract.buyer_id) or (
        user.role == Role.SUPPLIER and user.organisation_id == contract.supplier_id)
