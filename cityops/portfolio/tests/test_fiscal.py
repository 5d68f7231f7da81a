"""The fiscal affordability engine (cityops/portfolio/domain/fiscal.py): plain pytest, no DB."""

from dataclasses import replace
from decimal import Decimal, localcontext

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityops.portfolio.domain.facts import FiscalInputs
from cityops.portfolio.domain.fiscal import (
    GOVERNMENT_PAY_LINE,
    RED_LINE,
    BudgetProjection,
    FiscalInputError,
    Liability,
    operating_subsidy,
    project_liabilities,
    project_portfolio,
    to_chart,
)

D = Decimal


def inputs(**overrides) -> FiscalInputs:
    """The worked example: construction 10,000万, profit 6%, discount 5%, period 10 years,
    operating cost 500万, user payments 200万; built 2025–2026, operating from 2027."""
    values = dict(
        project_code="PPP-1",
        government_pay=True,
        first_operation_year=2027,
        build_start_year=2025,
        build_years=2,
        subsidy_years=10,
        total_construction_cost_wan=D("10000"),
        reasonable_profit_rate=D("0.06"),
        discount_rate=D("0.05"),
        annual_operating_cost_wan=D("500"),
        annual_user_payment_wan=D("200"),
    )
    values.update(overrides)
    return FiscalInputs(**values)


def flat(code, cost, first_operation_year, *, government_pay=True, years=10, **more):
    """A project whose subsidy is the same every year: cost ÷ years (no profit, no discount,
    no operating cost, no user payment)."""
    return FiscalInputs(
        project_code=code,
        government_pay=government_pay,
        first_operation_year=first_operation_year,
        build_start_year=first_operation_year - 1,
        build_years=1,
        subsidy_years=years,
        total_construction_cost_wan=D(cost),
        reasonable_profit_rate=D(0),
        discount_rate=D(0),
        annual_operating_cost_wan=D(0),
        annual_user_payment_wan=D(0),
        **more,
    )


# --- the formula, by hand -----------------------------------------------------------------------


def test_operating_subsidy_worked_example():
    """subsidy(n) = C × (1 + r) × (1 + i)^n ÷ T + O × (1 + r) − U

    C × (1 + r) ÷ T = 10000 × 1.06 ÷ 10 = 1060
    O × (1 + r) − U = 500 × 1.06 − 200 = 530 − 200 = 330
    so subsidy(n) = 1060 × 1.05^n + 330:

    n = 1:  1.05^1  = 1.05                  1060 × 1.05       = 1113            + 330 = 1443.00
    n = 2:  1.05^2  = 1.1025                1060 × 1.1025     = 1168.65         + 330 = 1498.65
    n = 3:  1.05^3  = 1.157625              1060 × 1.157625   = 1227.0825       + 330 = 1557.0825
                                                                                        → 1557.08
    n = 4:  1.05^4  = 1.21550625            1060 × 1.21550625 = 1288.436625     + 330 = 1618.436625
                                                                                        → 1618.44
    n = 5:  1.05^5  = 1.2762815625          × 1060            = 1352.85845625   + 330 = 1682.85845625
                                                                                        → 1682.86
    n = 10: 1.05^10 = 1.628894626777441406… × 1060            = 1726.628304384… + 330 = 2056.628304…
                                                                                        → 2056.63
    """
    p = inputs()
    assert operating_subsidy(p, 1) == D("1443.00")
    assert operating_subsidy(p, 2) == D("1498.65")
    assert operating_subsidy(p, 3) == D("1557.08")
    assert operating_subsidy(p, 4) == D("1618.44")
    assert operating_subsidy(p, 5) == D("1682.86")
    assert operating_subsidy(p, 10) == D("2056.63")
    assert str(operating_subsidy(p, 1)) == "1443.00"  # quantized to 0.01 万元


def test_no_subsidy_outside_the_subsidy_period():
    p = inputs()
    assert operating_subsidy(p, 0) == 0
    assert operating_subsidy(p, 11) == 0


