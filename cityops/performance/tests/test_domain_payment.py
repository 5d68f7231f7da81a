"""The payment curve and the renewal decision (cityops/performance/domain/payment.py): the
curve's exact edges, the bonus band, rounding, the derivation, configuration errors, the
vectorised path equal to the Decimal one cent for cent, and renewal by the SEI history."""

import random
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityops.performance.domain.errors import PerformanceInputError
from cityops.performance.domain.payment import (
    DEFAULT_CURVE,
    PaymentCurve,
    Renewal,
    RenewalPolicy,
    payments_vectorised,
    period_payment,
    renewal_decision,
    sei_trend,
)

D = Decimal


def pay(sei, base="100", **kw):
    return period_payment(D(sei), D(base), **kw)


# --- the curve's edges (default: 90 full; 80→90%, 70→75%, 60→60%; below 60 withheld) ----------


@pytest.mark.parametrize(
    ("sei", "earned", "band"),
    [
        ("100", "100.00", "full"),
        ("90.00", "100.00", "full"),  # at the threshold: full
        ("89.99", "99.99", "80-90"),  # just below: 90% + 10% × 9.99 ÷ 10 = 99.99%
        ("85", "95.00", "80-90"),
        ("80", "90.00", "80-90"),  # a band's lower boundary belongs to the band
        ("79.99", "89.99", "70-80"),  # 75% + 15% × 9.99 ÷ 10 = 89.985% → 89.985 → 89.99
        ("70", "75.00", "70-80"),
        ("69.99", "74.99", "60-70"),  # 60% + 15% × 9.99 ÷ 10 = 74.985% → 74.99 (half up)
        ("60", "60.00", "60-70"),  # at the floor: the last point's share
        ("59.99", "0.00", "below_floor"),  # just below the floor: withheld
        ("0", "0.00", "below_floor"),
    ],
)
def test_default_curve_edges(sei, earned, band):
    r = pay(sei)
    assert r.earned_wan == D(earned)
    assert r.band == band
    assert r.deduction_wan == D("100.00") - D(earned)
    assert r.payable_wan == r.earned_wan  # no value-added items: no bonus
    assert r.withheld == (earned == "0.00")


def test_minimum_share_below_the_floor():
    curve = PaymentCurve(below_floor_share=D("0.30"))
    assert pay("59.99", curve=curve).earned_wan == D("30.00")
    assert pay("0", curve=curve).earned_wan == D("30.00")
    assert not pay("0", curve=curve).withheld
    assert "最低比例 30%" in pay("10", curve=curve).steps[1].zh


def test_rounding_half_up_once_at_the_end():
    """base 10.01 × 50% (a two-point curve: 90 → 100%, 50 → 0%, at SEI 70) = 5.005 → 5.01."""
    curve = PaymentCurve(points=((D(90), D(1)), (D(50), D(0))))
    r = period_payment(D(70), D("10.01"), curve=curve)
    assert r.share == D("0.5")
    assert r.earned_wan == D("5.01")  # banker's rounding would give 5.00
    assert r.deduction_wan == D("5.00")


def test_sei_with_more_digits_is_quantized_first():
    assert pay("89.995").sei == D("90.00")
    assert pay("89.995").earned_wan == D("100.00")
    assert pay(89.994).sei == D("89.99")  # a float through its shortest repr


# --- the bonus band ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sei", "items", "bonus"),
    [
        ("96", 0, "0.00"),  # in the band, nothing delivered
        ("94.99", 3, "0.00"),  # delivered, below the band
        ("95", 1, "1.00"),  # 1% per item
        ("95", 3, "3.00"),
        ("97.5", 7, "5.00"),  # 7% capped at 5%
        ("98", 1, "2.00"),  # the higher tier: 2% per item
        ("98", 2, "4.00"),
        ("100", 3, "5.00"),  # 6% capped at 5%
    ],
)
def test_value_added_bonus(sei, items, bonus):
    r = pay(sei, value_added_items=items)
    assert r.bonus_wan == D(bonus)
    assert r.payable_wan == r.earned_wan + r.bonus_wan


def test_derivation_steps_in_both_languages_recompute_the_payment():
    r = pay("85", base="120.00", value_added_items=0)
    codes = [s.code for s in r.steps]
    assert codes == ["sei", "band", "earned", "deduction", "bonus", "payable"]
    assert "85.00" in r.steps[0].zh and "85.00" in r.steps[0].en
    assert "80–90" in r.steps[1].zh and "95%" in r.steps[1].en
    assert (
        r.steps[2].amount_wan == D("114.00") and "120.00 万元 × 95% = 114.00 万元" in r.steps[2].zh
    )
    assert r.steps[3].amount_wan == D("6.00")
    assert r.steps[-1].amount_wan == r.payable_wan
    withheld = pay("42")
    assert "暂扣" in withheld.steps[1].zh and "withheld" in withheld.steps[1].en
    bonus = pay("99", value_added_items=2)
    assert "min(2% × 2, 5%) = 4%" in bonus.steps[4].en
    assert bonus.to_dict()["payable_wan"] == "104.00"


