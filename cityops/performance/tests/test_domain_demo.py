"""The performance demo generator (cityops/performance/demo.py): deterministic, 24 months per
contract, and a story: declining suppliers' index, payments and risk go the wrong way."""

import statistics
from decimal import Decimal

import pytest

from cityops.performance.demo import DemoContract, generate_performance
from cityops.performance.domain.alerts import qualification_alerts
from cityops.performance.domain.kpi import extended_kpi_set
from cityops.performance.domain.measurements import assessment_inputs, check_measurement
from cityops.performance.domain.payment import Renewal, period_payment, renewal_decision
from cityops.performance.domain.risk import (
    SupplierRiskFacts,
    deposit_requirement,
    supplier_risk,
)
from cityops.performance.domain.sei import service_effectiveness_index

D = Decimal
OBJECTS = ("infrastructure", "data", "system", "portal", "security")
CONTRACTS = [
    DemoContract(
        f"HT-2024-{i:03d}",
        f"supplier-{i % 12 + 1:03d}",
        OBJECTS[i % 5],
        "2024-01" if i % 3 else "2024-04",
        D(120 + 15 * i),
    )
    for i in range(36)
]


@pytest.fixture(scope="module")
def demo():
    return generate_performance(CONTRACTS)


@pytest.fixture(scope="module")
def seis(demo):
    """contract id → its 24 reported SEIs."""
    out = {}
    for cp in demo.contracts:
        values = demo.values_of(cp.contract.contract_id)
        row = []
        for month in cp.months:
            inputs = assessment_inputs(cp.kpis, month, values)
            result = service_effectiveness_index(cp.kpis, inputs.values, excused=inputs.excused)
            row.append(result.sei)
        out[cp.contract.contract_id] = row
    return out


def test_same_seed_same_data_other_seed_other_data(demo):
    again = generate_performance(CONTRACTS)
    assert again.measurements == demo.measurements
    assert again.declining_suppliers == demo.declining_suppliers
    other = generate_performance(CONTRACTS, seed=7)
    assert other.measurements != demo.measurements


def test_a_contract_s_values_do_not_depend_on_the_others(demo):
    few = CONTRACTS[:5]
    keys = {c.supplier_key for c in few}
    alone = generate_performance(few, declining=[s for s in demo.declining_suppliers if s in keys])
    for c in few:
        assert alone.measurements_of(c.contract_id) == demo.measurements_of(c.contract_id)


def test_24_months_of_the_six_core_kpis(demo):
    cp = demo.contract("HT-2024-000")
    assert cp.months[0] == "2024-04" and cp.months[-1] == "2026-03" and len(cp.months) == 24
    assert len(cp.kpis) == 6
    assert len(cp.value_added_items) == 24
    # every KPI of every month, less the few never submitted (1–6%)
    expected = len(CONTRACTS) * 24 * 6
    assert 0.9 * expected < len(demo.measurements) < expected
    assert demo.as_of.isoformat() == "2026-04-01"
    assert {m.source for m in demo.measurements} == {"api", "upload", "manual"}


def test_some_values_are_late_or_out_of_range_and_get_flagged(demo):
    kpis = {cp.contract.contract_id: cp.kpis for cp in demo.contracts}
    flags = [
        f.flag
        for m in demo.measurements
        for f in check_measurement(
            kpis[m.contract_id].get(m.kpi_code), m.period, m.value, m.submitted_on
        ).flags
    ]
    late = flags.count("late") / len(demo.measurements)
    assert 0.02 < late < 0.15
    assert 0 < flags.count("out_of_range") < 20


def test_healthy_suppliers_are_paid_in_full_mostly(demo, seis):
    healthy = [c for c in demo.contracts if c.declining_from is None]
    assert len(healthy) >= 25
    means = [statistics.mean(seis[c.contract.contract_id]) for c in healthy]
    assert statistics.mean(means) > 90
    assert min(means) > 85


