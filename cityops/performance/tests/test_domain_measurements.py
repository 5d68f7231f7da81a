"""Checks of submitted measurements (cityops/performance/domain/measurements.py): flags, never
deletions; what the SEI of a month reads."""

import datetime as dt
import math
from dataclasses import replace

import pytest

from cityops.performance.domain.errors import PerformanceInputError
from cityops.performance.domain.kpi import CORE_SIX, KpiSet, default_kpi_set, template
from cityops.performance.domain.measurements import (
    Flag,
    Submission,
    assessment_inputs,
    check_measurement,
    check_period,
)
from cityops.performance.domain.sei import service_effectiveness_index

SIX = default_kpi_set()
SAT = SIX.get("citizen_satisfaction")
INC = SIX.get("security_incidents")
ON_TIME = dt.date(2025, 4, 5)  # March is due on 10 April


def flags(m):
    return set(m.flag_codes)


def test_a_good_value_on_time_has_no_flags():
    m = check_measurement(SAT, "2025-03", 91.5, ON_TIME)
    assert m.flags == () and m.value == 91.5 and m.usable_value == 91.5


@pytest.mark.parametrize(
    ("kpi", "value", "flag"),
    [
        (SAT, 120, Flag.OUT_OF_RANGE),
        (SAT, -0.5, Flag.OUT_OF_RANGE),
        (INC, -1, Flag.OUT_OF_RANGE),
        (INC, 1.5, Flag.NOT_WHOLE),
        (SAT, math.nan, Flag.NOT_A_NUMBER),
        (SAT, math.inf, Flag.NOT_A_NUMBER),
        (SAT, "91,5", Flag.NOT_A_NUMBER),
        (SAT, None, Flag.MISSING),
    ],
)
def test_bad_values_are_flagged_and_kept(kpi, value, flag):
    m = check_measurement(kpi, "2025-03", value, ON_TIME)
    assert flags(m) == {str(flag)}
    assert m.value is value or m.value == value  # kept exactly as submitted
    note = m.flags[0]
    assert note.zh and note.en


def test_out_of_range_message_names_the_range():
    m = check_measurement(SAT, "2025-03", 895, ON_TIME)
    assert "0–100%" in m.flags[0].zh and "0–100%" in m.flags[0].en
    assert m.usable_value == 895  # the SEI clamps it; the owner corrects it


def test_not_a_number_reads_as_missing():
    m = check_measurement(SAT, "2025-03", math.nan, ON_TIME)
    assert m.usable_value is None


def test_late_after_due_date_plus_grace():
    # due 10 April, grace 3 days: 13 April is on time, 14 April is late
    assert check_measurement(SAT, "2025-03", 90, dt.date(2025, 4, 13)).flags == ()
    late = check_measurement(SAT, "2025-03", 90, dt.date(2025, 4, 14))
    assert flags(late) == {"late"}
    assert "2025-04-10" in late.flags[0].zh and "4 day(s) late" in late.flags[0].en
    custom = check_measurement(SAT, "2025-03", 90, dt.date(2025, 4, 14), due_days=15)
    assert custom.flags == ()


def test_a_quarterly_kpi_with_a_month_key_is_flagged():
    survey = template("satisfaction_survey")
    assert flags(check_measurement(survey, "2025-03", 80, ON_TIME)) == {"wrong_period"}
    assert check_measurement(survey, "2025-Q1", 80, ON_TIME).flags == ()


def test_malformed_period_is_refused():
    with pytest.raises(PerformanceInputError) as e:
        check_measurement(SAT, "2025/03", 90)
    assert e.value.field == "period"


def test_period_check_adds_missing_kpis_only_when_assessed():
    subs = [
        Submission("citizen_satisfaction", "2025-03", 91, ON_TIME),
        Submission("availability", "2025-03", 101, ON_TIME),
    ]
    checked = check_period(SIX, "2025-03", subs)
    assert len(checked) == 6
    missing = [m.kpi_code for m in checked if m.has(Flag.MISSING)]
    assert missing == list(SIX.codes[2:])
    assert checked[1].has(Flag.OUT_OF_RANGE) and checked[1].value == 101
    assert len(check_period(SIX, "2025-03", subs, assessed=False)) == 2
    with pytest.raises(PerformanceInputError) as e:
        check_period(SIX, "2025-03", [Submission("uptime", "2025-03", 1)])
    assert e.value.field == "kpi_code"


def test_assessment_inputs_for_monthly_and_quarterly_kpis():
    kpis = list(CORE_SIX)
    kpis[0] = replace(kpis[0], weight=0.10)
    survey = replace(template("satisfaction_survey"), weight=0.10)
    ks = KpiSet((*kpis, survey))
    values = {
        ("citizen_satisfaction", "2025-02"): 88.0,
        ("citizen_satisfaction", "2025-03"): 91.0,
        ("availability", "2025-03"): math.nan,
        ("satisfaction_survey", "2025-Q1"): 80.0,
    }
    march = assessment_inputs(ks, "2025-03", values)
    assert march.values["citizen_satisfaction"] == 91.0
    assert march.values["availability"] is None  # not a number: missing
    assert march.values["satisfaction_survey"] == 80.0  # March closes Q1
    assert march.excused == ()
    feb = assessment_inputs(ks, "2025-02", values)
    assert feb.values["citizen_satisfaction"] == 88.0
    assert feb.excused == ("satisfaction_survey",)  # not due yet: excused, not missing
    r = service_effectiveness_index(ks, feb.values, excused=feb.excused)
    assert r.kpi("satisfaction_survey").score is None
    with pytest.raises(PerformanceInputError):
        assessment_inputs(ks, "2025-Q1", values)
