"""Portfolio reads: list totals, the fiscal projection, the compliance context, dashboards."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import choices
from .domain import fiscal
from .domain.facts import PortfolioContext
from .facts import fiscal_inputs
from .models import BudgetAssumption, BudgetYear, Company, Project

DATA_DIR = Path(__file__).resolve().parent / "data"
RED_LINE = Decimal("0.10")
GOVERNMENT_PAY_LINE = Decimal("0.05")
WINDOW_YEARS = 30


def project_totals(qs) -> dict:
    agg = qs.aggregate(n=Count("id"), investment=Sum("total_investment_wan"))
    return {"count": agg["n"], "investment": agg["investment"] or Decimal(0)}


def project_history(user, project):
    from cityops.core.selectors import audit_entries_visible_to

    return audit_entries_visible_to(user).filter(
        object_type="portfolio.project", object_id=str(project.pk))[:20]


# -- fiscal affordability ----------------------------------------------------------------


def budget_projection() -> fiscal.BudgetProjection | None:
    years = dict(BudgetYear.objects.values_list("year", "expenditure_wan"))
    assumption = BudgetAssumption.objects.first()
    if not years and assumption is None:
        return None
    if assumption is None:
        return fiscal.BudgetProjection(by_year_wan=years)
    return fiscal.BudgetProjection(by_year_wan=years, base_year=assumption.base_year,
                                   base_amount_wan=assumption.base_expenditure_wan,
                                   growth_rate=assumption.growth_rate)


def window_start() -> int:
    return timezone.localdate().year


def portfolio_projection(projects=None, *, whole_life: bool = False
                         ) -> fiscal.PortfolioProjection | None:
    """Every PPP/VGF project past the plan phase (or approved) against the budget: 30 years
    from this year, or (``whole_life``) every year any of the projects binds the budget."""
    budget = budget_projection()
    if budget is None:
        return None
    projects = projects if projects is not None else committed_projects()
    inputs = [i for i in (fiscal_inputs(p) for p in projects) if i is not None]
    start, years = window_start(), WINDOW_YEARS
    if whole_life and inputs:
        first = min(min(i.build_start_year for i in inputs), start)
        last = max(max(i.first_operation_year + i.subsidy_years for i in inputs), start + years)
        start, years = first, last - first
    return fiscal.project_portfolio(inputs, budget, start_year=start, years=years,
                                    other_liabilities_wan=other_ppp_liabilities(
                                        budget, range(start, start + years)))


def other_ppp_liabilities(budget: fiscal.BudgetProjection, years: range) -> dict[int, Decimal]:
    """The jurisdiction's PPP liabilities outside the portfolio: entered per year, else the
    assumption's share of that year's budget."""
    entered = dict(BudgetYear.objects.exclude(other_ppp_liabilities_wan=None)
                   .values_list("year", "other_ppp_liabilities_wan"))
    assumption = BudgetAssumption.objects.first()
    share = assumption.other_ppp_share if assumption else Decimal(0)
    result = {}
    for year in years:
        if year in entered:
            result[year] = entered[year]
        elif share and budget.covers(year):
            result[year] = (budget.expenditure(year) * share).quantize(Decimal("0.01"))
    return result


def committed_projects():
    """Projects whose liabilities are committed: approved, or beyond planning."""
    committed = ~Q(phase=choices.Phase.PLAN) | Q(approval_date__isnull=False)
    return [p for p in Project.objects.filter(committed) if p.has_fiscal_liability]


def planned_projects():
    return [p for p in Project.objects.filter(phase=choices.Phase.PLAN,
                                              approval_date__isnull=True)
            if p.has_fiscal_liability]


def portfolio_context() -> PortfolioContext:
    platforms = dict(Company.objects.filter(kind=choices.CompanyKind.PLATFORM)
                     .values_list("region_code").annotate(n=Count("id")))
    projection = portfolio_projection(whole_life=True)
    shares, gov_shares = {}, {}
    if projection is not None:
        for row in projection.rows:
            if row.share is not None:
                shares[row.year] = row.share
                gov_shares[row.year] = row.government_pay_share
    return PortfolioContext(platform_companies_by_region=platforms, ppp_share_by_year=shares,
                            government_pay_ppp_share_by_year=gov_shares)


def project_liabilities(project: Project) -> dict | None:
    inputs = fiscal_inputs(project)
    if inputs is None:
        return None
    start = min(inputs.build_start_year, window_start())
    years = range(start, inputs.first_operation_year + inputs.subsidy_years)
    rows = fiscal.project_liabilities(inputs, years)
    labels = {"equity": _("Equity"), "operating_subsidy": _("Operating subsidy"),
              "risk": _("Risk"), "supporting": _("Supporting inputs")}
    years_list = sorted(rows)
    return {"chart": {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 60, "right": 16, "top": 30, "bottom": 30},
        "xAxis": {"type": "category", "data": years_list},
        "yAxis": {"type": "value"},
        "series": [
            {"name": str(label), "type": "bar", "stack": "total",
             "data": [float(getattr(rows[y], key)) for y in years_list]}
            for key, label in labels.items()
        ],
    }}


def fiscal_chart_option(projection: fiscal.PortfolioProjection) -> dict:
    data = fiscal.to_chart(projection)
    english = get_language().startswith("en")
    lines = [{"yAxis": line["value_pct"], "name": line["name_en" if english else "name_zh"],
              "label": {"formatter": f"{line['value_pct']:g}%"},
              "lineStyle": {"color": "#c0262d" if line["value_pct"] >= 10 else "#a35200",
                            "type": "dashed"}}
             for line in data["lines"]]
    return {
        "tooltip": {"trigger": "axis", "valueFormatter": "{value}%"},
        "legend": {"top": 0},
        "grid": {"left": 50, "right": 30, "top": 36, "bottom": 30},
        "xAxis": {"type": "category", "data": data["years"]},
        "yAxis": {"type": "value", "name": "%", "max": max(12, int(max(
            [v for v in data["share_pct"] if v is not None] or [0]) + 2))},
        "series": [
            {"name": _("All PPP and VGF liabilities"), "type": "line",
             "data": data["share_pct"], "areaStyle": {"opacity": .15},
             "markLine": {"symbol": "none", "data": lines}},
            {"name": _("Government-pay PPP"), "type": "line",
             "data": data["government_pay_share_pct"]},
        ],
    }


def fiscal_page(user) -> dict:
    assumption = BudgetAssumption.objects.first()
    context = {
        "budget_years": BudgetYear.objects.all(),
        "assumption_initial": {"base_year": assumption.base_year,
                               "base_expenditure_wan": assumption.base_expenditure_wan,
                               "growth_rate": assumption.growth_rate,
                               "other_ppp_share": assumption.other_ppp_share}
        if assumption else {},
    }
    projection = portfolio_projection()
    context["budget_ready"] = projection is not None
    if projection is None:
        return context
    other = other_ppp_liabilities(projection.budget, projection.years)
    rows = [{"year": r.year, "budget": r.budget_wan, "total": r.total_wan,
             "other": other.get(r.year, Decimal(0)),
             "portfolio": r.total_wan - other.get(r.year, Decimal(0)),
             "share": (r.share or 0) * 100, "government_pay_share":
                 (r.government_pay_share or 0) * 100} for r in projection.rows]
    peak = max(rows, key=lambda r: r["share"])
    planned = []
    visible = set(Project.objects.visible_to(user).values_list("pk", flat=True))
    for project in planned_projects():
        if project.pk not in visible:
            continue
        inputs = fiscal_inputs(project)
        planned.append({
            "pk": project.pk, "code": project.code, "name": project.name,
            "investment": project.total_investment_wan,
            "breach_10": projection.first_breach_with(inputs, RED_LINE),
            "breach_5": projection.first_breach_with(inputs, GOVERNMENT_PAY_LINE)
            if inputs.government_pay else None,
        })
    context.update(
        rows=rows, chart=fiscal_chart_option(projection), planned=planned,
        peak_share=f"{peak['share']:.2f}", peak_year=peak["year"],
        first_breach_10=projection.first_breach(RED_LINE),
        first_breach_5=projection.first_breach(GOVERNMENT_PAY_LINE),
    )
    return context


# -- operation-model advisor -------------------------------------------------------------

ADVISOR_DEFAULTS = {
    "investment_wan": "5000", "construction_share": "0.3", "demand_stability": "0.6",
    "public_good": "0.7", "user_payment_share": "0.1", "security_sensitivity": "0.5",
    "local_soe_capacity": "0.5", "supplier_market_maturity": "0.6", "fiscal_room": "0.5",
    "operation_horizon_years": "3", "cross_department": "0.5",
}


def advisor_fields(values: dict | None = None) -> list[dict]:
    values = values or ADVISOR_DEFAULTS
    spec = [
        ("investment_wan", _("Investment"), "amount", _("10k yuan"), _("total investment")),
        ("construction_share", _("Construction share"), "share", "",
         _("share of works and hardware in the investment")),
        ("demand_stability", _("Demand stability"), "share", "", _("0 volatile – 1 stable")),
        ("public_good", _("Public-good nature"), "share", "", _("0 commercial – 1 public good")),
        ("user_payment_share", _("Expected user-payment share"), "share", "",
         _("share of revenue paid by users")),
        ("security_sensitivity", _("Security sensitivity"), "share", "", _("0 low – 1 high")),
        ("local_soe_capacity", _("Local state-owned capacity"), "share", "",
         _("strength of local state-owned capital")),
        ("supplier_market_maturity", _("Supplier market maturity"), "share", "",
         _("0 few capable suppliers – 1 mature market")),
        ("fiscal_room", _("Fiscal room"), "share", "",
         _("0 at the %(line)s line – 1 ample") % {"line": "10%"}),
        ("operation_horizon_years", _("Required operation horizon"), "years", _("years"),
         _("how long it must be operated")),
        ("cross_department", _("Cross-department scope"), "share", "",
         _("0 one department – 1 city-wide")),
    ]
    return [{"name": n, "label": label, "kind": kind, "unit": unit, "help": help_,
             "value": values.get(n, ADVISOR_DEFAULTS[n])} for n, label, kind, unit, help_ in spec]


def advisor_input(data) -> dict:
    """Form values as the advisor's plain input: the engine takes numbers (a string only for
    the investment), so numeric strings are parsed here; anything unparseable is passed on as
    it is and the engine's validation names the field."""
    out = {}
    for name in ADVISOR_DEFAULTS:
        raw = data.get(name)
        if raw in (None, ""):
            continue
        out[name] = _advisor_number(name, raw)
    return out


