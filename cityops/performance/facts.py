"""Rows → the performance engines' plain data."""

from __future__ import annotations

from .domain.kpi import Direction, Kpi, PeriodKind, Unit
from .models import ContractKpi


def kpi_of(row: ContractKpi) -> Kpi:
    return Kpi(code=row.code, name_zh=row.name_zh, name_en=row.name_en, unit=Unit(row.unit),
               direction=Direction(row.direction), target=row.target, floor=row.floor,
               weight=row.weight, period=PeriodKind(row.period), zero_at=row.zero_at)


def kpis_of(contract) -> list[Kpi]:
    return [kpi_of(k) for k in contract.kpis.all()]
