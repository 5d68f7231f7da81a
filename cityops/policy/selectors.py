"""Policy reads that are more than a one-line query: the registry as the engine's frame, the
parsed rules of stored policies, rules and near misses in words, coverage, the cascade."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

import polars as pl
from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cityops.core import regions
from cityops.core.models import City

from .engine import attributes as A
from .engine import cascade as engine_cascade
from .engine.explain import explain, format_value
from .engine.language import BENEFIT_KIND_LABELS, policy_parse
from .engine.language import Policy as RulePolicy
from .engine.registry import REGISTRY_SCHEMA
from .models import Enterprise, Level, MatchRun, Policy, PolicyMatch, PolicyStatus

MODEL_COLUMNS = ("uscc", "name", "region_code", "industry_code")


def lang() -> str:
    """The engine's language code for the request's language."""
    return "en" if (get_language() or "").startswith("en") else "zh"


# -- the rules of stored policies -----------------------------------------------------------


@lru_cache(maxsize=8192)
def parse_source(source: str) -> RulePolicy:
    """The parsed rule text (pure and deterministic, so cached by the text itself)."""
    return policy_parse(source)


def rule_policy(policy: Policy, *, id_as: str = "pk") -> RulePolicy:
    """The engine's Policy of a stored policy, its id the row's pk (for matching) or its 文号
    (for the conflict review, whose findings name policies)."""
    parsed = parse_source(policy.source)
    new_id = str(policy.pk) if id_as == "pk" else policy.doc_number
    return dataclasses.replace(parsed, id=new_id)


def policies_in_effect(as_of: dt.date, *, exclude: Iterable[int] = ()) -> list[Policy]:
    """Policies in force whose effective period includes ``as_of``."""
    return list(
        Policy.objects.filter(status=PolicyStatus.IN_FORCE, effective_from__lte=as_of)
        .filter(Q(effective_to__isnull=True) | Q(effective_to__gte=as_of))
        .exclude(pk__in=list(exclude)).order_by("pk")
    )


# -- the registry ------------------------------------------------------------------------------


def enterprise_profile(enterprise: Enterprise) -> dict:
    """One enterprise's registry values, as the engine reads a profile."""
    profile = dict(enterprise.attributes or {})
    profile.update({name: getattr(enterprise, name) for name in MODEL_COLUMNS})
    founded = profile.get("founded_on")
    if isinstance(founded, str):
        profile["founded_on"] = A.date_value(founded)
    return profile


def registry_frame(queryset=None) -> tuple[pl.DataFrame, list[int]]:
    """The enterprises of ``queryset`` (all by default) as the engine's typed registry frame,
    and their primary keys in the frame's row order."""
    queryset = Enterprise.objects.all() if queryset is None else queryset
    rows = list(queryset.order_by("pk").values_list("pk", *MODEL_COLUMNS, "attributes"))
    pks = [r[0] for r in rows]
    data: dict[str, list] = {name: [] for name in A.REGISTRY_COLUMNS}
    for _pk, uscc, name, region, industry, attributes in rows:
        attributes = attributes or {}
        for column in A.REGISTRY_COLUMNS:
            data[column].append(attributes.get(column))
        data["uscc"][-1], data["name"][-1] = uscc, name
        data["region_code"][-1], data["industry_code"][-1] = region, industry
    series = []
    for attr in A.REGISTRY:
        values = data[attr.name]
        dtype = REGISTRY_SCHEMA[attr.name]
        if attr.type == "date":
            s = pl.Series(attr.name, values, dtype=pl.String).str.to_date(strict=False)
        elif attr.type == "number":
            s = pl.Series(attr.name, [None if v is None else float(v) for v in values],
                          dtype=pl.Float64)
        else:
            s = pl.Series(attr.name, values, dtype=dtype, strict=False)
        series.append(s)
    return pl.DataFrame(series), pks


