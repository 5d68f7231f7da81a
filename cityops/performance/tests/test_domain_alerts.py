"""Alerts (cityops/performance/domain/alerts.py): each kind fires when it should, stays quiet
when it should not, and reaches the right roles."""

import datetime as dt
from decimal import Decimal

import pytest

from cityops.performance.domain.alerts import (
    AUDIENCE,
    AlertConfig,
    AlertKind,
    Severity,
    contract_alerts,
    deposit_alert,
    kpi_alerts,
    qualification_alerts,
    risk_alert,
    sei_drop_alert,
)
from cityops.performance.domain.errors import PerformanceInputError
from cityops.performance.domain.kpi import default_kpi_set
from cityops.performance.domain.sei import service_effectiveness_index

D = Decimal
SIX = default_kpi_set()
GOOD = {k.code: k.target for k in SIX}


def result(period, **changes):
    return service_effectiveness_index(SIX, {**GOOD, **changes}, contract_id="HT-7", period=period)


def test_kpi_below_floor_and_missing():
    r = result("2025-05", incident_response_minutes=75, availability=98.0, data_quality=None)
    alerts = {(a.kind, a.detail): a for a in kpi_alerts(r)}
    response = alerts[(AlertKind.KPI_BELOW_FLOOR, "incident_response_minutes")]
    assert response.severity == Severity.WARNING  # 30 points: below floor, not zero
    assert "75分钟" in response.message_zh and "floor 60 min" in response.message_en
    assert alerts[(AlertKind.KPI_BELOW_FLOOR, "availability")].severity == Severity.CRITICAL
    missing = alerts[(AlertKind.KPI_MISSING, "data_quality")]
    assert missing.audience == ("department_officer", "supplier")
    assert response.audience == ("department_officer", "supplier", "platform_admin")
    assert response.key == "kpi_below_floor:contract:HT-7:2025-05:incident_response_minutes"
    assert kpi_alerts(result("2025-05")) == []


def test_at_the_floor_is_not_an_alert():
    assert kpi_alerts(result("2025-05", citizen_satisfaction=80)) == []


def test_sei_drop_vs_previous_and_vs_trailing_mean():
    series = [("2025-01", "95"), ("2025-02", "94"), ("2025-03", "93"), ("2025-04", "84")]
    a = sei_drop_alert("HT-7", series)  # 9 below March, 10 below the mean 94
    assert a is not None and a.severity == Severity.WARNING and a.period == "2025-04"
    assert "94.00" in a.message_zh and "下降 10.00" in a.message_zh
    assert sei_drop_alert("HT-7", series[:3] + [("2025-04", "84.01")]) is None  # 9.99
    crash = sei_drop_alert("HT-7", series[:3] + [("2025-04", "70")])
    assert crash.severity == Severity.CRITICAL
    assert sei_drop_alert("HT-7", [("2025-01", "90")]) is None
    assert sei_drop_alert("HT-7", series, AlertConfig(sei_drop_points=D(12))) is None


def test_risk_rising_by_points_or_by_level():
    rose = risk_alert("supplier-005", [("2025-05", "20.0", "low"), ("2025-06", "31.5", "medium")])
    assert rose.kind == AlertKind.RISK_RISING and rose.severity == Severity.WARNING
    assert rose.audience == ("platform_admin", "department_officer", "finance_officer")
    level_only = risk_alert("s", [("2025-05", "48", "medium"), ("2025-06", "51", "high")])
    assert level_only is not None
    critical = risk_alert("s", [("2025-05", "65", "high"), ("2025-06", "72", "critical")])
    assert critical.severity == Severity.CRITICAL
    assert risk_alert("s", [("2025-05", "20", "low"), ("2025-06", "25", "low")]) is None
    assert risk_alert("s", [("2025-05", "60", "high"), ("2025-06", "40", "medium")]) is None


def test_deposit_to_raise():
    a = deposit_alert("HT-7", D("40.00"), D("10.00"))
    assert a.kind == AlertKind.DEPOSIT_TO_RAISE
    assert "补缴 30.00 万元" in a.message_zh
    assert a.audience[0] == "finance_officer"
    assert deposit_alert("HT-7", D("10"), D("10")) is None
    with pytest.raises(PerformanceInputError) as e:
        deposit_alert("HT-7", D("-1"), D("10"))
    assert e.value.field == "required_wan"


def test_qualification_expiring_and_expired():
    today = dt.date(2026, 1, 1)
    quals = [
        ("信息安全服务资质", dt.date(2026, 2, 15)),  # 45 days
        ("CMMI 三级", dt.date(2025, 12, 20)),  # expired
        ("ISO/IEC 27001", dt.date(2026, 6, 1)),  # far
    ]
    alerts = qualification_alerts("supplier-009", quals, today)
    assert [(a.detail, a.severity) for a in alerts] == [
        ("信息安全服务资质", Severity.WARNING),
        ("CMMI 三级", Severity.CRITICAL),
    ]
    assert "45" in alerts[0].message_en and "已于 2025-12-20 过期" in alerts[1].message_zh
    assert alerts[0].audience == AUDIENCE[AlertKind.QUALIFICATION_EXPIRING]
    assert (
        qualification_alerts("s", quals, today, AlertConfig(qualification_within_days=30))[0].detail
        == "CMMI 三级"
    )


def test_contract_alerts_of_the_latest_period():
    results = [result("2025-01"), result("2025-02"), result("2025-03", citizen_satisfaction=70)]
    alerts = contract_alerts(results, required_deposit_wan=D(30), held_deposit_wan=D(10))
    kinds = sorted(str(a.kind) for a in alerts)
    assert kinds == ["deposit_to_raise", "kpi_below_floor", "sei_drop"]  # 100 → 80
    assert all(a.period == "2025-03" for a in alerts)
    assert contract_alerts([]) == []
    assert [a.to_dict()["kind_zh"] for a in alerts if a.kind == AlertKind.SEI_DROP] == [
        "服务效能指数下降"
    ]
