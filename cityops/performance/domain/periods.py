"""Measurement and assessment periods as plain keys: months "2025-03", quarters "2025-Q1".

Keys sort in time order as strings within one kind, travel through JSON and the database as
they are, and read the same in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from .errors import PerformanceInputError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def quarter_key(year: int, quarter: int) -> str:
    return f"{year:04d}-Q{quarter}"


def period_of(day: dt.date, kind: PeriodKind | str) -> str:
    """The key of the month or quarter that contains ``day``."""
    if PeriodKind(kind) is PeriodKind.MONTH:
        return month_key(day.year, day.month)
    return quarter_key(day.year, (day.month - 1) // 3 + 1)


def parse(key: str, field: str = "period") -> tuple[PeriodKind, int, int]:
    """(kind, year, month or quarter) of a key; a malformed key raises PerformanceInputError."""
    if isinstance(key, str):
        if m := _MONTH.match(key):
            return PeriodKind.MONTH, int(m[1]), int(m[2])
        if m := _QUARTER.match(key):
            return PeriodKind.QUARTER, int(m[1]), int(m[2])
    raise PerformanceInputError(
        field,
        f"{key!r} is not a period: write a month as 2025-03 or a quarter as 2025-Q1.",
        f"{key!r} 不是有效的期间：月份写作 2025-03，季度写作 2025-Q1。",
    )


def kind_of(key: str) -> PeriodKind:
    return parse(key)[0]


def bounds(key: str) -> tuple[dt.date, dt.date]:
    """First and last day of the period."""
    kind, year, n = parse(key)
    first_month = n if kind is PeriodKind.MONTH else 3 * n - 2
    last_month = n if kind is PeriodKind.MONTH else 3 * n
    first = dt.date(year, first_month, 1)
    nxt = dt.date(year + (last_month == 12), last_month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def due_date(key: str, due_days: int) -> dt.date:
    """The day a period's value is due: ``due_days`` after the period's last day."""
    return bounds(key)[1] + dt.timedelta(days=due_days)


def add_months(key: str, n: int) -> str:
    kind, year, month = parse(key)
    if kind is not PeriodKind.MONTH:
        raise PerformanceInputError("period", "Expected a month.", "应为月份。")
    index = year * 12 + month - 1 + n
    return month_key(index // 12, index % 12 + 1)


def months(start: str, count: int) -> list[str]:
    """``count`` consecutive month keys from ``start``."""
    return [add_months(start, k) for k in range(count)]


def quarter_of(month: str) -> str:
    kind, year, m = parse(month)
    if kind is not PeriodKind.MONTH:
        raise PerformanceInputError("period", "Expected a month.", "应为月份。")
    return quarter_key(year, (m - 1) // 3 + 1)
