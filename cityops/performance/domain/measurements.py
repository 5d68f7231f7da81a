"""Checks of submitted measurements: flags, never deletions (issue 5, item 2).

A value is kept exactly as submitted; the checks add flags the owner department and the
supplier see:

* ``not_a_number``: not a finite number (NaN, infinity, text): it cannot be scored until
  corrected, so for the SEI the KPI is *missing* (scores 0).
* ``out_of_range``: outside what the KPI's unit allows (a percentage outside 0–100, a negative
  time or count): the SEI scores it as the nearest possible value (see sei.py).
* ``not_whole``: a count or a number of users with a fraction.
* ``wrong_period``: a monthly KPI given a quarter's key or the reverse.
* ``late``: submitted after the period's due date plus the grace days (the value counts; the
  lateness is recorded, e.g. for the supplier's late-delivery record).
* ``missing``: the period is assessed and the KPI has no value.

Due date: ``due_days`` after the period's last day [10]; grace [3 days].
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from numbers import Real

from . import periods
from .errors import PerformanceInputError
from .kpi import WHOLE_UNITS, Kpi, KpiSet, Unit, format_with_unit, kpi_set
from .periods import PeriodKind

DEFAULT_DUE_DAYS = 10
DEFAULT_GRACE_DAYS = 3


class Flag(StrEnum):
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    NOT_WHOLE = "not_whole"
    WRONG_PERIOD = "wrong_period"
    LATE = "late"
    MISSING = "missing"


FLAG_LABELS: dict[Flag, tuple[str, str]] = {
    Flag.NOT_A_NUMBER: ("非有效数值", "not a number"),
    Flag.OUT_OF_RANGE: ("超出合理范围", "out of range"),
    Flag.NOT_WHOLE: ("应为整数", "not a whole number"),
    Flag.WRONG_PERIOD: ("期间类型不符", "wrong period"),
    Flag.LATE: ("逾期报送", "late"),
    Flag.MISSING: ("缺报", "missing"),
}


@dataclass(frozen=True)
class FlagNote:
    flag: Flag
    zh: str
    en: str

    def to_dict(self) -> dict[str, str]:
        return {"flag": str(self.flag), "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class CheckedMeasurement:
    kpi_code: str
    period: str
    value: object  # exactly as submitted (None when missing)
    submitted_on: dt.date | None
    flags: tuple[FlagNote, ...] = field(default=())

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(str(n.flag) for n in self.flags)

    def has(self, flag: Flag) -> bool:
        return any(n.flag == flag for n in self.flags)

    @property
    def usable_value(self) -> float | None:
        """The value the SEI reads: None (missing) for a value that is not a finite number."""
        if self.value is None or self.has(Flag.NOT_A_NUMBER):
            return None
        return float(self.value)  # type: ignore[arg-type]

    def to_dict(self) -> dict:
        return {
            "kpi_code": self.kpi_code,
            "period": self.period,
            "value": self.value,
            "submitted_on": self.submitted_on.isoformat() if self.submitted_on else None,
            "flags": [n.to_dict() for n in self.flags],
        }


def _finite(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        return None
    try:
        number = float(value)
    except (OverflowError, ValueError):
        return None
    return number if math.isfinite(number) else None


def check_measurement(
    kpi: Kpi,
    period: str,
    value,
    submitted_on: dt.date | None = None,
    *,
    due_days: int = DEFAULT_DUE_DAYS,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> CheckedMeasurement:
    """Flags for one submitted value. A malformed period key raises PerformanceInputError
    (nothing can be stored against it); everything else is flagged, never refused."""
    kind = periods.kind_of(period)
    notes: list[FlagNote] = []
    if kind != PeriodKind(kpi.period):
        notes.append(FlagNote(
            Flag.WRONG_PERIOD,
            f"{kpi.name_zh}按{'月' if kpi.period == PeriodKind.MONTH else '季度'}考核，期间 {period} 不符",
            f"{kpi.name_en} is measured per {kpi.period}; {period} is not one",
        ))  # fmt: skip
    if value is None:
        notes.append(FlagNote(Flag.MISSING, "未报送数值", "no value"))
    else:
        number = _finite(value)
        if number is None:
            notes.append(FlagNote(
                Flag.NOT_A_NUMBER, f"数值 {value!r} 不是有效数字，本期按缺报计",
                f"{value!r} is not a finite number; the period counts it as missing",
            ))  # fmt: skip
        else:
            lo, hi = kpi.plausible_range
            if not lo <= number <= hi:
                if math.isfinite(hi):
                    span_zh = f"{lo:g}–{format_with_unit(kpi.unit, hi, 'zh')}"
                    span_en = f"{lo:g}–{format_with_unit(kpi.unit, hi, 'en')}"
                else:
                    span_zh = f"不小于 {format_with_unit(kpi.unit, lo, 'zh')}"
                    span_en = f"at least {format_with_unit(kpi.unit, lo, 'en')}"
                notes.append(FlagNote(
                    Flag.OUT_OF_RANGE,
                    f"数值 {number:g} 超出合理范围（{span_zh}），请核实",
                    f"{number:g} is outside the possible range ({span_en}); please check",
                ))  # fmt: skip
            if Unit(kpi.unit) in WHOLE_UNITS and number != math.floor(number):
                notes.append(FlagNote(
                    Flag.NOT_WHOLE, f"数值 {number:g} 应为整数", f"{number:g} should be a whole number",
                ))  # fmt: skip
    if submitted_on is not None:
        due = periods.due_date(period, due_days)
        if submitted_on > due + dt.timedelta(days=grace_days):
            days = (submitted_on - due).days
            notes.append(FlagNote(
                Flag.LATE,
                f"应于 {due.isoformat()} 前报送，逾期 {days} 天",
                f"due by {due.isoformat()}; {days} day(s) late",
            ))  # fmt: skip
    return CheckedMeasurement(kpi.code, period, value, submitted_on, tuple(notes))


@dataclass(frozen=True)
class Submission:
    kpi_code: str
    period: str
    value: object
    submitted_on: dt.date | None = None


def check_period(
    kpis: KpiSet | Iterable[Kpi],
    period: str,
    submissions: Iterable[Submission],
    *,
    assessed: bool = True,
    due_days: int = DEFAULT_DUE_DAYS,
    grace_days: int = DEFAULT_GRACE_DAYS,
) -> list[CheckedMeasurement]:
    """Every submission of the period checked, plus (when the period is ``assessed``) one
    ``missing`` entry per KPI of the period's kind with no submission. Submissions for codes
    not in the set raise PerformanceInputError (they belong to no KPI of this contract)."""
    ks = kpi_set(kpis)
    kind = periods.kind_of(period)
    out = []
    seen = set()
    for s in submissions:
        try:
            kpi = ks.get(s.kpi_code)
        except KeyError:
            raise PerformanceInputError(
                "kpi_code",
                f"{s.kpi_code} is not a KPI of this contract.",
                f"{s.kpi_code} 不是本合同的考核指标。",
            ) from None
        out.append(
            check_measurement(
                kpi, s.period, s.value, s.submitted_on, due_days=due_days, grace_days=grace_days
            )
        )
        seen.add((s.kpi_code, s.period))
    if assessed:
        for kpi in ks:
            if PeriodKind(kpi.period) == kind and (kpi.code, period) not in seen:
                out.append(
                    CheckedMeasurement(
                        kpi.code,
                        period,
                        None,
                        None,
                        (
                            FlagNote(
                                Flag.MISSING,
                                "考核期内未报送数值",
                                "no value when the period was assessed",
                            ),
                        ),
                    )
                )
    return out


@dataclass(frozen=True)
class AssessmentInputs:
    """What ``sei.service_effectiveness_index`` reads for one month."""

    values: dict[str, float | None]
    excused: tuple[str, ...]  # quarterly KPIs outside the month that closes their quarter


def assessment_inputs(
    kpis: KpiSet | Iterable[Kpi],
    month: str,
    values: Mapping[tuple[str, str], object],
) -> AssessmentInputs:
    """The inputs of the SEI of ``month``. ``values`` maps (kpi code, period key) to the
    submitted value. A monthly KPI reads its value for the month. A quarterly KPI is assessed in
    the month that closes its quarter (March, June, September, December), when its value falls
    due, reading the quarter's value; in the other two months it is excused, so a month is never
    scored on a value that is not due yet. A value that is not a finite number reads as missing.
    """
    ks = kpi_set(kpis)
    if periods.kind_of(month) != PeriodKind.MONTH:
        raise PerformanceInputError(
            "period", "The SEI is assessed per month.", "服务效能指数按月评估。"
        )
    quarter = periods.quarter_of(month)
    closes_quarter = periods.bounds(month)[1] == periods.bounds(quarter)[1]
    out: dict[str, float | None] = {}
    excused = []
    for kpi in ks:
        if PeriodKind(kpi.period) == PeriodKind.MONTH:
            out[kpi.code] = _finite(values.get((kpi.code, month)))
        elif closes_quarter:
            out[kpi.code] = _finite(values.get((kpi.code, quarter)))
        else:
            excused.append(kpi.code)
    return AssessmentInputs(out, tuple(excused))
