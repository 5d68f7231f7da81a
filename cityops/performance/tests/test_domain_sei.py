"""The service-effectiveness index (cityops/performance/domain/sei.py): normalisation and
weighting by hand, the missing-value rule, bad input, properties (0–100, monotone in each KPI's
direction), and the vectorised engine equal to the scalar one bit for bit."""

import math
import random
from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityops.performance.domain.errors import PerformanceInputError
from cityops.performance.domain.kpi import (
    CORE_SIX,
    Direction,
    Kpi,
    KpiSet,
    Unit,
    default_kpi_set,
    extended_kpi_set,
)
from cityops.performance.domain.sei import (
    NORMALISATION_TEXT,
    KpiArrays,
    KpiStatus,
    explain_normalisation,
    normalised_score,
    quantize_sei,
    quantize_sei_centi,
    sei_vectorised,
    service_effectiveness_index,
)

D = Decimal
SIX = default_kpi_set()
SAT = SIX.get("citizen_satisfaction")  # higher: target 90, floor 80, zero at 70
RESP = SIX.get("incident_response_minutes")  # lower: target 30, floor 60, zero at 90
INC = SIX.get("security_incidents")  # lower count: target 0, floor 1, zero at 3


# --- normalisation, by hand -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "score"),
    [
        (100, 100),  # beyond the target: no extra credit
        (90, 100),  # at the target
        (85, 80),  # 60 + 40 × (85 − 80) ÷ (90 − 80)
        (80, 60),  # at the floor: the pass mark
        (75, 30),  # 60 × (75 − 70) ÷ (80 − 70)
        (70, 0),  # at the zero-score value
        (10, 0),
        (0, 0),
    ],
)
def test_higher_is_better_normalisation(value, score):
    assert normalised_score(SAT, value) == pytest.approx(score, abs=1e-12)


@pytest.mark.parametrize(
    ("value", "score"),
    [
        (0, 100),
        (30, 100),  # at the target
        (45, 80),  # 60 + 40 × (60 − 45) ÷ (60 − 30)
        (60, 60),  # at the floor
        (75, 30),  # 60 × (90 − 75) ÷ (90 − 60)
        (90, 0),
        (10_000, 0),
    ],
)
def test_lower_is_better_normalisation(value, score):
    assert normalised_score(RESP, value) == pytest.approx(score, abs=1e-12)


def test_incident_count_scores_100_60_30_0():
    assert [normalised_score(INC, n) for n in (0, 1, 2, 3, 4)] == [100, 60, 30, 0, 0]


def test_impossible_values_are_clamped_to_the_unit_range():
    # 120% satisfaction scores as 100%, not more; −5 minutes scores as 0 minutes
    assert normalised_score(SAT, 120) == normalised_score(SAT, 100) == 100
    assert normalised_score(RESP, -5) == 100
    r = service_effectiveness_index(SIX, {"citizen_satisfaction": 120})
    assert r.kpi("citizen_satisfaction").out_of_range
    assert r.kpi("citizen_satisfaction").scored_value == 100


def test_normalisation_texts_name_the_numbers():
    zh, en = explain_normalisation(SAT)
    assert "90%" in zh and "80%" in zh and "70%" in zh and "60 分" in zh
    assert "90%" in en and "scores 60" in en
    zh, en = explain_normalisation(RESP)
    assert "30分钟" in zh and "≥ 90 min" in en
    for direction in Direction:
        zh, en = NORMALISATION_TEXT[direction]
        assert "60" in zh and "60" in en


# --- weighting, by hand -------------------------------------------------------------------------

WORKED = {
    "citizen_satisfaction": 85,  # 80
    "availability": 99.95,  # 100
    "incident_response_minutes": 45,  # 80
    "incident_resolution_hours": 30,  # 60 × (40 − 30) ÷ (40 − 24) = 37.5
    "data_quality": 97,  # 60 + 40 × 2 ÷ 3 = 86.67
    "security_incidents": None,  # missing: 0
}


