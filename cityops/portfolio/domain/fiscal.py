"""Fiscal affordability (财政承受能力) of the PPP portfolio: pure Python, no Django.

The formula (财金〔2015〕21号, 《政府和社会资本合作项目财政承受能力论证指引》, as widely cited)::

    annual operating subsidy = C × (1 + r) × (1 + i)^n ÷ T  +  O × (1 + r)  −  U

C total construction cost, r reasonable profit rate, i discount rate, n the year's index in the
operating period (1 = first year of operation), T the subsidy period in years, O the annual
operating cost, U that year's user payments. Amounts are in 万元.

Rounding: every figure shown to a user is a Decimal quantized to 0.01 万元 ROUND_HALF_UP (四舍五入).
A year's subsidy is quantized once, at the end of the formula; the risk expenditure is the risk
share × that quantized subsidy, quantized; a year's total is the sum of its quantized
components, and a portfolio's total the sum of its projects' totals. So every displayed figure
adds up to the cent.

Two paths compute the same numbers:

* the Decimal path (`operating_subsidy`, `project_liabilities`): the reference, one project;
* the portfolio path (`project_portfolio`): the year-varying part (the subsidy and the risk)
  is computed with floats in whole cents; a float that falls within a rigorous error bound of
  a rounding tie (x.xx5) is recomputed with the Decimal path. Whole cents are ints, so sums are
  exact: the portfolio path gives exactly the Decimal path's cents (2,000 projects × 30 years:
  ≈ 40 ms, against ≈ 80 ms for a tight per-cell Decimal loop; see bench/portfolio.py).

Red lines (财金〔2019〕10号): each year all PPP fiscal liabilities paid from the general public
budget ≤ 10% of that year's general public budget expenditure; above 10% no new PPP; above 5%
no new government-pay PPP. A line is breached when the share is strictly above it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

from .facts import FiscalInputs

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
RED_LINE = Decimal("0.10")  # 财金〔2019〕10号: all PPP ≤ 10% of the general public budget
GOVERNMENT_PAY_LINE = Decimal("0.05")  # 财金〔2019〕10号: above 5%, no new government-pay PPP
MIN_GROWTH = Decimal("-0.5")
MAX_GROWTH = Decimal("1")
MAX_AMOUNT_WAN = Decimal(10**9)  # 10万亿元: a sanity bound that keeps floats finite
MAX_SUBSIDY_YEARS = 50  # PPP 10–30 years; concessions up to 40 (2024 rules): 50 is a sanity bound
SOURCE_SUBSIDY = "财金〔2015〕21号"
SOURCE_RED_LINE = "财金〔2019〕10号"

# Decimal arithmetic in its own context, whatever the caller's context is.
_CTX = Context(prec=34)

# Floats: each operation errs by at most 2^-53 relative; the subsidy takes n + ~6 operations
# (n ≤ 50), so its error is below 1e-14 of the size of its terms. The tie band is 100× that.
_REL_TOL = 1e-12
_ABS_TOL = 1e-9  # cents


class FiscalInputError(ValueError):
    """A fiscal input that cannot be used; `field` names it, `en`/`zh` explain."""

    def __init__(self, field: str, en: str, zh: str):
        super().__init__(f"{field}: {en}")
        self.field = field
        self.en = en
        self.zh = zh


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_CTX)


def _cents(value: Decimal) -> int:
    """A Decimal already quantized to 0.01 as whole cents."""
    return int(value.scaleb(2, context=_CTX))


def _from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2, context=_CTX)


# --- validation -------------------------------------------------------------------------------

_AMOUNTS = (
    ("total_construction_cost_wan", "total construction cost", "建设成本"),
    ("annual_operating_cost_wan", "annual operating cost", "年度运营成本"),
    ("annual_user_payment_wan", "annual user payment", "当年使用者付费"),
    ("government_equity_wan", "government equity investment", "政府股权投资"),
    ("supporting_inputs_wan", "supporting inputs", "配套投入"),
)
_RATES = (
    ("reasonable_profit_rate", "reasonable profit rate", "合理利润率"),
    ("discount_rate", "discount rate", "年度折现率"),
    ("risk_share_of_subsidy", "risk share of the subsidy", "风险承担支出占补贴比例"),
)


def _number(value, name: str, en: str, zh: str, *, ints: bool = False) -> Decimal:
    """A finite Decimal (or, with ``ints``, an int made Decimal); floats are refused."""
    allowed = Decimal | int if ints else Decimal
    if isinstance(value, bool) or not isinstance(value, allowed):
        raise FiscalInputError(name, f"The {en} must be a decimal number.", f"{zh}必须是十进制数。")
    value = Decimal(value)
    if not value.is_finite():
        raise FiscalInputError(name, f"The {en} must be a finite number.", f"{zh}必须是有限数值。")
    return value


def validate_inputs(inputs: FiscalInputs) -> None:
    """Raise FiscalInputError naming the first unusable field of one project's inputs."""
    if not inputs.project_code:
        raise FiscalInputError("project_code", "The project code is empty.", "项目编号为空。")
    for name, en, zh in _AMOUNTS:
        value = _number(getattr(inputs, name), name, en, zh)
        if value < 0:
            raise FiscalInputError(name, f"The {en} is negative.", f"{zh}不能为负数。")
        if value > MAX_AMOUNT_WAN:
            raise FiscalInputError(
                name,
                f"The {en} is above 10万亿元; check the unit (万元).",
                f"{zh}超过 10 万亿元，请检查单位（万元）。",
            )
    for name, en, zh in _RATES:
        value = _number(getattr(inputs, name), name, en, zh)
        if not 0 <= value <= 1:
            raise FiscalInputError(
                name,
                f"The {en} must be between 0 and 1 (0.06 = 6%).",
                f"{zh}须在 0 到 1 之间（0.06 即 6%）。",
            )
    for name in ("first_operation_year", "build_start_year", "build_years", "subsidy_years"):
        if isinstance(getattr(inputs, name), bool) or not isinstance(getattr(inputs, name), int):
            raise FiscalInputError(name, "Must be a whole number.", "必须是整数。")
    if inputs.build_years < 0:
        raise FiscalInputError("build_years", "The build period is negative.", "建设期不能为负数。")
    if not 1 <= inputs.subsidy_years <= MAX_SUBSIDY_YEARS:
        raise FiscalInputError(
            "subsidy_years",
            f"The subsidy period must be 1 to {MAX_SUBSIDY_YEARS} years.",
            f"补贴周期须为 1 至 {MAX_SUBSIDY_YEARS} 年。",
        )
    if inputs.first_operation_year < inputs.build_start_year:
        raise FiscalInputError(
            "first_operation_year",
            "Operation cannot start before the build starts.",
            "运营开始年份不能早于建设开始年份。",
        )


