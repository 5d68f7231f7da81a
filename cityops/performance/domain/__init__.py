"""Pure pay-for-performance engines (brief §4, issue 5): no Django, no database. Frozen
dataclasses and numpy arrays in, plain data out, so the web, the API, jobs and the benchmark
call the same code.

- errors.py        PerformanceInputError: the field, in English and Chinese
- periods.py       month "2025-03" and quarter "2025-Q1" keys, due dates
- kpi.py           KPI templates per operation object, the six core indicators, KpiSet validation
- sei.py           service-effectiveness index: normalisation, weighting, drill-down; vectorised
- payment.py       payment curve (graded deduction, floor, value-added bonus); renewal decision
- risk.py          supplier risk index with factor contributions; deposit within the 10% cap
- measurements.py  flags on submitted values (out of range, late, missing); what a month reads
- alerts.py        alerts from the series, with severity and audience
- decimals.py      Decimal helpers: 万元 and SEIs to 0.01, half up
"""
