"""KPI catalogue, KPI sets and periods (cityops/performance/domain/kpi.py, periods.py)."""

import datetime as dt
from dataclasses import replace

import pytest

from cityops.performance.domain import periods
from cityops.performance.domain.errors import PerformanceInputError
from cityops.performance.domain.kpi import (
    CATALOGUE,
    CORE_SIX,
    Direction,
    KpiSet,
    Unit,
    catalogue_for,
    default_kpi_set,
    extended_kpi_set,
    template,
)
from cityops.portfolio.domain.vocab import OperationObject


def test_default_set_is_the_six_core_indicators_weighing_one():
    s = default_kpi_set()
    assert s.codes == (
        "citizen_satisfaction",
        "availability",
        "incident_response_minutes",
        "incident_resolution_hours",
        "data_quality",
        "security_incidents",
    )
    assert [k.weight for k in s] == [0.20, 0.20, 0.15, 0.15, 0.15, 0.15]
    assert all(k.core for k in s)
    # the Nanjing example names satisfaction and stability; Haikou answers in 30 minutes
    assert s.get("citizen_satisfaction").direction == Direction.HIGHER
    assert s.get("incident_response_minutes").target == 30
    assert s.get("incident_response_minutes").direction == Direction.LOWER


@pytest.mark.parametrize("obj", list(OperationObject))
def test_every_operation_object_has_templates_and_an_eight_kpi_set(obj):
    own = [k for k in catalogue_for(obj) if not k.core]
    assert own, obj
    assert all(obj in k.objects or not k.objects for k in own)
    s = extended_kpi_set(obj)
    assert len(s) == 8
    assert abs(sum(k.weight for k in s) - 1) < 1e-12
    assert s.codes[:6] == default_kpi_set().codes


def test_the_whole_catalogue_validates_and_codes_are_unique():
    codes = [k.code for k in CATALOGUE]
    assert len(codes) == len(set(codes))
    for k in CATALOGUE:
        KpiSet((replace(k, weight=1.0),))  # raises if a template is inconsistent
    assert template("portal_monthly_active_users").unit == Unit.USERS
    assert "portal_monthly_active_users" in [k.code for k in catalogue_for("portal")]
    assert "patch_latency_days" in [k.code for k in catalogue_for(OperationObject.SECURITY)]


def test_default_zero_score_value_is_one_span_beyond_the_floor():
    s = default_kpi_set()
    assert s.get("citizen_satisfaction").limit == 70  # 80 − (90 − 80)
    assert s.get("incident_response_minutes").limit == 90  # 60 + (60 − 30)
    assert s.get("security_incidents").limit == 3  # stated: zero_at


def _error(kpis) -> PerformanceInputError:
    with pytest.raises(PerformanceInputError) as e:
        KpiSet(tuple(kpis))
    return e.value


def test_weights_must_sum_to_one():
    e = _error(CORE_SIX[:5])
    assert e.field == "kpis"
    assert "0.85" in e.en and "0.85" in e.zh and "权重" in e.zh


def test_weights_within_tolerance_are_accepted():
    kpis = list(CORE_SIX)
    kpis[0] = replace(kpis[0], weight=0.20 + 5e-10)
    KpiSet(tuple(kpis))
    kpis[0] = replace(kpis[0], weight=0.20 + 2e-9)
    assert _error(kpis).field == "kpis"


@pytest.mark.parametrize(
    ("index", "change", "field", "zh"),
    [
        (0, {"target": 70.0}, "kpis[0].target", "目标值必须高于底线值"),
        (2, {"target": 90.0}, "kpis[2].target", "目标值必须低于底线值"),
        (0, {"target": 120.0}, "kpis[0].target", "超出该单位的可能范围"),
        (2, {"floor": -5.0}, "kpis[2].floor", "超出该单位的可能范围"),
        (0, {"zero_at": 85.0}, "kpis[0].zero_at", "零分值必须比底线值更差"),
        (1, {"weight": 0.0}, "kpis[1].weight", "权重须大于 0"),
        (1, {"weight": -0.1}, "kpis[1].weight", "权重须大于 0"),
        (1, {"target": float("nan")}, "kpis[1].target", "有限数值"),
        (1, {"target": "99"}, "kpis[1].target", "必须是数值"),
        (3, {"unit": "parsecs"}, "kpis[3].unit", "单位"),
        (3, {"direction": "sideways"}, "kpis[3].direction", "方向"),
        (4, {"code": "Data Quality"}, "kpis[4].code", "编码"),
        (4, {"name_zh": " "}, "kpis[4].name_zh", "中文名称为空"),
        (5, {"code": "availability"}, "kpis[5].code", "重复"),
    ],
)
def test_bad_kpi_names_the_field_in_both_languages(index, change, field, zh):
    kpis = list(CORE_SIX)
    kpis[index] = replace(kpis[index], **change)
    e = _error(kpis)
    assert e.field == field
    assert zh in e.zh
    assert e.en and field in str(e)
    assert e.to_dict() == {"field": field, "en": e.en, "zh": e.zh}


def test_empty_set_is_refused():
    assert _error(()).field == "kpis"


def test_decimal_and_int_parameters_become_floats():
    from decimal import Decimal

    kpis = list(CORE_SIX)
    kpis[0] = replace(kpis[0], target=Decimal("92.5"), floor=85)
    k = KpiSet(tuple(kpis))[0]
    assert k.target == 92.5 and isinstance(k.floor, float)


# --- periods ----------------------------------------------------------------------------------


def test_period_keys_and_bounds():
    assert periods.bounds("2024-02") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert periods.bounds("2025-Q4") == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert periods.period_of(dt.date(2025, 8, 15), "quarter") == "2025-Q3"
    assert periods.quarter_of("2025-12") == "2025-Q4"
    assert periods.months("2024-11", 4) == ["2024-11", "2024-12", "2025-01", "2025-02"]
    assert periods.due_date("2025-01", 10) == dt.date(2025, 2, 10)


@pytest.mark.parametrize("key", ["2025-13", "2025-3", "2025Q1", "2025-Q5", "", None])
def test_malformed_period_is_refused(key):
    with pytest.raises(PerformanceInputError) as e:
        periods.bounds(key)
    assert e.value.field == "period" and "2025-03" in e.value.zh