# --- one project, Decimal (the reference) -------------------------------------------------------


def _subsidy_unrounded(inputs: FiscalInputs, n: int) -> Decimal:
    with localcontext(_CTX):
        one_plus_profit = 1 + inputs.reasonable_profit_rate
        capital = (
            inputs.total_construction_cost_wan
            * one_plus_profit
            * (1 + inputs.discount_rate) ** n
            / inputs.subsidy_years
        )
        operating = inputs.annual_operating_cost_wan * one_plus_profit
        return capital + operating - inputs.annual_user_payment_wan


def _subsidy(inputs: FiscalInputs, n: int) -> Decimal:
    value = _subsidy_unrounded(inputs, n)
    return _q(value) if value > 0 else ZERO


def operating_subsidy(inputs: FiscalInputs, year_index: int) -> Decimal:
    """The year's operating subsidy (运营补贴支出) in 万元, quantized to 0.01 ROUND_HALF_UP.

    ``year_index`` is n in the formula: 1 for the first year of operation. Outside the subsidy
    period (n < 1 or n > subsidy_years) there is no subsidy: 0.00.

    Never negative: in a year whose user payments exceed the capital and operating parts the
    government pays nothing (0.00); the surplus is the SPV's and is not carried to other years.
    """
    validate_inputs(inputs)
    if not 1 <= year_index <= inputs.subsidy_years:
        return ZERO
    return _subsidy(inputs, year_index)


@dataclass(frozen=True)
class Liability:
    """One project's fiscal liabilities (财政支出责任) in one calendar year, 万元."""

    equity: Decimal = ZERO  # 股权投资支出
    operating_subsidy: Decimal = ZERO  # 运营补贴支出
    risk: Decimal = ZERO  # 风险承担支出
    supporting: Decimal = ZERO  # 配套投入支出
    total: Decimal = field(init=False)

    def __post_init__(self):
        total = self.equity + self.operating_subsidy + self.risk + self.supporting
        object.__setattr__(self, "total", total)