def test_sei_worked_example():
    """0.20 × 80 + 0.20 × 100 + 0.15 × 80 + 0.15 × 37.5 + 0.15 × 86.67 + 0.15 × 0
    = 16 + 20 + 12 + 5.625 + 13 + 0 = 66.625 → 66.63 (half up; half-even would say 66.62)."""
    r = service_effectiveness_index(SIX, WORKED, contract_id="HT-1", period="2025-03")
    assert r.sei_raw == pytest.approx(66.625, abs=1e-12)
    assert r.sei == D("66.63")
    assert r.kpi("incident_resolution_hours").score == 37.5
    assert r.kpi("data_quality").contribution == pytest.approx(13.0)
    assert sum(k.contribution for k in r.kpis) == pytest.approx(r.sei_raw)
    assert r.missing == ("security_incidents",)
    assert r.below_floor == ("incident_resolution_hours",)
    d = r.to_dict()
    assert d["sei"] == "66.63" and d["period"] == "2025-03" and len(d["kpis"]) == 6


def test_all_at_target_is_100_and_all_at_floor_is_60():
    at_target = {k.code: k.target for k in SIX}
    at_floor = {k.code: k.floor for k in SIX}
    assert service_effectiveness_index(SIX, at_target).sei == D("100.00")
    assert service_effectiveness_index(SIX, at_floor).sei == D("60.00")
    assert service_effectiveness_index(SIX, {}).sei == D("0.00")  # nothing submitted


def test_missing_value_scores_zero_and_is_not_reweighted():
    """Withholding the worst KPI must not pay: the missing KPI keeps its weight at 0 points."""
    values = {k.code: k.target for k in SIX}
    values["incident_resolution_hours"] = 30  # 37.5 points: the supplier's worst KPI
    honest = service_effectiveness_index(SIX, values)
    withheld = service_effectiveness_index(SIX, {**values, "incident_resolution_hours": None})
    assert honest.sei > withheld.sei
    assert withheld.kpi("incident_resolution_hours").status == KpiStatus.MISSING
    assert withheld.kpi("incident_resolution_hours").effective_weight == pytest.approx(0.15)
    assert withheld.sei == D("85.00")  # 100 − 15: re-weighting would have said 100


def test_excused_kpi_leaves_the_weighting():
    values = {k.code: k.target for k in SIX}
    values["citizen_satisfaction"] = 85  # 80 points
    del values["incident_resolution_hours"]
    r = service_effectiveness_index(SIX, values, excused={"incident_resolution_hours"})
    # (0.20 × 80 + 0.65 × 100) ÷ 0.85 = 81 ÷ 0.85 = 95.294…
    assert r.sei == D("95.29")
    line = r.kpi("incident_resolution_hours")
    assert line.status == KpiStatus.EXCUSED and line.score is None and line.effective_weight == 0
    assert r.excused == ("incident_resolution_hours",)


def test_every_kpi_excused_is_refused():
    with pytest.raises(PerformanceInputError) as e:
        service_effectiveness_index(SIX, {}, excused=SIX.codes)
    assert e.value.field == "excused" and "免考" in e.value.zh


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -math.inf, D("NaN")])
def test_nan_and_infinity_are_refused_naming_the_kpi(bad):
    with pytest.raises(PerformanceInputError) as e:
        service_effectiveness_index(SIX, {"availability": bad})
    assert e.value.field == "values.availability"
    assert "NaN" in e.value.en and "有限数" in e.value.zh


def test_text_and_unknown_kpis_are_refused():
    with pytest.raises(PerformanceInputError) as e:
        service_effectiveness_index(SIX, {"availability": "99.9"})
    assert e.value.field == "values.availability"
    with pytest.raises(PerformanceInputError) as e:
        service_effectiveness_index(SIX, {"uptime": 99.9})
    assert e.value.field == "values.uptime" and "不是本合同" in e.value.zh
    with pytest.raises(PerformanceInputError):
        service_effectiveness_index(SIX, {}, excused={"uptime"})


def test_quantize_is_half_up_of_the_exact_float():
    assert quantize_sei(66.625) == D("66.63")  # 66.625 is exact in binary: a true tie
    assert quantize_sei(0.125) == D("0.13")
    assert quantize_sei(1.005) == D("1.00")  # 1.005 is 1.00499999999999989… in binary
    raw = np.array([66.625, 0.125, 1.005, 100.0, 0.0, 87.344999999, 12.3450000001])
    assert list(quantize_sei_centi(raw)) == [int(quantize_sei(x).scaleb(2)) for x in raw]


# --- properties (hypothesis) --------------------------------------------------------------------