def test_curve_share_is_monotone_in_the_sei():
    shares = [DEFAULT_CURVE.share(D(c) / 100) for c in range(0, 10_001)]
    assert all(a <= b for a, b in zip(shares, shares[1:], strict=False))
    assert shares[0] == 0 and shares[-1] == 1


@pytest.mark.parametrize(
    ("kwargs", "field", "zh"),
    [
        ({"points": ()}, "points", "没有节点"),
        ({"points": ((D(90), D("0.9")),)}, "points[0].share", "须为 1"),
        ({"points": ((D(90), D(1)), (D(95), D("0.9")))}, "points[1].sei", "严格递减"),
        ({"points": ((D(90), D(1)), (D(80), D("1.1")))}, "points[1].share", "0 到 1"),
        ({"points": ((D(90), D(1)), (D(80), D("0.5")), (D(70), D("0.6")))}, "points[2].share",
         "不能更高"),
        ({"points": ((D("90.001"), D(1)),)}, "points[0].sei", "两位小数"),
        ({"below_floor_share": D("0.7")}, "below_floor_share", "底线以下"),
        ({"bonus_tiers": ((D(85), D("0.01")),)}, "bonus_tiers[0].sei", "不低于全额支付门槛"),
        ({"bonus_tiers": ((D(95), D("0.06")),)}, "bonus_tiers[0].rate", "奖励上限"),
        ({"bonus_tiers": ((D(98), D("0.02")), (D(95), D("0.03")))}, "bonus_tiers[1]", "递增"),
        ({"bonus_min_value_added": 0}, "bonus_min_value_added", "整数"),
        ({"points": ((D(90), "abc"),)}, "points[0].share", "数值"),
    ],
)  # fmt: skip
def test_bad_curve_names_the_field(kwargs, field, zh):
    with pytest.raises(PerformanceInputError) as e:
        PaymentCurve(**kwargs)
    assert e.value.field == field
    assert zh in e.value.zh and e.value.en


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("100.01", "100"), "sei"),
        (("-1", "100"), "sei"),
        (("NaN", "100"), "sei"),
        (("90", "-5"), "base_wan"),
        (("90", "2000000000"), "base_wan"),
    ],
)
def test_bad_payment_input_names_the_field(args, field):
    with pytest.raises(PerformanceInputError) as e:
        pay(*args)
    assert e.value.field == field
    with pytest.raises(PerformanceInputError) as e:
        pay("90", value_added_items=-1)
    assert e.value.field == "value_added_items"


# --- vectorised = Decimal, cent for cent ---------------------------------------------------------

CURVES = [
    DEFAULT_CURVE,
    PaymentCurve(below_floor_share=D("0.3")),
    # a band 30 points wide: shares with endless decimals (÷ 3)
    PaymentCurve(
        points=((D(90), D(1)), (D(60), D("0.7")), (D("33.33"), D("0.10"))),
        bonus_tiers=((D("92.5"), D("0.013")),),
        bonus_cap_rate=D("0.07"),
    ),
]


def _check_batch(curve, sei_centi, base_cents, items):
    batch = payments_vectorised(sei_centi, base_cents, items, curve)
    for i in range(len(sei_centi)):
        r = period_payment(
            D(int(sei_centi[i])) / 100,
            D(int(base_cents[i])) / 100,
            value_added_items=int(items[i]),
            curve=curve,
        )
        assert batch.earned_cents[i] == int(r.earned_wan * 100), (i, r)
        assert batch.bonus_cents[i] == int(r.bonus_wan * 100), (i, r)
        assert batch.payable_cents[i] == int(r.payable_wan * 100)
        assert batch.deduction_cents[i] == int(r.deduction_wan * 100)


@pytest.mark.parametrize("curve", CURVES)
def test_vectorised_payments_equal_decimal_ones(curve):
    rnd = random.Random(11)
    n = 4000
    sei = np.array([rnd.randint(0, 10_000) for _ in range(n)], dtype=np.int64)
    sei[:200] = [c for c in (9000, 8999, 8000, 7999, 7000, 6999, 6000, 5999, 0, 10_000)] * 20
    base = np.array([rnd.choice([rnd.randint(0, 10**7), rnd.randint(1, 999)]) for _ in range(n)])
    items = np.array([rnd.choice([0, 0, 1, 2, 3, 9]) for _ in range(n)])
    _check_batch(curve, sei, base, items)