def _equity_by_year(inputs: FiscalInputs) -> dict[int, Decimal]:
    """Equity spread evenly over the build years, quantized; the last build year takes the
    rounding remainder so the years add up to the equity. No build period: all in the start year.
    """
    equity = _q(inputs.government_equity_wan)
    if not equity:
        return {}
    years = max(inputs.build_years, 1)
    with localcontext(_CTX):
        each = _q(equity / years)
        spread = {inputs.build_start_year + k: each for k in range(years - 1)}
        spread[inputs.build_start_year + years - 1] = equity - each * (years - 1)
    return spread


def _risk(inputs: FiscalInputs, subsidy: Decimal) -> Decimal:
    if not inputs.risk_share_of_subsidy or not subsidy:
        return ZERO
    with localcontext(_CTX):
        return _q(inputs.risk_share_of_subsidy * subsidy)


def project_liabilities(inputs: FiscalInputs, years: range) -> dict[int, Liability]:
    """Every calendar year of ``years`` → that year's Liability (zeros where nothing is due).

    Equity: spread evenly over the build years (``build_start_year``, ``build_years``).
    Operating subsidy: ``subsidy_years`` years from ``first_operation_year`` (n = 1 there).
    Risk: ``risk_share_of_subsidy`` × the year's subsidy. Supporting inputs: all in the first
    build year.
    """
    validate_inputs(inputs)
    equity = _equity_by_year(inputs)
    supporting = _q(inputs.supporting_inputs_wan)
    result = {}
    for year in years:
        n = year - inputs.first_operation_year + 1
        subsidy = _subsidy(inputs, n) if 1 <= n <= inputs.subsidy_years else ZERO
        result[year] = Liability(
            equity=equity.get(year, ZERO),
            operating_subsidy=subsidy,
            risk=_risk(inputs, subsidy),
            supporting=supporting if year == inputs.build_start_year else ZERO,
        )
    return result


# --- the budget ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BudgetProjection:
    """The general public budget expenditure (一般公共预算支出), 万元, by calendar year.

    Either explicit figures (``by_year_wan``) or a growth path (``base_year``,
    ``base_amount_wan``, ``growth_rate``: amount × (1 + growth)^(year − base_year), quantized to
    0.01, also backwards before the base year), or both: an explicit year overrides the path for
    that year only (the path is not re-based on it).
    """

    by_year_wan: Mapping[int, Decimal] = field(default_factory=dict)
    base_year: int | None = None
    base_amount_wan: Decimal | None = None
    growth_rate: Decimal = Decimal(0)

    def __post_init__(self):
        explicit = {}
        for year, amount in dict(self.by_year_wan).items():
            amount = _number(
                amount, "by_year_wan", f"budget of {year}", f"{year} 年预算支出", ints=True
            )
            if isinstance(year, bool) or not isinstance(year, int):
                raise FiscalInputError(
                    "by_year_wan",
                    f"Year {year!r} is not a whole number.",
                    f"年份 {year!r} 不是整数。",
                )
            if amount <= 0:
                raise FiscalInputError(
                    "by_year_wan",
                    f"The budget expenditure of {year} must be positive.",
                    f"{year} 年一般公共预算支出必须大于零。",
                )
            explicit[year] = _q(amount)
        object.__setattr__(self, "by_year_wan", dict(sorted(explicit.items())))
        has_year = self.base_year is not None
        has_amount = self.base_amount_wan is not None
        if not explicit and not has_year and not has_amount:
            raise FiscalInputError(
                "by_year_wan",
                "The budget is empty: give yearly figures, or a base year, amount and growth rate.",
                "预算为空：请填写各年度支出，或基准年、基准金额和增长率。",
            )
        if has_amount and not has_year:
            raise FiscalInputError("base_year", "The base year is missing.", "缺少基准年。")
        if has_year and not has_amount:
            raise FiscalInputError(
                "base_amount_wan", "The base amount is missing.", "缺少基准金额。"
            )
        if has_year and (isinstance(self.base_year, bool) or not isinstance(self.base_year, int)):
            raise FiscalInputError(
                "base_year", "The base year must be a whole number.", "基准年必须是整数。"
            )
        if has_amount:
            amount = _number(
                self.base_amount_wan, "base_amount_wan", "base amount", "基准金额", ints=True
            )
            if amount <= 0:
                raise FiscalInputError(
                    "base_amount_wan", "The base amount must be positive.", "基准金额必须大于零。"
                )
            object.__setattr__(self, "base_amount_wan", amount)
        growth = _number(self.growth_rate, "growth_rate", "growth rate", "增长率", ints=True)
        object.__setattr__(self, "growth_rate", growth)
        if not MIN_GROWTH <= growth <= MAX_GROWTH:
            raise FiscalInputError(
                "growth_rate",
                "The growth rate must be between -50% and 100% (-0.5 to 1).",
                "增长率须在 -50% 至 100% 之间（-0.5 至 1）。",
            )

    def covers(self, year: int) -> bool:
        return year in self.by_year_wan or self.base_year is not None

    def expenditure(self, year: int) -> Decimal:
        """The year's general public budget expenditure, 万元 (0.01)."""
        explicit = self.by_year_wan.get(year)
        if explicit is not None:
            return explicit
        if self.base_year is None:
            raise FiscalInputError(
                "by_year_wan",
                f"The budget has no figure for {year}.",
                f"预算缺少 {year} 年的数据。",
            )
        try:
            with localcontext(_CTX):
                return _q(self.base_amount_wan * (1 + self.growth_rate) ** (year - self.base_year))
        except InvalidOperation:  # more digits than 34: centuries of growth
            raise FiscalInputError(
                "base_year",
                f"{year} is too far from the base year for the growth path.",
                f"{year} 年距基准年过远，无法按增长率推算。",
            ) from None