def _advisor_number(name: str, raw):
    if name == "investment_wan" or not isinstance(raw, str):
        return raw
    try:
        value = float(raw.strip())
    except ValueError:
        return raw
    if name == "operation_horizon_years":
        return int(value) if value.is_integer() else value
    return value


@cache
def _case_library():
    from .domain.cases import load_case_library

    return load_case_library(DATA_DIR / "cases.yaml", DATA_DIR / "case_characteristics.yaml")


def case_library() -> list[dict]:
    labels = dict(choices.OperationModel.choices)
    return [{"id": c.id, "name": c.name, "actual_model": str(c.actual_model),
             "actual_model_label": labels.get(str(c.actual_model), c.actual_model)}
            for c in _case_library()]


def case_characteristics(case_id: str) -> dict | None:
    for case in _case_library():
        if case.id == case_id:
            c = case.characteristics
            return {name: str(getattr(c, name)) for name in ADVISOR_DEFAULTS if hasattr(c, name)}
    return None


def advice_display(advice) -> list[dict]:
    english = get_language().startswith("en")
    labels = dict(choices.OperationModel.choices)
    return [{
        "model": str(a.model), "label": labels.get(str(a.model), a.model), "score": a.score,
        "reasons_for": [r.en if english else r.zh for r in a.reasons_for],
        "reasons_against": [r.en if english else r.zh for r in a.reasons_against],
        "risks": [r.en if english else r.zh for r in a.risks],
    } for a in advice.ranking]