def attributes_json(row: dict) -> dict:
    """A registry row (engine types) as the JSON kept in ``Enterprise.attributes``: every
    registry column except the model's own, unknown values left out."""
    out = {}
    for attr in A.REGISTRY:
        if attr.name in MODEL_COLUMNS:
            continue
        v = row.get(attr.name)
        if v is None:
            continue
        if isinstance(v, dt.date):
            v = v.isoformat()
        elif isinstance(v, Decimal):
            v = float(v)
        out[attr.name] = v
    return out


# -- rules in words ----------------------------------------------------------------------------


def _line_text(line, lg: str) -> str:
    if line.kind in ("condition", "scope"):
        return f"{A.ATTRIBUTES[line.attr].label(lg)} {line.requirement_text}"
    return line.text


def rule_lines(parsed: RulePolicy, lg: str | None = None) -> list[dict]:
    """The rule (region scope, then the eligibility tree) as indented lines in words."""
    lg = lg or lang()
    lines = explain(parsed, {}, parsed.effective_from, lg)
    return [{"depth": line.depth, "kind": line.kind, "text": _line_text(line, lg),
             "line": line.line} for line in lines]


def _clause_spans(lines) -> list[tuple[int, int]]:
    """(start, end) indices in explain()'s lines of each top-level clause of an ``all``
    eligibility: the lines at depth 1 after the root, with the deeper lines below them."""
    root = next(i for i, line in enumerate(lines) if line.kind != "scope")
    spans = []
    i = root + 1
    while i < len(lines):
        j = i + 1
        while j < len(lines) and lines[j].depth > 1:
            j += 1
        spans.append((i, j))
        i = j
    return spans


def clause_text(parsed: RulePolicy, clause: int, lg: str = "zh") -> str:
    """A top-level clause in words, without an enterprise: "研发费用占比 要求 ≥ 5%"."""
    lines = explain(parsed, {}, parsed.effective_from, lg)
    start, end = _clause_spans(lines)[clause]
    head = _line_text(lines[start], lg)
    if end - start == 1:
        return head
    sep = "；" if lg == "zh" else "; "
    colon = "：" if lg == "zh" else ": "
    return head + colon + sep.join(_line_text(line, lg) for line in lines[start + 1:end])


def near_miss_lines(parsed: RulePolicy, profile: dict, clause: int, as_of: dt.date,
                    lg: str | None = None) -> list[dict]:
    """The failing clause for this enterprise, in its words ("研发费用占比 3.2%，要求 ≥ 5%")."""
    lg = lg or lang()
    lines = explain(parsed, profile, as_of, lg)
    spans = _clause_spans(lines)
    if clause >= len(spans):
        return []
    start, end = spans[clause]
    return [{"depth": line.depth - 1, "outcome": line.outcome, "text": line.text}
            for line in lines[start:end]]


def explain_lines(parsed: RulePolicy, profile: dict, as_of: dt.date,
                  lg: str | None = None) -> list[dict]:
    lg = lg or lang()
    return [{"depth": line.depth, "kind": line.kind, "outcome": line.outcome, "text": line.text,
             "line": line.line} for line in explain(parsed, profile, as_of, lg)]


def benefit_rows(parsed: RulePolicy, lg: str | None = None) -> list[dict]:
    lg = lg or lang()
    return [{"kind": b.kind, "kind_label": BENEFIT_KIND_LABELS[b.kind][0 if lg == "zh" else 1],
             "name": b.name, "amount": b.amount.text if b.amount is not None else "",
             "cap_wan": b.cap_wan, "description": b.description} for b in parsed.benefits]


def benefit_kind_choices() -> list[tuple[str, str]]:
    lg = lang()
    return [(k, v[0] if lg == "zh" else v[1]) for k, v in BENEFIT_KIND_LABELS.items()]


def profile_rows(enterprise: Enterprise, lg: str | None = None) -> list[dict]:
    """The registry values of one enterprise, labelled, with units (for its profile page)."""
    lg = lg or lang()
    profile = enterprise_profile(enterprise)
    from .engine.interpreter import profile_values

    values = profile_values(profile, timezone.localdate())
    return [{"name": a.name, "label": a.label(lg), "value": format_value(a, values.get(a.name), lg)}
            for a in A.REGISTRY + A.DERIVED if a.name not in ("uscc", "name")]