# --- the portfolio (fast path) ------------------------------------------------------------------


class _Plan:
    """One project's float coefficients for the year-varying part, computed once."""

    __slots__ = ("inputs", "a", "b", "g", "risk_num", "risk_den", "tol", "exact_only", "fixed")

    def __init__(self, inputs: FiscalInputs):
        validate_inputs(inputs)
        self.inputs = inputs
        ctx = _CTX
        one_plus_profit = ctx.add(1, inputs.reasonable_profit_rate)
        a = ctx.divide(
            ctx.multiply(inputs.total_construction_cost_wan, one_plus_profit), inputs.subsidy_years
        )
        operating = ctx.multiply(inputs.annual_operating_cost_wan, one_plus_profit)
        user = inputs.annual_user_payment_wan
        self.a = float(a) * 100  # cents
        self.b = float(ctx.subtract(operating, user)) * 100
        self.g = float(ctx.add(1, inputs.discount_rate))
        # risk = share × subsidy to the cent, in exact integers: share = risk_num / risk_den,
        # risk cents = round_half_up(risk_num × subsidy cents / risk_den)
        _, digits, exponent = inputs.risk_share_of_subsidy.as_tuple()
        self.risk_num = int("".join(map(str, digits)) or 0) * 10 ** max(exponent, 0)
        self.risk_den = 10 ** max(-exponent, 0)
        # the size of the terms bounds the float error, whatever cancels in the subtraction
        scale = self.a * self.g**inputs.subsidy_years + (float(operating) + float(user)) * 100
        self.tol = scale * _REL_TOL + _ABS_TOL
        # absurdly large amounts or a risk share of many digits: Decimal all the way
        self.exact_only = self.tol >= 0.25 or len(digits) > 12
        # equity and supporting inputs: a handful of Decimal figures per project
        fixed = {}
        if inputs.government_equity_wan:
            fixed = {year: _cents(value) for year, value in _equity_by_year(inputs).items()}
        if inputs.supporting_inputs_wan:
            supporting = _cents(_q(inputs.supporting_inputs_wan))
            fixed[inputs.build_start_year] = fixed.get(inputs.build_start_year, 0) + supporting
        self.fixed = fixed

    def cells(self, start: int, width: int) -> list[int]:
        """The project's total liability in whole cents for each year of the window."""
        inputs = self.inputs
        out = [0] * width
        for year, cents in self.fixed.items():
            if start <= year < start + width:
                out[year - start] += cents
        first = inputs.first_operation_year
        lo = max(start, first)
        hi = min(start + width, first + inputs.subsidy_years)  # exclusive
        if lo >= hi:
            return out
        a, b, g, tol = self.a, self.b, self.g, self.tol
        upper = 1 - tol
        exact_only = self.exact_only
        risk_num = self.risk_num
        twice_den = 2 * self.risk_den
        half_den = self.risk_den
        first_n = lo - first + 1
        power = g**first_n
        offset = lo - start
        # rounding half up in whole cents, inlined: this loop is the hot path. A float within
        # the error bound of a tie (fraction ≈ 0 after adding 0.5) is redone in Decimal.
        for n in range(first_n, first_n + hi - lo):
            x = a * power + b
            power *= g
            if x >= -tol:  # else certainly negative: no subsidy, no risk
                f = x + 0.5
                cents = int(f)
                r = f - cents
                if r < tol or r > upper or exact_only:
                    cents = _cents(_subsidy(inputs, n))
                if cents:
                    if exact_only:
                        cents += _cents(_risk(inputs, _from_cents(cents)))
                    elif risk_num:
                        cents += (2 * risk_num * cents + half_den) // twice_den
                    out[offset] += cents
            offset += 1
        return out