def test_declining_suppliers_fall_over_the_last_six_to_nine_months(demo, seis):
    assert 1 <= len(demo.declining_suppliers) <= 3
    declining = [c for c in demo.contracts if c.declining_from is not None]
    assert {c.contract.supplier_key for c in declining} == set(demo.declining_suppliers)
    for cp in declining:
        start = cp.months.index(cp.declining_from)
        assert 15 <= start <= 18  # 6–9 months before the end
        row = seis[cp.contract.contract_id]
        before = statistics.mean(row[:start])
        last3 = statistics.mean(row[-3:])
        assert before > 85
        assert before - last3 > 25, (cp.contract.contract_id, row)
        # the payments follow: the last quarter earns much less than the first year
        paid = [
            period_payment(s, cp.base_payment_wan, value_added_items=n).payable_wan
            for s, n in zip(row, cp.value_added_items, strict=True)
        ]
        assert sum(paid[-3:]) < D("0.8") * sum(paid[:3])
        assert renewal_decision(row, cp.contract.amount_wan).decision != Renewal.RENEW


def test_risk_and_deposit_rise_for_the_declining_suppliers(demo, seis):
    city = sum(c.amount_wan for c in CONTRACTS)
    risk = {}
    for s in demo.suppliers:
        own = [c for c in demo.contracts if c.contract.supplier_key == s.supplier_key]
        by_month = {}  # the supplier's SEI per calendar month: the mean over its contracts
        for c in own:
            for month, sei in zip(c.months, seis[c.contract.contract_id], strict=True):
                by_month.setdefault(month, []).append(sei)
        history = [statistics.mean(by_month[m]) for m in sorted(by_month)]
        days = min((when - demo.as_of).days for _, when in s.qualifications)
        facts = SupplierRiskFacts(
            s.supplier_key,
            credit_rating=s.credit_rating,
            sei_history=tuple(D(h).quantize(D("0.01")) for h in history),
            milestones_due=s.milestones_due,
            milestones_late=s.milestones_late,
            upheld_challenges=s.upheld_challenges,
            upheld_complaints=s.upheld_complaints,
            supplier_contract_amount_wan=sum(c.contract.amount_wan for c in own),
            city_contract_amount_wan=city,
            days_to_qualification_expiry=days,
        )
        risk[s.supplier_key] = supplier_risk(facts).index
    worst_healthy = max(v for k, v in risk.items() if k not in demo.declining_suppliers)
    for key in demo.declining_suppliers:
        assert risk[key] > worst_healthy + 15
        assert deposit_requirement(risk[key], D(500)).ratio > D("0.02")


def test_qualification_alerts_in_the_story(demo):
    alerts = [
        a
        for s in demo.suppliers
        for a in qualification_alerts(s.supplier_key, s.qualifications, demo.as_of)
    ]
    subjects = {a.subject_id for a in alerts}
    assert demo.declining_suppliers[0] in subjects
    assert subjects - set(demo.declining_suppliers)  # a healthy supplier too


def test_other_kpi_sets_and_quarterly_kpis():
    from dataclasses import replace

    from cityops.performance.domain.kpi import KpiSet, template

    def with_survey(c):
        base = extended_kpi_set(c.operation_object)
        survey = replace(template("satisfaction_survey"), weight=0.1)
        return KpiSet((*base.kpis[:-1], survey))

    d = generate_performance(CONTRACTS[:3], kpi_set_for=with_survey)
    periods = {m.period for m in d.measurements if m.kpi_code == "satisfaction_survey"}
    assert periods and all("-Q" in p for p in periods)
    assert len(d.contracts[0].kpis) == 8


def test_explicit_declining_suppliers():
    d = generate_performance(CONTRACTS, declining=["supplier-002"])
    assert d.declining_suppliers == ("supplier-002",)
    with pytest.raises(ValueError):
        generate_performance(CONTRACTS, declining=["supplier-999"])