def test_subsidy_is_never_negative():
    """User payments 2,000万: subsidy(n) = 1060 × 1.05^n + 530 − 2000 = 1060 × 1.05^n − 1470.

    n = 1: 1113 − 1470 = −357 → 0 (the government pays nothing; the surplus is not carried)
    n = 6: 1060 × 1.340095640625 = 1420.5013790625 − 1470 = −49.4986… → 0
    n = 7: 1060 × 1.40710042265625 = 1491.526448015625 − 1470 = 21.526448… → 21.53
    """
    p = inputs(annual_user_payment_wan=D("2000"))
    assert [operating_subsidy(p, n) for n in range(1, 8)] == [D(0)] * 6 + [D("21.53")]


def test_rounding_is_half_up_at_the_end():
    """C = 10.01, no profit, no discount, T = 2: 10.01 × 1 × 1 ÷ 2 = 5.005 → 5.01 (四舍五入;
    banker's rounding would give 5.00)."""
    p = flat("TIE", "10.01", 2027, years=2)
    assert operating_subsidy(p, 1) == D("5.01")


@pytest.mark.parametrize(
    ("project", "expected"),
    [
        # 0.29 ÷ 2 = 0.145 → 0.15; in floats 0.145 × 100 = 14.499999999999998 → 14 cents: wrong
        (flat("TIE", "0.29", 2027, years=2), D("0.15")),
        # 2.01 ÷ 2 = 1.005 → 1.01; in floats 100.49999999999999 cents → 1.00: wrong
        (flat("TIE", "2.01", 2027, years=2), D("1.01")),
        # 144 × 1.05 × 1.05 ÷ 8 = 158.76 ÷ 8 = 19.845 → 19.85; floats give 19.84
        (
            inputs(
                total_construction_cost_wan=D(144),
                subsidy_years=8,
                reasonable_profit_rate=D("0.05"),
                annual_operating_cost_wan=D(0),
                annual_user_payment_wan=D(0),
            ),
            D("19.85"),
        ),
    ],
)
def test_the_fast_path_hands_ties_to_the_decimal_path(project, expected):
    """Exact ties (x.xx5) that floats see as x.xx4999…: the portfolio's float path must notice
    it is within its error bound of a tie and recompute the cell in Decimal."""
    assert operating_subsidy(project, 1) == expected
    projection = project_portfolio(
        [project], BudgetProjection(by_year_wan={2027: 1000}), start_year=2027, years=1
    )
    assert projection.row(2027).total_wan == expected


def test_the_fast_path_on_every_cent_from_0_01_to_50_00():
    """c ÷ 2 and c × 1.05 × 1.05^n ÷ 8 for every c: ties galore, all equal to the Decimal path."""
    for c in range(1, 5001):
        for project in (
            flat("C", D(c) / 100, 2027, years=2),
            inputs(
                total_construction_cost_wan=D(c) / 100,
                subsidy_years=8,
                reasonable_profit_rate=D("0.05"),
                annual_operating_cost_wan=D(0),
                annual_user_payment_wan=D(0),
            ),
        ):
            projection = project_portfolio([project], WINDOW_BUDGET, start_year=2027, years=3)
            exact = project_liabilities(project, projection.years)
            assert projection.project_totals(project.project_code) == {
                y: liability.total for y, liability in exact.items()
            }, c


def test_result_does_not_depend_on_the_callers_decimal_context():
    with localcontext() as ctx:
        ctx.prec = 4
        assert operating_subsidy(inputs(), 5) == D("1682.86")


# --- liabilities by calendar year ---------------------------------------------------------------


def test_project_liabilities_by_calendar_year():
    """Equity 100万 over the 2 build years: 50 + 50. Supporting inputs 30万 in 2025 (the first
    build year). Risk 10% of the subsidy: 2027: 1443.00 × 0.10 = 144.30; 2028: 1498.65 × 0.10 =
    149.865 → 149.87. Subsidy from 2027 (n = 1) for 10 years, to 2036."""
    p = inputs(
        government_equity_wan=D("100"),
        supporting_inputs_wan=D("30"),
        risk_share_of_subsidy=D("0.10"),
    )
    rows = project_liabilities(p, range(2024, 2039))
    assert list(rows) == list(range(2024, 2039))
    assert rows[2024] == Liability()
    assert rows[2025] == Liability(equity=D("50.00"), supporting=D("30.00"))
    assert rows[2025].total == D("80.00")
    assert rows[2026] == Liability(equity=D("50.00"))
    assert rows[2027] == Liability(operating_subsidy=D("1443.00"), risk=D("144.30"))
    assert rows[2027].total == D("1587.30")
    assert rows[2028].risk == D("149.87")
    assert rows[2028].total == D("1498.65") + D("149.87")
    assert rows[2036].operating_subsidy == D("2056.63")
    assert rows[2037] == rows[2038] == Liability()