UNITS = {
    Unit.PERCENT: (0.0, 100.0),
    Unit.MINUTES: (0.0, 10_000.0),
    Unit.COUNT: (0.0, 50.0),
    Unit.USERS: (0.0, 1e7),
}


@st.composite
def kpis_strategy(draw, min_size=1, max_size=8):
    n = draw(st.integers(min_size, max_size))
    raw_weights = draw(st.lists(st.integers(1, 100), min_size=n, max_size=n))
    total = sum(raw_weights)
    kpis = []
    for i in range(n):
        unit = draw(st.sampled_from(list(UNITS)))
        lo, hi = UNITS[unit]
        a, b = sorted(
            draw(
                st.lists(
                    st.floats(lo, hi, allow_nan=False), min_size=2, max_size=2, unique=True
                ).filter(lambda xs, hi=hi: abs(xs[0] - xs[1]) > 1e-6 * max(1.0, hi))
            )
        )
        direction = draw(st.sampled_from(list(Direction)))
        target, floor = (b, a) if direction == Direction.HIGHER else (a, b)
        zero_at = None
        if draw(st.booleans()):
            gap = draw(st.floats(1e-3, 1e3))
            zero_at = floor - gap if direction == Direction.HIGHER else floor + gap
        kpis.append(
            Kpi(
                f"k{i}",
                f"指标{i}",
                f"KPI {i}",
                unit,
                direction,
                target,
                floor,
                raw_weights[i] / total,
                zero_at=zero_at,
            )  # fmt: skip
        )
    return KpiSet(tuple(kpis))


any_value = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False))


@st.composite
def set_and_values(draw):
    ks = draw(kpis_strategy())
    values = {k.code: draw(any_value) for k in ks}
    return ks, values


@given(set_and_values())
@settings(max_examples=300, deadline=None)
def test_sei_stays_between_0_and_100_for_any_values(case):
    ks, values = case
    r = service_effectiveness_index(ks, values)
    assert 0 <= r.sei_raw <= 100
    assert D(0) <= r.sei <= D(100)
    for line in r.kpis:
        assert 0 <= line.score <= 100


@given(set_and_values(), st.data())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_sei_is_monotone_in_each_kpis_direction(case, data):
    """Raising a higher-is-better value (or lowering a lower-is-better one) never lowers the
    SEI; nor does submitting a value where there was none."""
    ks, values = case
    kpi = data.draw(st.sampled_from(ks.kpis))
    before = values[kpi.code]
    after = data.draw(st.floats(allow_nan=False, allow_infinity=False))
    if before is not None:
        better = after >= before if kpi.direction == Direction.HIGHER else after <= before
        if not better:
            before, after = after, before
    low = service_effectiveness_index(ks, {**values, kpi.code: before})
    high = service_effectiveness_index(ks, {**values, kpi.code: after})
    assert high.sei_raw >= low.sei_raw
    assert high.sei >= low.sei


@given(st.sampled_from([float("nan"), float("inf"), float("-inf")]), st.data())
@settings(max_examples=20, deadline=None)
def test_non_finite_values_are_always_refused(bad, data):
    code = data.draw(st.sampled_from(SIX.codes))
    with pytest.raises(PerformanceInputError) as e:
        service_effectiveness_index(SIX, {code: bad})
    assert e.value.field == f"values.{code}"


# --- the vectorised engine -----------------------------------------------------------------------


def _scalar_rows(ks, values, present, excused=None):
    out = []
    for i in range(values.shape[0]):
        vals = {k.code: (float(values[i, j]) if present[i, j] else None) for j, k in enumerate(ks)}
        exc = () if excused is None else {k.code for j, k in enumerate(ks) if excused[i, j]}
        out.append(service_effectiveness_index(ks, vals, excused=exc))
    return out


@given(kpis_strategy(), st.data())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_vectorised_equals_scalar_bit_for_bit(ks, data):
    rows = data.draw(st.integers(1, 12))
    k = len(ks)
    values = np.array(
        data.draw(
            st.lists(
                st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=k, max_size=k),
                min_size=rows,
                max_size=rows,
            )
        )
    )
    present = np.array(
        data.draw(st.lists(st.lists(st.booleans(), min_size=k, max_size=k), min_size=rows,
                           max_size=rows))
    )  # fmt: skip
    batch = sei_vectorised(ks, values, present)
    for i, r in enumerate(_scalar_rows(ks, values, present)):
        assert batch.sei_raw[i] == r.sei_raw  # identical, not approximately equal
        assert batch.sei_centi[i] == int(r.sei.scaleb(2))
        for j, line in enumerate(r.kpis):
            assert batch.scores[i, j] == line.score
            assert bool(batch.missing[i, j]) == (line.status == KpiStatus.MISSING)
            assert bool(batch.below_floor[i, j]) == line.below_floor