def test_vectorised_payments_at_rounding_ties():
    """Bases whose earned amount lands exactly on half a cent: the float path hands them to
    Decimal (e.g. 0.05万元 × 90% = 0.045 → 0.05; 0.15 × 90% = 0.135 → 0.14)."""
    sei = np.array([8000, 8000, 6500, 7500, 8500] * 40, dtype=np.int64)
    base = np.array([5, 15, 2, 6, 10] * 40, dtype=np.int64) + np.repeat(np.arange(40) * 20, 5)
    _check_batch(DEFAULT_CURVE, sei, base, np.zeros(len(sei), dtype=np.int64))
    b = payments_vectorised(np.array([8000, 8000]), np.array([5, 15]))
    assert list(b.earned_cents) == [5, 14]  # 4.5 → 5, 13.5 → 14 (half up)


@given(
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 10**11), st.integers(0, 12)),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(CURVES),
)
@settings(max_examples=150, deadline=None)
def test_vectorised_payments_property(rows, curve):
    sei, base, items = (np.array(col, dtype=np.int64) for col in zip(*rows, strict=True))
    _check_batch(curve, sei, base, items)


def test_vectorised_payments_refuse_bad_input():
    with pytest.raises(PerformanceInputError) as e:
        payments_vectorised(np.array([10_001]), np.array([100]))
    assert e.value.field == "sei_centi"
    with pytest.raises(PerformanceInputError) as e:
        payments_vectorised(np.array([9000]), np.array([-1]))
    assert e.value.field == "base_cents"
    with pytest.raises(PerformanceInputError):
        payments_vectorised(np.array([90.5]), np.array([100]))


# --- renewal ----------------------------------------------------------------------------------


def test_steady_supplier_is_renewed_at_the_same_amount():
    d = renewal_decision([92, 95, 93, 94, 96, 91], D("500"))
    assert d.decision == Renewal.RENEW
    assert d.amount_wan == D("500.00")
    assert d.mean == D("93.50")


def test_mediocre_supplier_is_renewed_at_the_amount_it_earns():
    """Mean 85 (flat): share at 85 = 95% → 475.00."""
    d = renewal_decision([85] * 12, D("500"))
    assert d.decision == Renewal.RENEW_REDUCED
    assert d.amount_wan == D("475.00")
    assert d.slope == 0
    assert any("475.00" in r.zh for r in d.reasons)


def test_declining_supplier_is_cut_at_least_by_the_trend_cut():
    """Mean 94.40, recent 90.33 (≥ 90: the curve alone would pay 100%), but falling 1.22 points a
    period: cut by 5%. A gentler fall (−0.95) keeps the amount."""
    d = renewal_decision([100, 99, 98, 96, 95, 93, 92, 91, 90, 90], D("200"))
    assert d.slope == D("-1.22")
    assert d.decision == Renewal.RENEW_REDUCED
    assert d.amount_wan == D("190.00")
    assert any(r.code == "declining" for r in d.reasons)
    gentle = renewal_decision([99, 98, 96, 95, 93, 92, 91, 90, 92, 91], D("200"))
    assert gentle.slope == D("-0.95")
    assert gentle.decision == Renewal.RENEW and gentle.amount_wan == D("200.00")


def test_recent_mean_pulls_the_amount_down():
    # window mean 90.5 (full payment), the last three 77: the amount follows the lower one
    d = renewal_decision([95, 95, 95, 95, 95, 95, 95, 95, 95, 77, 77, 77], D("100"))
    assert d.recent_mean == D("77.00")
    assert d.mean == D("90.50")
    assert d.amount_wan == D("85.50")  # 75% + 15% × 7 ÷ 10 = 85.5% (below the trend cap of 95%)


def test_poor_supplier_is_retendered():
    d = renewal_decision([72, 70, 66, 65], D("300"))
    assert d.decision == Renewal.RETENDER
    assert d.amount_wan == D("0.00")
    assert any(r.code == "below_retender" for r in d.reasons)


def test_third_renewal_is_refused_by_the_term_rule():
    d = renewal_decision([95] * 12, D("300"), renewals_so_far=2)
    assert d.decision == Renewal.RETENDER
    assert "财政部令第102号" in d.reasons[-1].zh


def test_too_short_history_is_refused():
    with pytest.raises(PerformanceInputError) as e:
        renewal_decision([95, 96], D("300"))
    assert e.value.field == "sei_history" and "至少需要 3 期" in e.value.zh


def test_trend_is_the_least_squares_slope():
    assert sei_trend([80, 82, 84, 86]) == D("2.00")
    assert sei_trend([90, 80]) == D("-10.00")
    assert sei_trend([90]) == 0


def test_bad_renewal_policy_names_the_field():
    with pytest.raises(PerformanceInputError) as e:
        RenewalPolicy(trend_cut=D("1.5"))
    assert e.value.field == "trend_cut"
    with pytest.raises(PerformanceInputError) as e:
        RenewalPolicy(window=2, min_periods=3)
    assert e.value.field == "window"