def test_equity_spread_evenly_the_last_build_year_takes_the_remainder():
    """100万 over 3 years: 100 ÷ 3 = 33.333… → 33.33, 33.33 and 100 − 66.66 = 33.34."""
    p = inputs(build_years=3, first_operation_year=2028, government_equity_wan=D("100"))
    rows = project_liabilities(p, range(2025, 2028))
    assert [rows[y].equity for y in range(2025, 2028)] == [D("33.33"), D("33.33"), D("33.34")]
    assert sum(r.equity for r in rows.values()) == D("100.00")


def test_equity_without_a_build_period_falls_in_the_start_year():
    p = inputs(build_years=0, first_operation_year=2025, government_equity_wan=D("70"))
    assert project_liabilities(p, range(2025, 2026))[2025].equity == D("70.00")


# --- the budget ---------------------------------------------------------------------------------


def test_budget_growth_path_and_explicit_override():
    """Base 2025: 1,000,000万, growth 4%:
    2026 = 1,000,000 × 1.04 = 1,040,000.00; 2027 = 1,000,000 × 1.0816 = 1,081,600.00;
    2024 = 1,000,000 ÷ 1.04 = 961,538.4615… → 961,538.46.
    An explicit 2026 overrides that year only: 2027 stays on the path (not re-based)."""
    budget = BudgetProjection(base_year=2025, base_amount_wan=D(1_000_000), growth_rate=D("0.04"))
    assert budget.expenditure(2025) == D("1000000.00")
    assert budget.expenditure(2026) == D("1040000.00")
    assert budget.expenditure(2027) == D("1081600.00")
    assert budget.expenditure(2024) == D("961538.46")
    overridden = replace(budget, by_year_wan={2026: D(1_050_000)})
    assert overridden.expenditure(2026) == D("1050000.00")
    assert overridden.expenditure(2027) == D("1081600.00")


def test_explicit_budget_only_covers_its_years():
    budget = BudgetProjection(by_year_wan={2025: D(500), 2026: 600})
    assert budget.expenditure(2026) == D("600.00")
    assert not budget.covers(2027)
    with pytest.raises(FiscalInputError) as err:
        budget.expenditure(2027)
    assert err.value.field == "by_year_wan"
    projection = project_portfolio([flat("A", 100, 2025)], budget, start_year=2025, years=3)
    assert abs(projection.row(2026).share - D(10) / D(600)) < D("1e-25")
    assert projection.row(2027).share is None
    assert to_chart(projection)["share_pct"] == [2.0, 1.67, None]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "by_year_wan"),
        ({"by_year_wan": {2025: D(-1)}}, "by_year_wan"),
        ({"by_year_wan": {2025: D(0)}}, "by_year_wan"),
        ({"by_year_wan": {2025: 1000.0}}, "by_year_wan"),
        ({"base_year": 2025}, "base_amount_wan"),
        ({"base_amount_wan": D(1000)}, "base_year"),
        ({"base_year": 2025, "base_amount_wan": D(-5)}, "base_amount_wan"),
        ({"base_year": 2025, "base_amount_wan": D(1000), "growth_rate": D("-0.51")}, "growth_rate"),
        ({"base_year": 2025, "base_amount_wan": D(1000), "growth_rate": D("1.01")}, "growth_rate"),
        ({"base_year": 2025, "base_amount_wan": D(1000), "growth_rate": D("NaN")}, "growth_rate"),
    ],
)
def test_budget_validation_names_the_field(kwargs, field):
    with pytest.raises(FiscalInputError) as err:
        BudgetProjection(**kwargs)
    assert err.value.field == field
    assert err.value.en and err.value.zh