def test_vectorised_equals_scalar_on_realistic_data_with_excused_kpis():
    rng = np.random.default_rng(7)
    sets = [extended_kpi_set(o) for o in ("infrastructure", "data", "system", "portal", "security")]
    contracts, months = 40, 6
    chosen = [sets[i % 5] for i in range(contracts)]
    target = np.array([[k.target for k in s] for s in chosen])
    floor = np.array([[k.floor for k in s] for s in chosen])
    d = rng.normal(0.3, 0.8, size=(contracts, months, 8))
    values = np.round(target[:, None, :] + d * (floor - target)[:, None, :], 2)
    present = rng.random(values.shape) > 0.05
    excused = rng.random(values.shape) > 0.97
    excused[..., 0] = False  # never every KPI
    batch = sei_vectorised(KpiArrays.stack(chosen), values, present, excused)
    assert batch.sei_raw.shape == (contracts, months)
    for c in range(contracts):
        rows = _scalar_rows(chosen[c], values[c], present[c], excused[c])
        for m, r in enumerate(rows):
            assert batch.sei_raw[c, m] == r.sei_raw
            assert batch.sei_centi[c, m] == int(r.sei.scaleb(2))
    assert np.isnan(batch.scores[excused]).all()


def test_vectorised_refuses_nan_in_a_present_value_but_ignores_it_when_missing():
    values = np.array([[k.target for k in SIX]] * 3)
    values[1, 2] = np.nan
    with pytest.raises(PerformanceInputError) as e:
        sei_vectorised(SIX, values)
    assert e.value.field == "values" and "(1, 2)" in e.value.en
    present = np.ones(values.shape, dtype=bool)
    present[1, 2] = False
    batch = sei_vectorised(SIX, values, present)
    assert list(batch.sei_centi) == [10_000, 8_500, 10_000]


def test_vectorised_refuses_a_wrong_shape_and_a_row_with_everything_excused():
    with pytest.raises(PerformanceInputError) as e:
        sei_vectorised(SIX, np.zeros((2, 5)))
    assert "6" in e.value.en
    excused = np.zeros((2, 6), dtype=bool)
    excused[1] = True
    with pytest.raises(PerformanceInputError) as e:
        sei_vectorised(SIX, np.zeros((2, 6)), excused=excused)
    assert e.value.field == "excused"


def test_vectorised_takes_a_single_row_too():
    row = np.array([v if v is not None else 0.0 for v in WORKED.values()])
    present = np.array([v is not None for v in WORKED.values()])
    batch = sei_vectorised(SIX, row, present)
    assert batch.sei_centi == 6663 and batch.scores.shape == (6,)
    assert list(batch.missing) == [False] * 5 + [True]


def test_stacking_needs_sets_of_the_same_size():
    with pytest.raises(PerformanceInputError) as e:
        KpiArrays.stack([SIX, extended_kpi_set("data")])
    assert e.value.field == "kpis[1]"


def test_random_rows_match_including_extreme_values():
    rnd = random.Random(3)
    weights = [0.3, 0.1, 0.1, 0.2, 0.2, 0.1]
    ks = KpiSet(tuple(replace(k, weight=w) for k, w in zip(CORE_SIX, weights, strict=True)))
    pool = [0.0, -0.0, 1e-300, -1e300, 1e300, 5e-324, 99.5, 80.0, 59.999999, 1.0, 2.0, 3.0]
    values = np.array(
        [[rnd.choice([*pool, rnd.uniform(-200, 200)]) for _ in ks] for _ in range(500)]
    )
    present = np.ones(values.shape, dtype=bool)
    batch = sei_vectorised(ks, values, present)
    for i, r in enumerate(_scalar_rows(ks, values, present)):
        assert batch.sei_raw[i] == r.sei_raw
        assert 0 <= r.sei_raw <= 100