# -- an enterprise's policies ------------------------------------------------------------------


def enterprise_policies(enterprise: Enterprise, *, user=None) -> dict:
    """Matched policies (with estimated benefits and guides) and near misses (with the failing
    condition in the enterprise's words) of one enterprise, from the stored results."""
    lg = lang()
    as_of = timezone.localdate()
    profile = enterprise_profile(enterprise)
    results = (PolicyMatch.objects.filter(enterprise=enterprise)
               .filter(policy__status=PolicyStatus.IN_FORCE)
               .select_related("policy", "policy__issuer")
               .order_by("-matched", "-benefit_wan", "policy__doc_number"))
    matched, near = [], []
    total = Decimal(0)
    for result in results:
        policy = result.policy
        parsed = rule_policy(policy)
        row = {"policy": policy, "result": result, "benefit_wan": result.benefit_wan,
               "guide": parsed.guide, "materials": parsed.materials,
               "benefits": benefit_rows(parsed, lg),
               "explain_url": reverse("policy:explain", args=[policy.pk, enterprise.pk])}
        if result.matched:
            matched.append(row)
            total += result.benefit_wan or 0
        elif result.failed_clause is not None:
            row["failing"] = near_miss_lines(parsed, profile, result.failed_clause, as_of, lg)
            near.append(row)
    return {"matched": matched, "near_misses": near, "total_benefit_wan": total,
            "free_count": sum(1 for r in matched if r["policy"].free_application)}


# -- coverage (the data bureau) ----------------------------------------------------------------


def coverage(*, limit: int | None = None) -> dict:
    """Share of registry enterprises reached (matched) per policy, department and region.

    Kept in the cache under the state it was computed from (the last match run, the registry
    size, the policies in force): every change of the results is a match run, so a new run
    means a new key and the dashboard's three coverage widgets compute it once."""
    key = "policy-coverage:{}:{}:{}".format(
        MatchRun.objects.order_by("-pk").values_list("pk", flat=True).first(),
        Enterprise.objects.count(), Policy.objects.filter(status=PolicyStatus.IN_FORCE).count())
    data = cache.get(key)
    if data is None:
        data = _coverage()
        cache.set(key, data, 300)
    if limit:
        data = {**data, "policies": data["policies"][:limit]}
    return data


def _coverage() -> dict:
    total = Enterprise.objects.count()
    matched = PolicyMatch.objects.filter(matched=True, policy__status=PolicyStatus.IN_FORCE)
    reached = matched.values("enterprise").distinct().count()

    def share(n, of):
        return round(100.0 * n / of, 1) if of else 0.0

    per_policy = list(
        matched.values("policy", "policy__doc_number", "policy__title", "policy__issuer__name")
        .annotate(n=Count("enterprise"), benefit=Sum("benefit_wan")).order_by("-n")
    )
    policies = [{"pk": r["policy"], "doc_number": r["policy__doc_number"],
                 "title": r["policy__title"], "department": r["policy__issuer__name"],
                 "enterprises": r["n"], "share": share(r["n"], total),
                 "benefit_wan": r["benefit"] or Decimal(0)}
                for r in per_policy]
    per_department = (matched.values("policy__issuer", "policy__issuer__name")
                      .annotate(n=Count("enterprise", distinct=True),
                                policies=Count("policy", distinct=True)).order_by("-n"))
    departments = [{"name": r["policy__issuer__name"], "policies": r["policies"],
                    "enterprises": r["n"], "share": share(r["n"], total)}
                   for r in per_department]
    in_region = dict(Enterprise.objects.values_list("region_code").annotate(n=Count("pk")))
    reached_region = dict(matched.values_list("enterprise__region_code")
                          .annotate(n=Count("enterprise", distinct=True)))
    region_rows = [{"code": code, "name": regions.region_name(code) or code, "enterprises": n,
                    "reached": reached_region.get(code, 0),
                    "share": share(reached_region.get(code, 0), n)}
                   for code, n in sorted(in_region.items())]
    return {"enterprises": total, "reached": reached, "share": share(reached, total),
            "policies_in_force": Policy.objects.filter(status=PolicyStatus.IN_FORCE).count(),
            "matches": matched.count(),
            "near_misses": PolicyMatch.objects.filter(matched=False).count(),
            "policies": policies, "departments": departments, "regions": region_rows,
            "last_run": MatchRun.objects.first()}