@pytest.mark.parametrize("growth", [D("-0.5"), D("1"), D(0)])
def test_budget_growth_bounds_are_inclusive(growth):
    BudgetProjection(base_year=2025, base_amount_wan=D(1000), growth_rate=growth)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"total_construction_cost_wan": D(-1)}, "total_construction_cost_wan"),
        ({"annual_operating_cost_wan": D("-0.01")}, "annual_operating_cost_wan"),
        ({"annual_user_payment_wan": D(-5)}, "annual_user_payment_wan"),
        ({"government_equity_wan": D(-5)}, "government_equity_wan"),
        ({"supporting_inputs_wan": D(-5)}, "supporting_inputs_wan"),
        ({"total_construction_cost_wan": 10000.0}, "total_construction_cost_wan"),
        ({"total_construction_cost_wan": D("Infinity")}, "total_construction_cost_wan"),
        ({"total_construction_cost_wan": D("1e12")}, "total_construction_cost_wan"),
        ({"reasonable_profit_rate": D("1.5")}, "reasonable_profit_rate"),
        ({"discount_rate": D("-0.01")}, "discount_rate"),
        ({"risk_share_of_subsidy": D(2)}, "risk_share_of_subsidy"),
        ({"subsidy_years": 0}, "subsidy_years"),
        ({"subsidy_years": 51}, "subsidy_years"),
        ({"build_years": -1}, "build_years"),
        ({"first_operation_year": 2020}, "first_operation_year"),
        ({"project_code": ""}, "project_code"),
    ],
)
def test_project_validation_names_the_field(overrides, field):
    with pytest.raises(FiscalInputError) as err:
        operating_subsidy(inputs(**overrides), 1)
    assert err.value.field == field
    assert err.value.en and err.value.zh
    with pytest.raises(FiscalInputError) as err:
        project_portfolio(
            [inputs(**overrides)], BudgetProjection(by_year_wan={2025: 1}), start_year=2025
        )
    assert err.value.field == field


def test_portfolio_validation():
    budget = BudgetProjection(by_year_wan={2025: 1})
    with pytest.raises(FiscalInputError) as err:
        project_portfolio([inputs(), inputs()], budget, start_year=2025)
    assert err.value.field == "project_code"
    with pytest.raises(FiscalInputError) as err:
        project_portfolio([inputs()], budget, start_year=2025, years=0)
    assert err.value.field == "years"


# --- the portfolio and its red lines ------------------------------------------------------------

BUDGET = BudgetProjection(base_year=2025, base_amount_wan=D(100_000), growth_rate=D(0))


def portfolio():
    """Budget 100,000万 every year. Flat subsidies (cost ÷ 10 a year, 10 years):

    G1 government pay   50,000 → 5,000/yr 2026–2035
    G2 government pay    1,000 →   100/yr 2030–2039
    V1 VGF              40,000 → 4,000/yr 2028–2037
    V2 VGF              10,000 → 1,000/yr 2033–2042

    total:          2026–27 5,000 (5%)  2028–29 9,000  2030–32 9,100  2033 10,100 (10.1%)
    government pay: 2026–29 5,000 (exactly 5%: not a breach)  2030 5,100 (5.1%)
    """
    return [
        flat("G1", 50_000, 2026),
        flat("G2", 1_000, 2030),
        flat("V1", 40_000, 2028, government_pay=False),
        flat("V2", 10_000, 2033, government_pay=False),
    ]


def test_portfolio_years_and_shares():
    projection = project_portfolio(portfolio(), BUDGET, start_year=2025)
    assert projection.years == range(2025, 2055)
    r = projection.row(2030)
    assert (r.total_wan, r.government_pay_wan, r.budget_wan) == (
        D("9100.00"),
        D("5100.00"),
        D("100000.00"),
    )
    assert r.share == D("0.091") and r.government_pay_share == D("0.051")
    assert projection.project_totals("G2")[2030] == D("100.00")
    assert projection.project_totals("G2")[2029] == 0
    assert set(projection.project_codes) == {"G1", "G2", "V1", "V2"}


def test_first_breach_of_the_10_and_5_percent_lines():
    projection = project_portfolio(portfolio(), BUDGET, start_year=2025)
    assert projection.first_breach(RED_LINE) == 2033  # 10.1%
    assert projection.first_breach(GOVERNMENT_PAY_LINE) == 2028  # total 9%
    # government pay only: exactly 5% in 2026–2029 is not a breach, 5.1% in 2030 is
    assert projection.first_breach(GOVERNMENT_PAY_LINE, government_pay_only=True) == 2030
    assert projection.first_breach(D("0.20")) is None


