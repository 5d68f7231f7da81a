"""Alerts from a contract's or a supplier's series (issue 5, item 6): the data bureau sees
trouble before it becomes a failure.

Each alert names its kind, severity, subject (a contract or a supplier), the period, a message in
zh and en, and the roles that should see it (the owner department's officers are
``department_officer``; scoping to the owning department is the caller's). ``key`` identifies
an alert so that the same condition in the same period is notified once.

==========================  ==================================  =================================
kind                        when (defaults in AlertConfig)      who sees it
==========================  ==================================  =================================
kpi_below_floor             a measured KPI scored below 60      department_officer, supplier,
                            (critical at 0)                     platform_admin
kpi_missing                 an assessed KPI has no value        department_officer, supplier
sei_drop                    SEI fell ≥ 10 points vs the         department_officer, supplier,
                            previous period or vs the mean of   platform_admin
                            the 3 before (critical ≥ 20)
risk_rising                 risk index up ≥ 10 points, or into  platform_admin, department_officer,
                            a higher level (critical: into      finance_officer
                            "critical")
deposit_to_raise            required deposit > held deposit     finance_officer,
                                                                department_officer, supplier
qualification_expiring      a required qualification expires    supplier, department_officer,
                            within 60 days (critical: expired)  platform_admin
==========================  ==================================  =================================
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from .decimals import amount_of, decimal_of, mean_of, sei_of
from .errors import PerformanceInputError
from .kpi import format_with_unit
from .risk import RISK_LEVEL_LABELS, RiskLevel
from .sei import KpiScore, KpiStatus, SEIResult


class AlertKind(StrEnum):
    KPI_BELOW_FLOOR = "kpi_below_floor"
    KPI_MISSING = "kpi_missing"
    SEI_DROP = "sei_drop"
    RISK_RISING = "risk_rising"
    DEPOSIT_TO_RAISE = "deposit_to_raise"
    QUALIFICATION_EXPIRING = "qualification_expiring"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


PLATFORM_ADMIN = "platform_admin"
DEPARTMENT_OFFICER = "department_officer"
SUPPLIER = "supplier"
FINANCE_OFFICER = "finance_officer"

AUDIENCE: dict[AlertKind, tuple[str, ...]] = {
    AlertKind.KPI_BELOW_FLOOR: (DEPARTMENT_OFFICER, SUPPLIER, PLATFORM_ADMIN),
    AlertKind.KPI_MISSING: (DEPARTMENT_OFFICER, SUPPLIER),
    AlertKind.SEI_DROP: (DEPARTMENT_OFFICER, SUPPLIER, PLATFORM_ADMIN),
    AlertKind.RISK_RISING: (PLATFORM_ADMIN, DEPARTMENT_OFFICER, FINANCE_OFFICER),
    AlertKind.DEPOSIT_TO_RAISE: (FINANCE_OFFICER, DEPARTMENT_OFFICER, SUPPLIER),
    AlertKind.QUALIFICATION_EXPIRING: (SUPPLIER, DEPARTMENT_OFFICER, PLATFORM_ADMIN),
}

KIND_LABELS: dict[AlertKind, tuple[str, str]] = {
    AlertKind.KPI_BELOW_FLOOR: ("指标低于底线", "KPI below floor"),
    AlertKind.KPI_MISSING: ("指标缺报", "KPI missing"),
    AlertKind.SEI_DROP: ("服务效能指数下降", "SEI drop"),
    AlertKind.RISK_RISING: ("风险指数上升", "Risk index rising"),
    AlertKind.DEPOSIT_TO_RAISE: ("履约保证金不足", "Deposit to raise"),
    AlertKind.QUALIFICATION_EXPIRING: ("资质即将到期", "Qualification expiring"),
}


@dataclass(frozen=True)
class AlertConfig:
    sei_drop_points: Decimal = Decimal(10)
    sei_trailing_periods: int = 3
    risk_rise_points: Decimal = Decimal(10)
    qualification_within_days: int = 60

    def __post_init__(self):
        for name in ("sei_drop_points", "risk_rise_points"):
            value = decimal_of(getattr(self, name), name, name.replace("_", " "), "阈值")
            if not 0 < value <= 100:
                raise PerformanceInputError(
                    name, "Must be above 0 and at most 100.", "须大于 0 且不超过 100。"
                )
            object.__setattr__(self, name, value)
        for name in ("sei_trailing_periods", "qualification_within_days"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise PerformanceInputError(
                    name, "Must be a whole number of at least 1.", "须为不小于 1 的整数。"
                )


DEFAULT_ALERTS = AlertConfig()


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    severity: Severity
    subject_type: str  # "contract" | "supplier"
    subject_id: str
    period: str  # "" when the alert is not about one period
    message_zh: str
    message_en: str
    audience: tuple[str, ...]
    detail: str = ""  # what distinguishes two alerts of one kind, subject and period (a KPI code)
    data: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def key(self) -> str:
        return ":".join(
            (str(self.kind), self.subject_type, self.subject_id, self.period, self.detail)
        )

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "kind": str(self.kind),
            "kind_zh": KIND_LABELS[self.kind][0],
            "kind_en": KIND_LABELS[self.kind][1],
            "severity": str(self.severity),
            "subject_type": self.subject_type,
            "subject_id": self.subject_id,
            "period": self.period,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "audience": list(self.audience),
            "detail": self.detail,
            "data": self.data,
        }


def _alert(kind, severity, subject_type, subject_id, period, zh, en, detail="", **data) -> Alert:
    return Alert(
        kind, severity, subject_type, subject_id, period, zh, en, AUDIENCE[kind], detail, data
    )


def _u(k: KpiScore, x: float, lang: str) -> str:
    return format_with_unit(k.unit, x, lang)


def kpi_alerts(result: SEIResult) -> list[Alert]:
    """Below-floor and missing KPIs of one assessed period (``result.contract_id`` is the
    subject)."""
    out = []
    c, p = result.contract_id, result.period
    for k in result.kpis:
        if k.below_floor:
            assert k.score is not None and k.scored_value is not None
            severity = Severity.CRITICAL if k.score == 0 else Severity.WARNING
            out.append(_alert(
                AlertKind.KPI_BELOW_FLOOR, severity, "contract", c, p,
                f"合同 {c} {p}：{k.name_zh} {_u(k, k.scored_value, 'zh')} 未达底线 "
                f"{_u(k, k.floor, 'zh')}（得分 {k.score:.1f}）",
                f"Contract {c}, {p}: {k.name_en} {_u(k, k.scored_value, 'en')} misses the floor "
                f"{_u(k, k.floor, 'en')} (score {k.score:.1f})",
                k.code, value=k.scored_value, floor=k.floor, score=k.score,
            ))  # fmt: skip
        elif k.status == KpiStatus.MISSING:
            out.append(_alert(
                AlertKind.KPI_MISSING, Severity.WARNING, "contract", c, p,
                f"合同 {c} {p}：{k.name_zh} 未报送，按 0 分计",
                f"Contract {c}, {p}: {k.name_en} has no value and scores 0",
                k.code,
            ))  # fmt: skip
    return out


def sei_drop_alert(
    contract_id: str,
    series: Sequence[tuple[str, object]],
    config: AlertConfig = DEFAULT_ALERTS,
) -> Alert | None:
    """An alert when the last SEI of ``series`` ((period, SEI) pairs, oldest first) is at least
    ``sei_drop_points`` below the previous one or below the mean of the
    ``sei_trailing_periods`` before it; None otherwise."""
    if len(series) < 2:
        return None
    values = [sei_of(v, f"series[{i}]") for i, (_, v) in enumerate(series)]
    period, last = series[-1][0], values[-1]
    before = values[:-1]
    prev = before[-1]
    trailing = mean_of(before[-config.sei_trailing_periods :])
    drop_prev = prev - last
    drop_mean = trailing - last
    drop = max(drop_prev, drop_mean)
    if drop < config.sei_drop_points:
        return None
    severity = Severity.CRITICAL if drop >= 2 * config.sei_drop_points else Severity.WARNING
    n = len(before[-config.sei_trailing_periods :])
    return _alert(
        AlertKind.SEI_DROP, severity, "contract", contract_id, period,
        f"合同 {contract_id} {period}：服务效能指数 {last}，较上期 {prev} 下降 {drop_prev}，"
        f"较前 {n} 期均值 {trailing} 下降 {drop_mean}",
        f"Contract {contract_id}, {period}: SEI {last}, {drop_prev} below the previous period "
        f"({prev}) and {drop_mean} below the mean of the {n} before ({trailing})",
        sei=str(last), previous=str(prev), trailing_mean=str(trailing),
    )  # fmt: skip


def risk_alert(
    supplier_key: str,
    series: Sequence[tuple[str, object, RiskLevel | str]],
    config: AlertConfig = DEFAULT_ALERTS,
) -> Alert | None:
    """An alert when the supplier's last risk index ((period, index, level) triples, oldest
    first) rose at least ``risk_rise_points`` over the previous one, or moved into a higher
    level; critical when the new level is critical."""
    if len(series) < 2:
        return None
    order = list(RiskLevel)
    (_, prev_raw, prev_level), (period, last_raw, last_level) = series[-2], series[-1]
    prev = decimal_of(prev_raw, "series", "risk index", "风险指数")
    last = decimal_of(last_raw, "series", "risk index", "风险指数")
    prev_level, last_level = RiskLevel(prev_level), RiskLevel(last_level)
    rise = last - prev
    up_level = order.index(last_level) > order.index(prev_level)
    if rise < config.risk_rise_points and not up_level:
        return None
    severity = Severity.CRITICAL if last_level == RiskLevel.CRITICAL else Severity.WARNING
    lz, le = RISK_LEVEL_LABELS[last_level]
    return _alert(
        AlertKind.RISK_RISING, severity, "supplier", supplier_key, period,
        f"服务商 {supplier_key} {period}：风险指数由 {prev} 升至 {last}（{lz}风险）",
        f"Supplier {supplier_key}, {period}: risk index up from {prev} to {last} ({le} risk)",
        index=str(last), previous=str(prev), level=str(last_level),
    )  # fmt: skip


def deposit_alert(contract_id: str, required_wan, held_wan, period: str = "") -> Alert | None:
    """An alert when the deposit the risk index requires is above the deposit held."""
    required = amount_of(required_wan, "required_wan", "required deposit", "应缴保证金")
    held = amount_of(held_wan, "held_wan", "held deposit", "已缴保证金")
    if required <= held:
        return None
    gap = required - held
    return _alert(
        AlertKind.DEPOSIT_TO_RAISE, Severity.WARNING, "contract", contract_id, period,
        f"合同 {contract_id}：应缴履约保证金 {required} 万元，已缴 {held} 万元，须补缴 {gap} 万元",
        f"Contract {contract_id}: deposit required {required} 万元, held {held} 万元; "
        f"{gap} 万元 to raise",
        required_wan=str(required), held_wan=str(held), gap_wan=str(gap),
    )  # fmt: skip


def qualification_alerts(
    supplier_key: str,
    qualifications: Sequence[tuple[str, dt.date]],
    today: dt.date,
    config: AlertConfig = DEFAULT_ALERTS,
) -> list[Alert]:
    """One alert per required qualification ((name, expires on) pairs) that has expired
    (critical) or expires within ``qualification_within_days`` (warning)."""
    out = []
    for name, expires in qualifications:
        if not isinstance(expires, dt.date):
            raise PerformanceInputError(
                "qualifications",
                f"The expiry of {name} is not a date.",
                f"{name} 的到期日不是日期。",
            )
        days = (expires - today).days
        if days < 0:
            out.append(_alert(
                AlertKind.QUALIFICATION_EXPIRING, Severity.CRITICAL, "supplier", supplier_key, "",
                f"服务商 {supplier_key}：资质“{name}”已于 {expires.isoformat()} 过期",
                f"Supplier {supplier_key}: the qualification '{name}' expired on "
                f"{expires.isoformat()}",
                name, expires_on=expires.isoformat(), days=days,
            ))  # fmt: skip
        elif days <= config.qualification_within_days:
            out.append(_alert(
                AlertKind.QUALIFICATION_EXPIRING, Severity.WARNING, "supplier", supplier_key, "",
                f"服务商 {supplier_key}：资质“{name}”将于 {expires.isoformat()} 到期（{days} 天后）",
                f"Supplier {supplier_key}: the qualification '{name}' expires on "
                f"{expires.isoformat()} (in {days} day(s))",
                name, expires_on=expires.isoformat(), days=days,
            ))  # fmt: skip
    return out


def contract_alerts(
    results: Sequence[SEIResult],
    *,
    required_deposit_wan=None,
    held_deposit_wan=None,
    config: AlertConfig = DEFAULT_ALERTS,
) -> list[Alert]:
    """The alerts of a contract's latest assessed period: its KPIs, the SEI drop against the
    earlier periods of ``results`` (oldest first) and, when given, the deposit."""
    if not results:
        return []
    last = results[-1]
    out = kpi_alerts(last)
    drop = sei_drop_alert(last.contract_id, [(r.period, r.sei) for r in results], config)
    if drop:
        out.append(drop)
    if required_deposit_wan is not None and held_deposit_wan is not None:
        alert = deposit_alert(last.contract_id, required_deposit_wan, held_deposit_wan, last.period)
        if alert:
            out.append(alert)
    return out