# -- dashboards --------------------------------------------------------------------------


def _scoped(user):
    return Project.objects.visible_to(user)


def _pie(rows: list[tuple[str, int]]) -> dict:
    return {"kind": "chart", "height": 260, "option": {
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "series": [{"type": "pie", "radius": ["35%", "68%"],
                    "data": [{"name": name, "value": n} for name, n in rows if n]}]}}


def dashboard_model_mix(user) -> dict:
    counts = dict(_scoped(user).values_list("operation_model").annotate(n=Count("id")))
    return _pie([(str(label), counts.get(value, 0))
                 for value, label in choices.OperationModel.choices])


def dashboard_objects(user) -> dict:
    values = list(_scoped(user).values_list("operation_objects", flat=True))
    labels = [str(label) for _v, label in choices.OperationObject.choices]
    data = [sum(1 for v in values if code in v.split(","))
            for code in choices.OperationObject.values]
    return {"kind": "chart", "height": 260, "option": {
        "tooltip": {"trigger": "axis"}, "grid": {"left": 70, "right": 20, "top": 10, "bottom": 24},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": labels, "inverse": True},
        "series": [{"type": "bar", "data": data, "label": {"show": True, "position": "right"}}]}}


def dashboard_returns(user) -> dict:
    counts = dict(_scoped(user).values_list("return_mechanism").annotate(n=Count("id")))
    rows = [(str(label), counts.get(value, 0)) for value, label in choices.ReturnMechanism.choices]
    income = list(_scoped(user).exclude(other_income="").values_list("other_income", flat=True))
    for value, label in choices.OtherIncome.choices:
        rows.append((f"+ {label}", sum(1 for v in income if value in v.split(","))))
    return _pie(rows)