@dataclass(frozen=True)
class YearFigures:
    """The portfolio in one calendar year. Amounts in 万元 (0.01); shares are fractions."""

    year: int
    total_wan: Decimal  # all PPP fiscal liabilities
    government_pay_wan: Decimal  # government-pay PPP only
    budget_wan: Decimal | None  # None: the budget gives no figure for the year
    share: Decimal | None  # total ÷ budget (unrounded, 34 digits)
    government_pay_share: Decimal | None


def _breach(cents: int, budget: Decimal | None, line: Decimal) -> bool:
    """Strictly above the line (exact: total > line × budget)."""
    if budget is None:
        return False
    with localcontext(_CTX):
        return Decimal(cents) > line * budget * 100


class PortfolioProjection:
    """Yearly PPP liabilities of a portfolio against the budget (see `project_portfolio`)."""

    def __init__(
        self,
        years: range,
        budget: BudgetProjection,
        plans: list[_Plan],
        cells: list[list[int]],
        other_cents: list[int] | None = None,
    ):
        self.years = years
        self.budget = budget
        self._plans = {plan.inputs.project_code: plan for plan in plans}
        self._cells = {plan.inputs.project_code: c for plan, c in zip(plans, cells, strict=True)}
        width = len(years)
        gp_cells = [c for plan, c in zip(plans, cells, strict=True) if plan.inputs.government_pay]
        total = [sum(column) for column in zip(*cells, strict=True)] if cells else [0] * width
        # PPP liabilities outside this portfolio (the rest of the jurisdiction's PPP projects)
        # count toward the lines too: the 10% red line is on all PPP spending.
        self._other = list(other_cents) if other_cents is not None else [0] * width
        total = [t + o for t, o in zip(total, self._other, strict=True)]
        government = (
            [sum(column) for column in zip(*gp_cells, strict=True)] if gp_cells else [0] * width
        )
        self._total = total
        self._government = government
        self._budget = [budget.expenditure(y) if budget.covers(y) else None for y in years]
        rows = []
        for k, year in enumerate(years):
            b = self._budget[k]
            with localcontext(_CTX):
                rows.append(
                    YearFigures(
                        year=year,
                        total_wan=_from_cents(total[k]),
                        government_pay_wan=_from_cents(government[k]),
                        budget_wan=b,
                        share=_from_cents(total[k]) / b if b is not None else None,
                        government_pay_share=_from_cents(government[k]) / b
                        if b is not None
                        else None,
                    )
                )
        self.rows: tuple[YearFigures, ...] = tuple(rows)

    def row(self, year: int) -> YearFigures:
        return self.rows[self.years.index(year)]

    @property
    def project_codes(self) -> tuple[str, ...]:
        return tuple(self._plans)

    def project_totals(self, code: str) -> dict[int, Decimal]:
        """One project's total liability per calendar year of the window (万元, 0.01)."""
        cells = self._cells[code]
        return {year: _from_cents(cents) for year, cents in zip(self.years, cells, strict=True)}

    def first_breach(self, line: Decimal, *, government_pay_only: bool = False) -> int | None:
        """The first year of the window whose share is strictly above ``line`` (None: never).

        ``government_pay_only`` compares the government-pay-only share. Note: 财金〔2019〕10号
        bars new government-pay projects where the *total* PPP share exceeds 5%; the
        government-pay-only share is a monitoring figure.
        Years the budget gives no figure for are skipped.
        """
        cents = self._government if government_pay_only else self._total
        return self._first(cents, line)

    def first_breach_with(
        self, project: FiscalInputs, line: Decimal, *, government_pay_only: bool = False
    ) -> int | None:
        """The first year the portfolio would be strictly above ``line`` with ``project`` in it.

        A project whose code is already in the portfolio replaces it (a revised plan); a
        non-government-pay project does not change the government-pay-only share.
        """
        plan = _Plan(project)
        added = plan.cells(self.years.start, len(self.years))
        cents = list(self._government if government_pay_only else self._total)
        old = self._plans.get(project.project_code)
        if old is not None and (old.inputs.government_pay or not government_pay_only):
            for offset, value in enumerate(self._cells[project.project_code]):
                cents[offset] -= value
        if project.government_pay or not government_pay_only:
            for offset, value in enumerate(added):
                cents[offset] += value
        return self._first(cents, line)

    def _first(self, cents: list[int], line: Decimal) -> int | None:
        line = _number(line, "line", "line", "红线")
        for k, year in enumerate(self.years):
            if _breach(cents[k], self._budget[k], line):
                return year
        return None