def dashboard_coverage_policies(user) -> dict:
    rows = coverage(limit=8)["policies"]
    return {"kind": "table", "url": reverse("policy:coverage"),
            "columns": [_("Policy"), _("Enterprises reached"), _("Share")],
            "rows": [[{"text": r["title"], "url": reverse("policy:policy-detail",
                                                          args=[r["pk"]])},
                      r["enterprises"], f"{r['share']}%"] for r in rows],
            "empty": _("No match run yet.")}


def dashboard_coverage(user) -> dict:
    data = coverage()
    return {"kind": "stats", "url": reverse("policy:coverage"), "items": [
        {"label": _("Enterprises in the registry"), "value": data["enterprises"],
         "url": reverse("policy:enterprise-list")},
        {"label": _("Policies in force"), "value": data["policies_in_force"],
         "url": reverse("policy:policy-list") + "?status=in_force"},
        {"label": _("Enterprises reached by at least one policy"), "value": data["reached"]},
        {"label": _("Share reached"), "value": f"{data['share']}%", "text": True},
        {"label": _("Near misses (one condition short)"), "value": data["near_misses"]},
    ]}


def dashboard_coverage_regions(user) -> dict:
    rows = coverage()["regions"]
    return {"kind": "chart", "height": 300, "url": reverse("policy:coverage"), "option": {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 70, "right": 40, "top": 10, "bottom": 24},
        "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "yAxis": {"type": "category", "data": [r["name"] for r in rows], "inverse": True},
        "series": [{"type": "bar", "name": str(_("Share reached")),
                    "data": [r["share"] for r in rows],
                    "label": {"show": True, "position": "right", "formatter": "{c}%"}}]}}


def dashboard_coverage_departments(user) -> dict:
    rows = coverage()["departments"][:10]
    return {"kind": "table", "url": reverse("policy:coverage"),
            "columns": [_("Department"), _("Policies"), _("Enterprises reached"), _("Share")],
            "rows": [[r["name"], r["policies"], r["enterprises"], f"{r['share']}%"]
                     for r in rows],
            "empty": _("No match run yet.")}


def dashboard_my_policies(user) -> dict:
    enterprise = Enterprise.objects.filter(organisation_id=user.organisation_id).first()
    if enterprise is None:
        return {"kind": "stats", "items": [
            {"label": _("No registry profile is linked to your organisation yet."),
             "value": "—", "text": True}]}
    results = PolicyMatch.objects.filter(enterprise=enterprise,
                                         policy__status=PolicyStatus.IN_FORCE)
    matched = results.filter(matched=True)
    total = matched.aggregate(total=Sum("benefit_wan"))["total"] or Decimal(0)
    url = reverse("policy:my-policies")
    return {"kind": "stats", "url": url, "items": [
        {"label": _("Policies you qualify for"), "value": matched.count(), "url": url},
        {"label": _("Estimated benefits (10k yuan)"), "value": f"{total:,.2f}", "text": True},
        {"label": _("Benefit without application (免申即享)"),
         "value": matched.filter(policy__free_application=True).count()},
        {"label": _("Near misses (one condition short)"),
         "value": results.filter(matched=False).count(), "url": url + "#near-misses"},
    ]}