def test_first_breach_with_a_planned_project():
    """P, government pay, 10,000 → 1,000/yr 2029–2038:
    total 2029 = 5,000 + 4,000 + 1,000 = 10,000 (exactly 10%, no breach), 2030 = 10,100 → 2030;
    government pay 2029 = 5,000 + 1,000 = 6% → 2029."""
    projection = project_portfolio(portfolio(), BUDGET, start_year=2025)
    planned = flat("P", 10_000, 2029)
    assert projection.first_breach_with(planned, RED_LINE) == 2030
    assert (
        projection.first_breach_with(planned, GOVERNMENT_PAY_LINE, government_pay_only=True) == 2029
    )
    # the same project as VGF does not move the government-pay share
    vgf = replace(planned, government_pay=False)
    assert projection.first_breach_with(vgf, GOVERNMENT_PAY_LINE, government_pay_only=True) == 2030
    assert projection.first_breach_with(vgf, RED_LINE) == 2030
    # the projection itself is unchanged
    assert projection.first_breach(RED_LINE) == 2033


def test_first_breach_with_a_revised_project_replaces_it():
    projection = project_portfolio(portfolio(), BUDGET, start_year=2025)
    smaller_g2 = flat("G2", 0, 2030)
    assert (
        projection.first_breach_with(smaller_g2, GOVERNMENT_PAY_LINE, government_pay_only=True)
        is None
    )
    # G2 becoming VGF leaves the government-pay share at 5%, the total unchanged
    g2_vgf = flat("G2", 1_000, 2030, government_pay=False)
    assert (
        projection.first_breach_with(g2_vgf, GOVERNMENT_PAY_LINE, government_pay_only=True) is None
    )
    assert projection.first_breach_with(g2_vgf, RED_LINE) == 2033


def test_a_project_outside_the_window_changes_nothing():
    before = flat("OLD", 99_999, 1990)  # subsidies 1990–1999
    after = flat("LATE", 99_999, 2060, government_equity_wan=D(500))  # builds 2059, pays 2060+
    base = project_portfolio(portfolio(), BUDGET, start_year=2025)
    projection = project_portfolio([*portfolio(), before, after], BUDGET, start_year=2025)
    assert projection.rows == base.rows
    assert set(projection.project_totals("OLD").values()) == {D(0)}
    assert set(projection.project_totals("LATE").values()) == {D(0)}
    assert base.first_breach_with(after, RED_LINE) == base.first_breach(RED_LINE)


def test_to_chart():
    chart = to_chart(project_portfolio(portfolio(), BUDGET, start_year=2025, years=10))
    assert chart["years"] == list(range(2025, 2035))
    assert chart["share_pct"][:9] == [0.0, 5.0, 5.0, 9.0, 9.0, 9.1, 9.1, 9.1, 10.1]
    assert chart["government_pay_share_pct"][5] == 5.1
    assert chart["total_wan"][5] == 9100.0
    assert chart["budget_wan"][0] == 100000.0
    assert [line["value_pct"] for line in chart["lines"]] == [10.0, 5.0]
    assert all(isinstance(v, float) for v in chart["share_pct"])


# --- the fast path equals the Decimal path ------------------------------------------------------

cents = st.integers(min_value=0, max_value=10**9).map(lambda c: D(c) / 100)  # 0 – 1,000万 wan
rates = st.one_of(
    st.integers(min_value=0, max_value=1200).map(lambda r: D(r) / 10_000),  # 0 – 12%, 0.01%
    st.sampled_from([D(0), D("0.05"), D("0.06"), D("0.045"), D("0.1"), D("0.125")]),
)