def project_portfolio(
    projects: Iterable[FiscalInputs],
    budget: BudgetProjection,
    *,
    start_year: int,
    years: int = 30,
    other_liabilities_wan: Mapping[int, Decimal] | None = None,
) -> PortfolioProjection:
    """The portfolio's PPP liabilities for ``years`` calendar years from ``start_year``.

    Exactly the Decimal path's figures (`project_liabilities`), summed; 2,000 projects × 30
    years take a few tens of milliseconds. ``other_liabilities_wan`` (万元 by year) are the
    jurisdiction's PPP liabilities outside this portfolio; they count in the total (not in the
    government-pay-only figure, whose make-up is unknown).
    """
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise FiscalInputError("years", "The window must be at least one year.", "预测期至少一年。")
    plans = [_Plan(p) for p in projects]
    seen = set()
    for plan in plans:
        code = plan.inputs.project_code
        if code in seen:
            raise FiscalInputError(
                "project_code", f"Project {code} appears twice.", f"项目 {code} 重复出现。"
            )
        seen.add(code)
    cells = [plan.cells(start_year, years) for plan in plans]
    other = None
    if other_liabilities_wan:
        other = []
        for year in range(start_year, start_year + years):
            amount = _number(other_liabilities_wan.get(year, ZERO), "other_liabilities_wan",
                             f"other PPP liabilities of {year}", f"{year} 年其他 PPP 支出责任")
            if amount < 0:
                raise FiscalInputError("other_liabilities_wan",
                                       f"Other PPP liabilities of {year} must not be negative.",
                                       f"{year} 年其他 PPP 支出责任不能为负数。")
            other.append(_cents(amount))
    return PortfolioProjection(range(start_year, start_year + years), budget, plans, cells, other)


def _pct(share: Decimal | None) -> float | None:
    if share is None:
        return None
    return float((share * 100).quantize(CENT, rounding=ROUND_HALF_UP, context=_CTX))


def to_chart(projection: PortfolioProjection) -> dict:
    """Plain lists for an ECharts line chart: x = years, two share series in %, the two lines."""
    rows = projection.rows
    return {
        "years": [r.year for r in rows],
        "share_pct": [_pct(r.share) for r in rows],
        "government_pay_share_pct": [_pct(r.government_pay_share) for r in rows],
        "total_wan": [float(r.total_wan) for r in rows],
        "government_pay_wan": [float(r.government_pay_wan) for r in rows],
        "budget_wan": [None if r.budget_wan is None else float(r.budget_wan) for r in rows],
        "lines": [
            {
                "key": "red_line",
                "value_pct": float(RED_LINE * 100),
                "name_en": "PPP red line: all PPP ≤ 10% of the general public budget",
                "name_zh": "PPP 红线：全部 PPP 支出 ≤ 一般公共预算支出 10%",
                "source": SOURCE_RED_LINE,
            },
            {
                "key": "government_pay_line",
                "value_pct": float(GOVERNMENT_PAY_LINE * 100),
                "name_en": "Above 5%: no new government-pay PPP",
                "name_zh": "超过 5%：不得新上政府付费项目",
                "source": SOURCE_RED_LINE,
            },
        ],
    }