def dashboard_overdue(user) -> dict:
    items = [i for i in cascade_items() if i["item"].status == "overdue"]
    return {"kind": "table", "url": reverse("policy:cascade"),
            "columns": [_("Policy"), _("Who must implement"), _("Due"), _("Days overdue")],
            "rows": [[{"text": i["policy"].doc_number,
                       "url": reverse("policy:policy-detail", args=[i["policy"].pk])},
                      i["region_name"], i["item"].due_on.isoformat(), i["item"].days_overdue]
                     for i in items[:8]],
            "empty": _("No implementing rules are overdue.")}


# -- the cascade -------------------------------------------------------------------------------


def _node_region(policy: Policy) -> str:
    scope = policy.region_scope_list
    return scope[0] if scope else "00"


def _expected_regions() -> tuple[list[str], list[str]]:
    """The city and the counties of the city this platform runs: who must implement."""
    city = City.current()
    if city is None:
        return [], []
    code = city.region_code
    if code.endswith("0000"):  # a province-level city (municipality): its districts
        counties = [c for c in regions.regions_within(code) if regions.region_level(c) == "county"]
        return [], counties
    counties = [c for c in regions.regions_within(code)
                if c != code and regions.region_level(c) == "county"]
    return [code], counties


def cascade_items(root: Policy | None = None, as_of: dt.date | None = None) -> list[dict]:
    """Every implementation required of the platform's city and counties by the province
    policies that require implementing rules (or by ``root`` only)."""
    as_of = as_of or timezone.localdate()
    roots = Policy.objects.filter(level=Level.PROVINCE, requires_implementation=True).exclude(
        status=PolicyStatus.DRAFT)
    if root is not None:
        roots = roots.filter(pk=root.pk)
    roots = list(roots)
    if not roots:
        return []
    cities, counties = _expected_regions()
    root_pks = {r.pk for r in roots}
    nodes, by_id = [], {}
    frontier = roots
    while frontier:  # the roots, then the policies implementing them, level by level
        for p in frontier:
            by_id[str(p.pk)] = p
            parent = str(p.parent_id) if p.parent_id and p.pk not in root_pks else None
            nodes.append(engine_cascade.CascadeNode(
                str(p.pk), p.level, p.issued_on or p.effective_from, parent, _node_region(p)))
        frontier = list(Policy.objects.filter(parent__in=frontier).exclude(
            status=PolicyStatus.DRAFT).exclude(pk__in=[int(k) for k in by_id]))
    items = engine_cascade.cascade_status(nodes, cities=cities, counties=counties, as_of=as_of)
    return [{"item": i, "policy": by_id[i.province_policy_id],
             "implementing": by_id.get(i.implementing_id) if i.implementing_id else None,
             "region_name": regions.region_full_name(i.region.ljust(6, "0")) or i.region}
            for i in items]


def implementing_tree(policy: Policy, user) -> list[dict]:
    """The policies implementing ``policy``, recursively, as indented rows."""
    rows = []

    def walk(parent, depth):
        for child in Policy.objects.visible_to(user).filter(parent=parent).select_related(
                "issuer").order_by("issued_on", "doc_number"):
            rows.append({"policy": child, "depth": depth})
            if depth < 5:
                walk(child, depth + 1)

    walk(policy, 1)
    return rows


def policy_coverage(policy: Policy) -> dict:
    total = Enterprise.objects.count()
    results = PolicyMatch.objects.filter(policy=policy)
    matched = results.filter(matched=True)
    n = matched.count()
    return {"enterprises": total, "matched": n,
            "share": round(100.0 * n / total, 1) if total else 0.0,
            "near_misses": results.filter(matched=False).count(),
            "benefit_wan": matched.aggregate(t=Sum("benefit_wan"))["t"] or Decimal(0)}


def attribute_reference(lg: str | None = None) -> list[dict]:
    """Every attribute a rule may test, with its type, unit, operators and values."""
    lg = lg or lang()
    return [{"name": a.name, "label": a.label(lg), "type": a.type, "unit": a.unit,
             "ops": sorted(A.OPS_BY_TYPE[a.type]), "values": list(a.values),
             "derived": bool(a.derived)}
            for a in A.REGISTRY + A.DERIVED]
