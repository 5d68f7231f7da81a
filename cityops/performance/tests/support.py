"""Shared builders for the performance app's database tests: a signed contract of the health
department with supplier sam, the months around today, values that meet or miss the KPIs,
files to upload, clients per role, and the row counts a refused write must leave alone.

The contract is written with the ORM (status active, as ``contract_sign`` leaves it) and its
KPIs with ``contract_kpis_default``, the call ``contract_sign`` makes: the procurement chain
before it is procurement's to test (``test_services`` signs one draft through it)."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.test import Client
from django.utils import timezone
from openpyxl import Workbook
from rest_framework.test import APIClient

from cityops.core.models import AuditEntry, Notification
from cityops.performance import services
from cityops.performance.domain import periods
from cityops.performance.models import Alert, Assessment, Measurement, PeriodPayment
from cityops.procurement.models import Contract, ContractStatus

CJK = re.compile(r"[\u4e00-\u9fff]")
TZ = ZoneInfo("Asia/Shanghai")

# Months relative to the real today: the views and the API stamp values with "now".
TODAY = timezone.localdate()
THIS_MONTH = periods.period_of(TODAY, "month")
LAST_MONTH = periods.add_months(THIS_MONTH, -1)
START_MONTH = periods.add_months(THIS_MONTH, -6)  # the contract's first month

# Every KPI of the default six at its target (SEI 100) and at its floor (SEI 60).
AT_TARGET = {"citizen_satisfaction": 92.0, "availability": 99.95,
             "incident_response_minutes": 25.0, "incident_resolution_hours": 6.0,
             "data_quality": 98.5, "security_incidents": 0.0}
AT_FLOOR = {"citizen_satisfaction": 80.0, "availability": 99.5,
            "incident_response_minutes": 60.0, "incident_resolution_hours": 24.0,
            "data_quality": 95.0, "security_incidents": 1.0}


def month(n: int) -> str:
    """The n-th month of the test contract (0 = its first)."""
    return periods.add_months(START_MONTH, n)


def at(day: dt.date | str, hour: int = 10) -> dt.datetime:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def on_time(period: str) -> dt.datetime:
    """A submission the day after the period ends: before its due date."""
    return at(periods.bounds(period)[1] + dt.timedelta(days=1))


def after_grace(period: str) -> dt.datetime:
    """A day the month may be assessed: after its due date and grace."""
    return at(periods.bounds(period)[1] + dt.timedelta(days=15))


_codes = iter(range(9001, 9999))


def make_contract(buyer, supplier, *, start: str = START_MONTH, months: int = 12,
                  amount_wan: str = "120", status: str = ContractStatus.ACTIVE,
                  code: str | None = None, deposit_ratio: str = "0.05") -> Contract:
    """A signed contract of ``buyer`` with ``supplier``: ``months`` months from the first day
    of ``start``, ``amount_wan`` 万元 (10 a month for the default 120 over 12)."""
    first = periods.bounds(start)[0]
    last = periods.bounds(periods.add_months(start, months - 1))[1]
    signed = at(first - dt.timedelta(days=1), 15)  # signed the day before its term begins
    c = Contract.objects.create(
        code=code or f"HT-2026-{next(_codes)}", buyer=buyer, supplier=supplier,
        title="政务云运维服务", operation_object="system", amount_wan=Decimal(amount_wan),
        start_on=first, end_on=last, content="运维", quantity="1", quality="按 KPI",
        settlement="按服务效能指数", rights_obligations="—", liability="—",
        deposit_ratio=Decimal(deposit_ratio), status=status, created_at=signed,
        signed_at=signed if status != ContractStatus.DRAFT else None)
    if status != ContractStatus.DRAFT:
        services.contract_kpis_default(contract=c)
    return c


def submit_all(contract, by, period: str, values: dict, *, source: str = "api",
               when: dt.datetime | None = None) -> list[Measurement]:
    return [services.measurement_submit(contract=contract, by=by, kpi_code=k, period=period,
                                        value=v, source=source, at=when or on_time(period))
            for k, v in values.items()]


def assessed_month(contract, supplier_user, officer, period: str, values=None,
                   **kwargs) -> Assessment:
    """Values pushed on time by the supplier, then the month assessed by the department."""
    submit_all(contract, supplier_user, period, AT_TARGET if values is None else values)
    # never in the future: the risk index reads the assessments made by its "now"
    when = min(after_grace(period), timezone.now())
    return services.period_assess(contract=contract, month=period, by=officer, at=when,
                                  **kwargs)


def counts() -> dict[str, int]:
    """Everything a refused write must leave as it was."""
    return {"measurements": Measurement.objects.count(),
            "assessments": Assessment.objects.count(),
            "payments": PeriodPayment.objects.count(), "alerts": Alert.objects.count(),
            "notifications": Notification.objects.count(), "audit": AuditEntry.objects.count()}


# -- files --------------------------------------------------------------------------------------


def csv_bytes(rows: list[list], header=("contract", "kpi", "period", "value")) -> bytes:
    lines = [",".join(header)] + [",".join(str(v) for v in r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def xlsx_bytes(rows: list[list], header=("contract", "kpi", "period", "value")) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def month_rows(contract, period: str, values: dict) -> list[list]:
    return [[contract.code, k, period, v] for k, v in values.items()]


# -- clients ------------------------------------------------------------------------------------


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def token_client(token: str, language: str | None = None) -> APIClient:
    """A client program: the token in the Authorization header, nothing else."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}",
                       **({"HTTP_ACCEPT_LANGUAGE": language} if language else {}))
    return client


def page_client(user, language: str = "zh-hans") -> Client:
    client = Client()
    client.force_login(user)
    if language == "en":
        client.cookies["django_language"] = "en"
    return client


def assert_chinese(message: str) -> None:
    assert CJK.search(message), f"no Chinese in the answer: {message!r}"


def assert_english(message: str) -> None:
    assert not CJK.search(message), f"Chinese in the English answer: {message!r}"
