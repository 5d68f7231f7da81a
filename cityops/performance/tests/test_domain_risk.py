"""Supplier risk index and the performance deposit (cityops/performance/domain/risk.py): each
factor by hand, the weighting, the levels, the deposit tiers and the legal cap of 10%."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityops.performance.domain.errors import PerformanceInputError
from cityops.performance.domain.risk import (
    DEFAULT_DEPOSIT_POLICY,
    LEGAL_DEPOSIT_CAP,
    DepositPolicy,
    RiskConfig,
    RiskLevel,
    SupplierRiskFacts,
    deposit_ratios,
    deposit_requirement,
    supplier_risk,
)

D = Decimal

CLEAN = SupplierRiskFacts(
    "supplier-001",
    credit_rating="A",
    sei_history=(95, 96, 94, 97, 95, 96),
    milestones_due=10,
    milestones_late=0,
    supplier_contract_amount_wan=D(100),
    city_contract_amount_wan=D(10_000),
    days_to_qualification_expiry=400,
)


def score(facts, code):
    return supplier_risk(facts).factor(code).score


def test_clean_supplier_is_low_risk():
    r = supplier_risk(CLEAN)
    assert r.index == D("0.0")
    assert r.level == RiskLevel.LOW
    assert [f.code for f in r.factors] == [
        "credit",
        "sei_level",
        "sei_trend",
        "late_deliveries",
        "challenges",
        "concentration",
        "qualification",
    ]


@pytest.mark.parametrize(
    ("change", "code", "expected"),
    [
        ({"credit_rating": "B"}, "credit", 30),
        ({"credit_rating": "c"}, "credit", 65),  # case does not matter
        ({"credit_rating": "D"}, "credit", 100),
        ({"credit_rating": None, "credit_score": 72}, "credit", 28),
        ({"credit_rating": None}, "credit", 50),  # unknown
        ({"sei_history": (70,) * 6}, "sei_level", 50),  # (90 − 70) ÷ (90 − 50)
        ({"sei_history": (40,) * 6}, "sei_level", 100),
        ({"sei_history": ()}, "sei_level", 50),  # no history yet
        ({"sei_history": (96, 94.5, 93, 91.5)}, "sei_trend", 50),  # −1.5 a period of −3
        ({"sei_history": (96, 90, 84, 78)}, "sei_trend", 100),
        ({"sei_history": (80, 90)}, "sei_trend", 0),  # too few periods for a trend
        ({"milestones_late": 3}, "late_deliveries", 100),  # 30%
        ({"milestones_late": 1}, "late_deliveries", 100 / 3),
        ({"milestones_due": 0}, "late_deliveries", 0),
        ({"upheld_challenges": 1, "upheld_complaints": 2}, "challenges", 45),
        ({"upheld_challenges": 5}, "challenges", 100),  # capped
        ({"supplier_contract_amount_wan": D(1750)}, "concentration", 50),  # 17.5%: halfway
        ({"supplier_contract_amount_wan": D(5000)}, "concentration", 100),
        ({"days_to_qualification_expiry": 90}, "qualification", 50),
        ({"days_to_qualification_expiry": 0}, "qualification", 100),
        ({"days_to_qualification_expiry": -30}, "qualification", 100),  # expired = max
        ({"days_to_qualification_expiry": None}, "qualification", 0),
    ],
)
def test_each_factor(change, code, expected):
    assert score(replace(CLEAN, **change), code) == pytest.approx(expected)


def test_index_is_the_weighted_sum_with_contributions():
    """credit B 30 × 0.25 = 7.5; SEI mean 70 → 50 × 0.20 = 10; late 20% → 66.67 × 0.15 = 10;
    1 challenge + 2 complaints 45 × 0.10 = 4.5; concentration 10% → 20 × 0.10 = 2; expiry in
    30 days → 83.33 × 0.10 = 8.33; trend flat 0. Sum 42.33 → 42.3, medium."""
    facts = replace(
        CLEAN,
        credit_rating="B",
        sei_history=(70,) * 6,
        milestones_late=2,
        upheld_challenges=1,
        upheld_complaints=2,
        supplier_contract_amount_wan=D(1000),
        days_to_qualification_expiry=30,
    )
    r = supplier_risk(facts)
    assert r.index == D("42.3")
    assert r.level == RiskLevel.MEDIUM
    assert sum(f.contribution for f in r.factors) == pytest.approx(r.index_raw)
    assert r.factor("credit").contribution == 7.5
    assert "信用等级 B" in r.factor("credit").basis_zh
    assert r.to_dict()["level_zh"] == "中"


def test_worst_supplier_scores_100_and_is_critical():
    worst = SupplierRiskFacts(
        "s",
        credit_rating="D",
        sei_history=(50, 40, 30, 20, 10, 0),
        milestones_due=4,
        milestones_late=4,
        upheld_challenges=4,
        supplier_contract_amount_wan=D(9000),
        city_contract_amount_wan=D(10000),
        days_to_qualification_expiry=-1,
    )
    r = supplier_risk(worst)
    assert r.index == D("100.0") and r.level == RiskLevel.CRITICAL


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"credit_rating": "AAA"}, "credit_rating"),
        ({"credit_rating": None, "credit_score": 120}, "credit_score"),
        ({"milestones_late": 11}, "milestones_late"),
        ({"milestones_due": -1}, "milestones_due"),
        ({"upheld_complaints": 1.5}, "upheld_complaints"),
        ({"supplier_contract_amount_wan": D(20_000)}, "supplier_contract_amount_wan"),
        ({"city_contract_amount_wan": D(-1)}, "city_contract_amount_wan"),
        ({"sei_history": (90, 101)}, "sei_history[1]"),
        ({"days_to_qualification_expiry": 3.5}, "days_to_qualification_expiry"),
    ],
)
def test_bad_risk_facts_name_the_field(change, field):
    with pytest.raises(PerformanceInputError) as e:
        supplier_risk(replace(CLEAN, **change))
    assert e.value.field == field and e.value.zh and e.value.en


def test_risk_config_weights_must_cover_every_factor_and_sum_to_one():
    with pytest.raises(PerformanceInputError) as e:
        RiskConfig(weights=(("credit", 1.0),))
    assert e.value.field == "weights"
    weights = dict(RiskConfig().weights)
    weights["credit"] = 0.5
    with pytest.raises(PerformanceInputError) as e:
        RiskConfig(weights=tuple(weights.items()))
    assert "1.25" in e.value.en
    # a city that weighs credit alone
    only_credit = RiskConfig(weights=tuple((k, 1.0 if k == "credit" else 0.0) for k in weights))
    assert supplier_risk(replace(CLEAN, credit_rating="C"), only_credit).index == D("65.0")


# --- the deposit ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "ratio", "amount", "insurance", "audit"),
    [
        ("0", "0.02", "10.00", False, False),
        ("29.9", "0.02", "10.00", False, False),
        ("30", "0.04", "20.00", False, False),
        ("49.9", "0.04", "20.00", False, False),
        ("50", "0.06", "30.00", True, False),
        ("70", "0.08", "40.00", True, True),
        ("85", "0.10", "50.00", True, True),
        ("100", "0.10", "50.00", True, True),
    ],
)
def test_deposit_tiers_and_flags(index, ratio, amount, insurance, audit):
    r = deposit_requirement(D(index), D("500"))
    assert r.ratio == D(ratio)
    assert r.amount_wan == D(amount)
    assert r.cap_wan == D("50.00")
    assert (r.insurance_required, r.audit_required) == (insurance, audit)
    assert "《政府采购法实施条例》第四十八条" in r.reasons[0][0]
    assert (len(r.reasons) > 1) == insurance


def test_deposit_ratio_above_the_legal_cap_is_refused():
    tiers = DEFAULT_DEPOSIT_POLICY.tiers[:-1] + ((D(85), D("0.12")),)
    with pytest.raises(PerformanceInputError) as e:
        DepositPolicy(tiers=tiers)
    assert e.value.field == "tiers[4].ratio"
    assert "10%" in e.value.zh and "第四十八条" in e.value.zh
    assert "legal cap" in e.value.en
    with pytest.raises(PerformanceInputError):
        DepositPolicy(tiers=((D(0), "0.1000001"),))
    DepositPolicy(tiers=((D(0), D("0.10")),))  # exactly 10% is allowed


@pytest.mark.parametrize(
    ("tiers", "field"),
    [
        (((D(10), D("0.02")),), "tiers"),  # does not start at 0
        (((D(0), D("0.05")), (D(30), D("0.03"))), "tiers[1]"),  # ratio goes down
        (((D(0), D("0.02")), (D(0), D("0.03"))), "tiers[1]"),  # index does not go up
        (((D(0), D("-0.01")),), "tiers[0].ratio"),
    ],
)
def test_bad_deposit_policy_names_the_field(tiers, field):
    with pytest.raises(PerformanceInputError) as e:
        DepositPolicy(tiers=tiers)
    assert e.value.field == field


@given(
    st.decimals(0, 100, places=1),
    st.decimals(0, 10**9, places=2),
    st.lists(st.decimals(0, "0.1", places=4), min_size=1, max_size=6),
)
@settings(max_examples=300, deadline=None)
def test_deposit_never_exceeds_ten_percent_of_the_contract(index, amount, ratios):
    ratios = sorted(ratios)
    policy = DepositPolicy(tiers=tuple((D(i * 15), r) for i, r in enumerate(ratios)))
    r = deposit_requirement(index, amount, policy)
    assert r.ratio <= LEGAL_DEPOSIT_CAP
    assert r.amount_wan <= r.cap_wan <= amount * LEGAL_DEPOSIT_CAP  # exact: never over 10%


def test_cap_rounds_down_so_rounding_never_breaks_the_law():
    """0.45万元 × 10% = 0.045: half up would ask 0.05, above 10%; the cap says 0.04."""
    r = deposit_requirement(D(100), D("0.45"))
    assert r.ratio == D("0.10")
    assert r.cap_wan == r.amount_wan == D("0.04")


def test_deposit_ratios_for_a_table():
    assert deposit_ratios([0, 31, "72.5", 99]) == [D("0.02"), D("0.04"), D("0.08"), D("0.10")]
