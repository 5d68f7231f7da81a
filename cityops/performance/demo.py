"""Demo performance data: 24 months of KPI measurements for the demo city's contracts, with a
few suppliers in decline, so that the index, the payments and the risk panel tell a story.

Pure data, no Django: the demo loader turns a ``DemoPerformance`` into rows through the real
services. Deterministic: ``rng_for(seed, "performance")`` picks the declining suppliers and
seeds one stream per contract (derived from the contract id), so the same seed gives the same
data, and adding a contract does not change the others' values.

How values are made: every KPI of a contract has a *distance* d from its target, in
target–floor spans (d = 0 at the target, 1 at the floor, 2 at the default zero-score value;
negative = better than the target); the value is target + d × (floor − target). A healthy
contract keeps d between −0.25 and 0.3 with monthly noise, so its SEI sits mostly in 85–100
and its payments are mostly full. A declining supplier's contracts drift from 6–9 months
before the end to d ≈ 1–2 (at or below the floor), submit late more often and leave more
values out; their SEI falls by 20–50 points, their payments are cut or withheld, their risk
index rises and their deposit requirement goes up. Security incidents (a count) are drawn
from a Poisson law whose rate rises the same way.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from cityops.demo.generator import DEFAULT_SEED, rng_for

from .domain import periods
from .domain.kpi import Kpi, KpiSet, Unit, default_kpi_set
from .domain.measurements import DEFAULT_DUE_DAYS, DEFAULT_GRACE_DAYS
from .domain.periods import PeriodKind

MONTHS = 24
SOURCES = ("api", "upload", "manual")  # supplier's API token, CSV/Excel upload, manual entry

QUALIFICATIONS = (
    "信息系统建设和服务能力等级证书（CS）",
    "信息安全服务资质（安全运维）",
    "ISO/IEC 27001 信息安全管理体系认证",
    "CMMI 三级",
)


@dataclass(frozen=True)
class DemoContract:
    """A contract as the performance demo needs it (plain data from the contracts demo)."""

    contract_id: str
    supplier_key: str
    operation_object: str
    start_month: str  # "2024-01"
    amount_wan: Decimal  # the contract amount, 万元


@dataclass(frozen=True)
class DemoMeasurement:
    contract_id: str
    kpi_code: str
    period: str
    value: float
    submitted_on: dt.date
    source: str  # "api" | "upload" | "manual"


@dataclass(frozen=True)
class DemoContractPerformance:
    contract: DemoContract
    kpis: KpiSet
    months: tuple[str, ...]
    value_added_items: tuple[int, ...]  # per month: value-added items delivered and accepted
    declining_from: str | None  # the first month of the decline, None for a healthy contract
    deposit_held_wan: Decimal  # the deposit paid at signing (2% of the amount)
    base_payment_wan: Decimal  # the monthly base payment: amount ÷ months, 0.01


@dataclass(frozen=True)
class DemoSupplierFacts:
    supplier_key: str
    credit_rating: str
    milestones_due: int
    milestones_late: int
    upheld_challenges: int
    upheld_complaints: int
    qualifications: tuple[tuple[str, dt.date], ...]  # required qualifications and expiry dates


@dataclass(frozen=True)
class DemoPerformance:
    seed: int
    as_of: dt.date  # the day after the last generated month: "today" of the story
    contracts: tuple[DemoContractPerformance, ...]
    measurements: tuple[DemoMeasurement, ...]
    declining_suppliers: tuple[str, ...]
    suppliers: tuple[DemoSupplierFacts, ...]
    _by_contract: dict = field(default_factory=dict, compare=False, repr=False)

    def contract(self, contract_id: str) -> DemoContractPerformance:
        for c in self.contracts:
            if c.contract.contract_id == contract_id:
                return c
        raise KeyError(contract_id)

    def supplier(self, key: str) -> DemoSupplierFacts:
        for s in self.suppliers:
            if s.supplier_key == key:
                return s
        raise KeyError(key)

    def measurements_of(self, contract_id: str) -> tuple[DemoMeasurement, ...]:
        if not self._by_contract:
            index: dict[str, list[DemoMeasurement]] = {}
            for m in self.measurements:
                index.setdefault(m.contract_id, []).append(m)
            self._by_contract.update({k: tuple(v) for k, v in index.items()})
        return self._by_contract.get(contract_id, ())

    def values_of(self, contract_id: str) -> dict[tuple[str, str], float]:
        """(kpi code, period) → value: the mapping ``measurements.assessment_inputs`` reads."""
        return {(m.kpi_code, m.period): m.value for m in self.measurements_of(contract_id)}


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method: fine for the small rates of security incidents.
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _round(kpi: Kpi, value: float) -> float:
    unit = Unit(kpi.unit)
    if unit in (Unit.COUNT, Unit.USERS, Unit.MINUTES):
        return float(round(value))
    if unit == Unit.PERCENT:
        return round(value, 3 if kpi.target >= 99 else 1)
    return round(value, 1)


def _value(rng: random.Random, kpi: Kpi, d: float) -> float:
    lo, hi = kpi.plausible_range
    if Unit(kpi.unit) == Unit.COUNT and kpi.target == 0:
        # incidents: rate 0.1 a month when healthy, ~1.5 at d = 2
        return float(_poisson(rng, max(0.05, 0.1 + 0.7 * max(d, 0.0))))
    value = kpi.target + d * (kpi.floor - kpi.target)
    return _round(kpi, min(max(value, lo), hi))


def _choose_declining(
    rng: random.Random, suppliers: Sequence[str], declining: Iterable[str] | None
) -> tuple[str, ...]:
    if declining is not None:
        chosen = tuple(sorted(set(declining)))
        unknown = [s for s in chosen if s not in suppliers]
        if unknown:
            raise ValueError(f"declining suppliers without contracts: {unknown}")
        return chosen
    if len(suppliers) < 2:
        return ()
    count = min(3, max(1, len(suppliers) // 5))
    return tuple(sorted(rng.sample(list(suppliers), count)))


def generate_performance(
    contracts: Sequence[DemoContract],
    *,
    seed: int = DEFAULT_SEED,
    months: int = MONTHS,
    declining: Iterable[str] | None = None,
    kpi_set_for: Callable[[DemoContract], KpiSet] | None = None,
) -> DemoPerformance:
    """Measurements for ``months`` months from each contract's start month; ``declining`` names
    the suppliers in decline (default: up to three, chosen by the seed). ``kpi_set_for`` gives
    a contract's KPIs (default: the six core indicators for every contract, whatever its
    operation object; e.g. ``lambda c: extended_kpi_set(c.operation_object)`` for eight). A
    quarterly KPI gets one value per quarter, keyed by the quarter, submitted after its last
    month."""
    master = rng_for(seed, "performance")
    # drawn first: the per-contract and per-supplier streams do not depend on the list
    stream_base = master.getrandbits(64)
    suppliers = sorted({c.supplier_key for c in contracts})
    chosen = _choose_declining(master, suppliers, declining)
    # how long each declining supplier has been declining (6–9 months), and how far it falls
    decline = {}
    for s in chosen:
        r = random.Random(f"{stream_base}:decline:{s}")
        decline[s] = (r.randint(6, 9), r.uniform(1.0, 1.6))

    out_contracts = []
    measurements: list[DemoMeasurement] = []
    last_day = dt.date(1970, 1, 1)
    for c in sorted(contracts, key=lambda c: c.contract_id):
        rng = random.Random(f"{stream_base}:{c.contract_id}")
        kpis = kpi_set_for(c) if kpi_set_for else default_kpi_set()
        series = periods.months(c.start_month, months)
        last_day = max(last_day, periods.bounds(series[-1])[1])
        length, depth = decline.get(c.supplier_key, (0, 0.0))
        start_decline = months - length if length else None
        channel = rng.choices(SOURCES, weights=(60, 25, 15))[0]
        base_d = {k.code: rng.uniform(-0.25, 0.3) for k in kpis}
        items = []
        for m, month in enumerate(series):
            in_decline = start_decline is not None and m >= start_decline
            # 0 at the start of the decline, 1 at the last month
            progress = (m - start_decline + 1) / length if in_decline else 0.0
            p_missing = 0.06 if in_decline else 0.01
            p_late = 0.25 if in_decline else 0.04
            items.append(0 if in_decline or rng.random() > 0.25 else rng.choice((1, 1, 2)))
            closes_quarter = month.endswith(("-03", "-06", "-09", "-12"))
            for kpi in kpis:
                d = base_d[kpi.code] + rng.gauss(0, 0.2) + depth * progress
                value = _value(rng, kpi, d)
                period = month
                if kpi.period == PeriodKind.QUARTER:
                    if not closes_quarter:
                        continue
                    period = periods.quarter_of(month)
                if rng.random() < p_missing:
                    continue  # never submitted: the assessment flags it missing
                if Unit(kpi.unit) == Unit.PERCENT and kpi.target < 99 and rng.random() < 0.002:
                    value = round(value * 10, 1)  # a typo (895 for 89.5): flagged out of range
                due = periods.due_date(period, DEFAULT_DUE_DAYS)
                if rng.random() < p_late:
                    submitted = due + dt.timedelta(days=DEFAULT_GRACE_DAYS + rng.randint(1, 20))
                else:
                    submitted = due - dt.timedelta(days=rng.randint(0, DEFAULT_DUE_DAYS - 1))
                source = channel if rng.random() < 0.9 else rng.choice(SOURCES)
                measurements.append(
                    DemoMeasurement(c.contract_id, kpi.code, period, value, submitted, source)
                )
        amount = Decimal(c.amount_wan)
        out_contracts.append(
            DemoContractPerformance(
                contract=c,
                kpis=kpis,
                months=tuple(series),
                value_added_items=tuple(items),
                declining_from=series[start_decline] if start_decline is not None else None,
                deposit_held_wan=(amount * Decimal("0.02")).quantize(Decimal("0.01")),
                base_payment_wan=(amount / months).quantize(Decimal("0.01")),
            )
        )
    as_of = last_day + dt.timedelta(days=1)
    facts = _supplier_facts(master, suppliers, chosen, as_of)
    return DemoPerformance(
        seed=seed,
        as_of=as_of,
        contracts=tuple(out_contracts),
        measurements=tuple(measurements),
        declining_suppliers=chosen,
        suppliers=facts,
    )


def _supplier_facts(
    rng: random.Random, suppliers: Sequence[str], declining: Sequence[str], as_of: dt.date
) -> tuple[DemoSupplierFacts, ...]:
    healthy = [s for s in suppliers if s not in declining]
    # one declining supplier's qualification expires within the month, one healthy supplier's
    # within the alert window (60 days): the qualification alert is not only about decliners
    expiring = {declining[0]: 20} if declining else {}
    if healthy:
        expiring[rng.choice(healthy)] = 45
    out = []
    for key in suppliers:
        down = key in declining
        due = rng.randint(4, 12)
        quals = []
        for i, name in enumerate(rng.sample(QUALIFICATIONS, rng.randint(1, 2))):
            days = expiring[key] if i == 0 and key in expiring else rng.randint(200, 900)
            quals.append((name, as_of + dt.timedelta(days=days)))
        out.append(
            DemoSupplierFacts(
                supplier_key=key,
                credit_rating=rng.choice("BC") if down else ("A" if rng.random() < 0.7 else "B"),
                milestones_due=due,
                milestones_late=min(due, rng.randint(2, 5)) if down else rng.choice((0, 0, 0, 1)),
                upheld_challenges=rng.choice((1, 1, 2)) if down else int(rng.random() < 0.1),
                upheld_complaints=rng.randint(2, 4) if down else rng.choice((0, 0, 1)),
                qualifications=tuple(quals),
            )
        )
    return tuple(out)
