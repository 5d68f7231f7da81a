"""Demand reads: need lists, matching for a need, duplicates, the demand-response cycle."""

from __future__ import annotations

import statistics
from collections import defaultdict

from django.db.models import Q
from django.utils.translation import gettext as _

from cityops.core.models import Organisation, User
from cityops.core.roles import Role

from .models import DuplicateFlag, DuplicateStatus, Need, NeedStatus, SupplierProfile


def need_list(user: User, *, q: str = "", department=None, status: str = "",
              category: str = ""):
    qs = Need.objects.visible_to(user).select_related("department")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(code__icontains=q) | Q(tags__icontains=q)
                       | Q(description__icontains=q))
    if department:
        qs = qs.filter(department=department)
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category=category)
    return qs


def supplier_ranking(need: Need, *, top: int = 10):
    """Suppliers ranked for a need, each with why (terms, tags) and its hard checks."""
    from .facts import need_text, supplier_capabilities
    from .matching.rank import rank_suppliers

    suppliers = supplier_capabilities()
    names = dict(Organisation.objects.filter(kind="supplier").values_list("pk", "name"))
    matches = rank_suppliers(need_text(need), suppliers, top=top)
    return [{"match": m, "supplier_id": int(m.supplier_id), "name": names.get(int(m.supplier_id))}
            for m in matches]


def duplicate_flags(user: User, status: str = DuplicateStatus.OPEN):
    qs = DuplicateFlag.objects.visible_to(user).select_related(
        "need_a__department", "need_b__department")
    return qs.filter(status=status) if status else qs


def duplicates_for(user: User, need: Need):
    qs = DuplicateFlag.objects.visible_to(user).filter(Q(need_a=need) | Q(need_b=need))
    return qs.select_related("need_a__department", "need_b__department")


def profile_for(user: User) -> SupplierProfile | None:
    if user.role != Role.SUPPLIER:
        return None
    return SupplierProfile.objects.filter(supplier_id=user.organisation_id).first()


# -- demand-response cycle -------------------------------------------------------------------


def response_cycles(user: User | None = None) -> list[dict]:
    """Days from a need filed (submitted) to its contract signed, per fulfilled need."""
    from cityops.procurement.models import Contract, ContractStatus

    needs = Need.objects.filter(status=NeedStatus.FULFILLED, submitted_at__isnull=False)
    if user is not None and user.role == Role.DEPARTMENT_OFFICER:
        needs = needs.filter(department_id=user.organisation_id)
    signed: dict[int, object] = {}
    contracts = Contract.objects.exclude(status=ContractStatus.DRAFT).filter(
        signed_at__isnull=False, procurement__needs__in=needs).values_list(
        "procurement__needs", "signed_at")
    for need_id, at in contracts:
        if need_id not in signed or at < signed[need_id]:
            signed[need_id] = at
    result = []
    for need in needs.select_related("department"):
        at = signed.get(need.pk)
        if at is None:
            continue
        result.append({"need": need.code, "department": need.department.short_name
                       or need.department.name, "department_id": need.department_id,
                       "submitted": need.submitted_at, "signed": at,
                       "days": (at - need.submitted_at).total_seconds() / 86400})
    return result


def response_cycle_summary(user: User | None = None) -> dict:
    cycles = response_cycles(user)
    by_dept: dict[str, list[float]] = defaultdict(list)
    by_half: dict[str, list[float]] = defaultdict(list)
    for c in cycles:
        by_dept[c["department"]].append(c["days"])
        half = f"{c['submitted'].year}H{1 if c['submitted'].month <= 6 else 2}"
        by_half[half].append(c["days"])
    overall = statistics.median([c["days"] for c in cycles]) if cycles else None
    return {
        "count": len(cycles),
        "median_days": overall,
        "departments": sorted(
            ({"department": d, "median_days": statistics.median(v), "count": len(v)}
             for d, v in by_dept.items()), key=lambda r: -r["median_days"]),
        "periods": [{"period": k, "median_days": statistics.median(v), "count": len(v)}
                    for k, v in sorted(by_half.items())],
    }


def dashboard_response_cycle(user: User) -> dict:
    s = response_cycle_summary(user)
    if not s["count"]:
        return {"kind": "stats", "items": [{"label": _("Needs fulfilled"), "value": 0}]}
    return {
        "kind": "chart",
        "url": "/demand/cycle/",
        "caption": _("%(n)s needs from filing to signed contract; median %(days).0f days") % {
            "n": s["count"], "days": s["median_days"]},
        "option": {
            "tooltip": {"trigger": "axis"},
            "legend": {},
            "grid": {"containLabel": True, "left": 8, "right": 16, "bottom": 8},
            "xAxis": {"type": "category", "data": [p["period"] for p in s["periods"]]},
            "yAxis": {"type": "value", "name": _("days (median)")},
            "series": [{"type": "bar", "name": _("demand-response cycle (days)"),
                        "data": [round(p["median_days"], 1) for p in s["periods"]],
                        "label": {"show": True}}],
        },
    }


def dashboard_cycle_by_department(user: User) -> dict:
    s = response_cycle_summary(user)
    rows = s["departments"][:15]
    return {
        "kind": "chart",
        "option": {
            "tooltip": {"trigger": "axis"},
            "grid": {"containLabel": True, "left": 8, "right": 16, "bottom": 8},
            "xAxis": {"type": "value", "name": _("days")},
            "yAxis": {"type": "category", "data": [r["department"] for r in rows][::-1]},
            "series": [{"type": "bar", "data": [round(r["median_days"], 1)
                                                for r in rows][::-1]}],
        },
    }


def dashboard_needs(user: User) -> dict:
    qs = Need.objects.visible_to(user)
    counts = {s: qs.filter(status=s).count() for s in NeedStatus.values}
    stats = [{"label": NeedStatus(s).label, "value": counts[s]}
             for s in (NeedStatus.SUBMITTED, NeedStatus.APPROVED, NeedStatus.IN_PROCUREMENT,
                       NeedStatus.FULFILLED)]
    if user.role in (Role.PLATFORM_ADMIN, Role.AUDITOR):
        stats.append({"label": _("Possible duplicates"),
                      "value": DuplicateFlag.objects.filter(status=DuplicateStatus.OPEN).count(),
                      "url": "/demand/duplicates/"})
    return {"kind": "stats", "items": stats, "url": "/demand/needs/"}


def match_as_dict(row: dict) -> dict:
    """One ranked supplier as plain JSON (API, tests)."""
    m = row["match"]
    return {
        "supplier": row["supplier_id"], "name": row["name"],
        "score": round(float(m.score), 2), "passed": bool(m.eligible),
        "matched_terms": [t.term for t in m.matched_terms],
        "matched_tags": list(m.matched_tags),
        "requirements": [{"code": r.code, "passed": r.passed, "message_zh": r.message_zh,
                          "message_en": r.message_en} for r in m.requirements],
    }