@st.composite
def fiscal_inputs(draw, code="R"):
    build_start = draw(st.integers(min_value=2000, max_value=2060))
    build_years = draw(st.integers(min_value=0, max_value=5))
    return FiscalInputs(
        project_code=code,
        government_pay=draw(st.booleans()),
        first_operation_year=build_start + build_years + draw(st.integers(0, 2)),
        build_start_year=build_start,
        build_years=build_years,
        subsidy_years=draw(st.integers(min_value=1, max_value=40)),
        total_construction_cost_wan=draw(cents),
        reasonable_profit_rate=draw(rates),
        discount_rate=draw(rates),
        annual_operating_cost_wan=draw(cents),
        annual_user_payment_wan=draw(st.one_of(cents, st.just(D(0)))),
        government_equity_wan=draw(st.one_of(cents, st.just(D(0)))),
        risk_share_of_subsidy=draw(
            st.one_of(
                st.integers(0, 100).map(lambda r: D(r) / 100),
                st.integers(0, 10_000).map(lambda r: D(r) / 10_000),
            )
        ),
        supporting_inputs_wan=draw(st.one_of(cents, st.just(D(0)))),
    )


WINDOW_BUDGET = BudgetProjection(base_year=2030, base_amount_wan=D(10**9), growth_rate=D("0.03"))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fiscal_inputs(), st.integers(min_value=1995, max_value=2070))
def test_fast_path_equals_the_decimal_path(project, start_year):
    """Every cent shown by the portfolio equals the Decimal formula's (not just within 0.01)."""
    projection = project_portfolio([project], WINDOW_BUDGET, start_year=start_year, years=30)
    exact = project_liabilities(project, projection.years)
    fast = projection.project_totals(project.project_code)
    assert fast == {year: liability.total for year, liability in exact.items()}
    for row in projection.rows:
        assert abs(row.total_wan - exact[row.year].total) < D("0.01")


@settings(max_examples=30, deadline=None)
@given(st.lists(fiscal_inputs(), min_size=1, max_size=20))
def test_portfolio_totals_are_the_sum_of_the_decimal_totals(projects):
    projects = [replace(p, project_code=f"R{k}") for k, p in enumerate(projects)]
    projection = project_portfolio(projects, WINDOW_BUDGET, start_year=2020, years=30)
    exact = [project_liabilities(p, projection.years) for p in projects]
    for row in projection.rows:
        assert row.total_wan == sum((e[row.year].total for e in exact), D(0))
        assert row.government_pay_wan == sum(
            (e[row.year].total for p, e in zip(projects, exact, strict=True) if p.government_pay),
            D(0),
        )


def test_fast_path_equals_the_decimal_path_on_the_bench_portfolio():
    from bench.portfolio import generate_projects

    projects = generate_projects(300, seed=7)
    projection = project_portfolio(projects, WINDOW_BUDGET, start_year=2015, years=30)
    for p in projects:
        exact = project_liabilities(p, projection.years)
        assert projection.project_totals(p.project_code) == {
            y: liability.total for y, liability in exact.items()
        }


def test_budget_growth_path_too_far_from_the_base_year():
    budget = BudgetProjection(base_year=2025, base_amount_wan=D(10**6), growth_rate=D(1))
    with pytest.raises(FiscalInputError) as err:
        budget.expenditure(2225)  # 2^200 × 10^6: beyond 34 digits
    assert err.value.field == "base_year"


def test_other_ppp_liabilities_count_toward_the_lines_but_not_government_pay():
    """The red line is on all the jurisdiction's PPP spending, not only this portfolio's."""
    from decimal import Decimal as D

    from cityops.portfolio.domain import fiscal as f

    budget = f.BudgetProjection(by_year_wan={2030: D("1000000"), 2031: D("1000000")})
    alone = f.project_portfolio([], budget, start_year=2030, years=2)
    assert alone.first_breach(D("0.05")) is None
    with_other = f.project_portfolio([], budget, start_year=2030, years=2,
                                     other_liabilities_wan={2031: D("50000.01")})
    assert with_other.row(2031).total_wan == D("50000.01")
    assert with_other.row(2031).government_pay_wan == D("0.00")
    assert with_other.first_breach(D("0.05")) == 2031  # 5.000001% > 5%
    assert with_other.first_breach(D("0.05"), government_pay_only=True) is None
    try:
        f.project_portfolio([], budget, start_year=2030, years=2,
                            other_liabilities_wan={2030: D("-1")})
    except f.FiscalInputError as exc:
        assert exc.field == "other_liabilities_wan"
    else:
        raise AssertionError("negative other liabilities accepted")
