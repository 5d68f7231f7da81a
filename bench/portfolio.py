"""Portfolio benchmarks (pure Python, no database): wired into `make bench` by bench/__main__.py.

Run alone: ``.venv/bin/python -m bench.portfolio``.
"""

from __future__ import annotations

import random
import sys
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext


def generate_projects(n: int = 2000, *, seed: int = 20250101):
    """``n`` PPP projects with realistic shapes, the same for the same seed.

    Construction 5,000–300,000万, profit 5–8%, discount 3–6%, build 1–3 years, subsidy period
    10–30 years, build starts spread over 2015–2035, a third government-pay, the rest VGF.
    """
    from cityops.portfolio.domain.facts import FiscalInputs

    rng = random.Random(seed)
    projects = []
    for k in range(n):
        construction = Decimal(rng.randrange(500_000, 30_000_001)) / 100  # 0.01 万元
        build_years = rng.randint(1, 3)
        start = rng.randint(2015, 2035)
        operating = (construction * Decimal(rng.randint(2, 8)) / 100).quantize(Decimal("0.01"))
        government_pay = rng.random() < 1 / 3
        user = (
            Decimal(0)
            if government_pay
            else (operating * Decimal(rng.randint(10, 150)) / 100).quantize(Decimal("0.01"))
        )
        projects.append(
            FiscalInputs(
                project_code=f"PPP-{k:05d}",
                government_pay=government_pay,
                first_operation_year=start + build_years,
                build_start_year=start,
                build_years=build_years,
                subsidy_years=rng.randint(10, 30),
                total_construction_cost_wan=construction,
                reasonable_profit_rate=Decimal(rng.randint(500, 800)) / 10_000,
                discount_rate=Decimal(rng.randint(300, 600)) / 10_000,
                annual_operating_cost_wan=operating,
                annual_user_payment_wan=user,
                government_equity_wan=(construction * Decimal(rng.randint(0, 10)) / 100).quantize(
                    Decimal("0.01")
                ),
                risk_share_of_subsidy=Decimal(rng.choice([0, 5, 10, 15, 20])) / 100,
                supporting_inputs_wan=Decimal(rng.choice([0, 0, 50, 120, 300])),
            )
        )
    return projects


def naive_portfolio(projects, budget, *, start_year: int, years: int = 30):
    """The naive way: a Decimal loop per project per year, totals and shares in dicts."""
    with localcontext(Context(prec=34)):  # the precision fiscal.py computes with
        return _naive(projects, budget, start_year, years)


def _naive(projects, budget, start_year, years):
    cent = Decimal("0.01")
    window = range(start_year, start_year + years)
    total = dict.fromkeys(window, Decimal(0))
    government = dict.fromkeys(window, Decimal(0))
    per_project = {}
    for p in projects:
        rows = {}
        equity = p.government_equity_wan.quantize(cent, ROUND_HALF_UP)
        build = max(p.build_years, 1)
        each = (equity / build).quantize(cent, ROUND_HALF_UP)
        for year in window:
            cell = Decimal(0)
            k = year - p.build_start_year
            if 0 <= k < build:
                cell += each if k < build - 1 else equity - each * (build - 1)
            if year == p.build_start_year:
                cell += p.supporting_inputs_wan.quantize(cent, ROUND_HALF_UP)
            n = year - p.first_operation_year + 1
            if 1 <= n <= p.subsidy_years:
                subsidy = (
                    p.total_construction_cost_wan
                    * (1 + p.reasonable_profit_rate)
                    * (1 + p.discount_rate) ** n
                    / p.subsidy_years
                    + p.annual_operating_cost_wan * (1 + p.reasonable_profit_rate)
                    - p.annual_user_payment_wan
                )
                subsidy = subsidy.quantize(cent, ROUND_HALF_UP) if subsidy > 0 else Decimal(0)
                risk = (p.risk_share_of_subsidy * subsidy).quantize(cent, ROUND_HALF_UP)
                cell += subsidy + risk
            rows[year] = cell
            total[year] += cell
            if p.government_pay:
                government[year] += cell
        per_project[p.project_code] = rows
    shares = {y: total[y] / budget.expenditure(y) for y in window}
    gp_shares = {y: government[y] / budget.expenditure(y) for y in window}
    return total, government, shares, gp_shares, per_project


def bench_fiscal_projection(n: int = 2000, years: int = 30):
    """`project_portfolio` for n projects × years vs the naive per-cell Decimal loop."""
    from bench.__main__ import measure, row
    from cityops.portfolio.domain.fiscal import BudgetProjection, project_portfolio

    projects = generate_projects(n)
    # a large province's general public budget: 2万亿元 = 200,000,000万, growing 4% a year; the
    # generated portfolio then rises from 3.9% (2020) to 10.5% (2034) and falls back to 3.2%
    budget = BudgetProjection(
        base_year=2025, base_amount_wan=Decimal(200_000_000), growth_rate=Decimal("0.04")
    )
    holder = {}
    value, peak = measure(
        lambda: holder.update(
            fast=project_portfolio(projects, budget, start_year=2020, years=years)
        ),
        repeat=5,
    )
    baseline, _ = measure(
        lambda: holder.update(
            naive=naive_portfolio(projects, budget, start_year=2020, years=years)
        ),
        repeat=3,
        trace=False,
    )
    fast, (total, government, *_rest, per_project) = holder["fast"], holder["naive"]
    for r in fast.rows:  # same figures to the cent, or the benchmark is meaningless
        assert r.total_wan == total[r.year] and r.government_pay_wan == government[r.year], r
    for code, rows in per_project.items():
        assert fast.project_totals(code) == rows, code
    return [
        row(
            f"fiscal_projection_{n}x{years}",
            value * 1000,
            "ms",
            "naive_decimal_loop_per_cell",
            baseline * 1000,
            peak,
        )
    ]


if __name__ == "__main__":
    import json

    json.dump(bench_fiscal_projection(), sys.stdout, indent=2, ensure_ascii=False)
    print()