def dashboard_spending(user) -> dict:
    rows = (_scoped(user).values_list("start_date__year", "operation_model")
            .annotate(total=Sum("total_investment_wan")).order_by("start_date__year"))
    years = sorted({y for y, _m, _t in rows})
    by_model: dict[str, dict[int, float]] = {}
    for year, model, total in rows:
        by_model.setdefault(model, {})[year] = float(total)
    labels = dict(choices.OperationModel.choices)
    return {"kind": "chart", "height": 300, "option": {
        "tooltip": {"trigger": "axis"}, "legend": {"top": 0},
        "grid": {"left": 70, "right": 16, "top": 40, "bottom": 30},
        "xAxis": {"type": "category", "data": years}, "yAxis": {"type": "value"},
        "series": [{"name": str(labels.get(model, model)), "type": "bar", "stack": "all",
                    "data": [values.get(y, 0) for y in years]}
                   for model, values in sorted(by_model.items())]}}


def dashboard_compliance(user) -> dict:
    counts = dict(_scoped(user).values_list("compliance_outcome").annotate(n=Count("id")))
    from django.urls import reverse

    url = reverse("portfolio:project-list")
    return {"kind": "stats", "items": [
        {"label": _("projects in breach of a rule"), "value": counts.get("fail", 0),
         "url": f"{url}?compliance=fail"},
        {"label": _("with a warning"), "value": counts.get("warn", 0),
         "url": f"{url}?compliance=warn"},
        {"label": _("passing every rule"), "value": counts.get("pass", 0)},
    ]}


def dashboard_fiscal(user) -> dict:
    projection = portfolio_projection()
    if projection is None:
        return {"kind": "stats", "items": [
            {"label": _("No budget projection entered yet"), "value": "—", "text": True}]}
    return {"kind": "chart", "height": 300, "option": fiscal_chart_option(projection)}


