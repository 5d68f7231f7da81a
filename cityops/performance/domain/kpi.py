"""KPI templates and KPI sets: what a contract measures (brief §4; issue 5, item 1).

A ``Kpi`` is one indicator with its unit, direction (higher or lower is better), target, floor,
weight and measurement period. The catalogue below holds templates per operation object
(``cityops.portfolio.domain.vocab.OperationObject``); a contract copies templates and may
change targets, floors and weights (``dataclasses.replace``), then ``KpiSet`` validates the
whole set.

The default set: the brief's Nanjing Gulou example writes a service-effectiveness index of six
core indicators into the contract ("citizen satisfaction, system stability, …"; the other four
are not named). We choose the six a purchased smart-city service is usually judged on and that
map onto the report's own figures:

==============================  =====  =========  ======  =====  ======  =======================
indicator                       unit   direction  target  floor  weight  why
==============================  =====  =========  ======  =====  ======  =======================
citizen satisfaction            %      higher     90      80     0.20    named by Nanjing; the
                                                                         12345 satisfaction rate
system availability             %      higher     99.9    99.5   0.20    "system stability"
incident response time          min    lower      30      60     0.15    Haikou's 30-minute
                                                                         response
incident resolution time        h      lower      8       24     0.15    "problem resolution"
data quality (records passing)  %      higher     98      95     0.15    data governance (§5)
security incidents              count  lower      0       1      0.15    Shenzhen's graded
                                                                         security supervision
==============================  =====  =========  ======  =====  ======  =======================

The two service-facing indicators (satisfaction, availability) weigh 0.20 each, the four
operational ones 0.15 each: the sum is 1. ``extended_kpi_set(object)`` adds the first two
templates specific to the operation object at 0.10 each and scales the core six by 0.8 (eight
KPIs, as in the benchmark).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from numbers import Real

from cityops.portfolio.domain.vocab import OperationObject

from .errors import PerformanceInputError
from .periods import PeriodKind

WEIGHT_TOLERANCE = 1e-9
MAX_MAGNITUDE = 1e12  # a sanity bound on targets and floors: keeps every difference finite
_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better: availability, satisfaction
    LOWER = "lower"  # lower is better: response time, incident count


class Unit(StrEnum):
    PERCENT = "percent"
    SECONDS = "seconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    COUNT = "count"
    USERS = "users"


# (zh, en) labels, as shown next to a value
UNIT_LABELS: dict[Unit, tuple[str, str]] = {
    Unit.PERCENT: ("%", "%"),
    Unit.SECONDS: ("秒", "s"),
    Unit.MINUTES: ("分钟", "min"),
    Unit.HOURS: ("小时", "h"),
    Unit.DAYS: ("天", "days"),
    Unit.COUNT: ("次", "count"),
    Unit.USERS: ("人", "users"),
}

# The range a value of the unit can take at all; outside it a value is a mistake (flagged by
# measurements.py, clamped by the SEI so that it never earns more than a possible value).
PLAUSIBLE_RANGE: dict[Unit, tuple[float, float]] = {
    Unit.PERCENT: (0.0, 100.0),
    Unit.SECONDS: (0.0, math.inf),
    Unit.MINUTES: (0.0, math.inf),
    Unit.HOURS: (0.0, math.inf),
    Unit.DAYS: (0.0, math.inf),
    Unit.COUNT: (0.0, math.inf),
    Unit.USERS: (0.0, math.inf),
}
WHOLE_UNITS = frozenset({Unit.COUNT, Unit.USERS})


def format_with_unit(unit: Unit | str, x: float, lang: str = "en") -> str:
    """A value with its unit label: "99.5%", "30 min", "30分钟", "1,200,000 users"."""
    zh, en = UNIT_LABELS[Unit(unit)]
    label = zh if lang.startswith("zh") else en
    number = f"{x:,.6g}" if abs(x) >= 1e6 else f"{x:g}"
    glue = "" if label == "%" or lang.startswith("zh") else " "
    return f"{number}{glue}{label}"


@dataclass(frozen=True)
class Kpi:
    """One indicator of a contract (or a template in the catalogue).

    ``zero_at`` is the value at which the normalised score reaches 0 (beyond the floor, on the
    worse side); None: one target–floor span beyond the floor (see ``limit``).
    ``objects``: the operation objects the template suits (empty: all). ``core``: one of the six.
    """

    code: str
    name_zh: str
    name_en: str
    unit: Unit
    direction: Direction
    target: float
    floor: float
    weight: float
    period: PeriodKind = PeriodKind.MONTH
    zero_at: float | None = None
    objects: tuple[OperationObject, ...] = ()
    core: bool = False
    how_zh: str = ""  # how it is measured, one line
    how_en: str = ""

    @property
    def limit(self) -> float:
        """The value scoring 0: ``zero_at``, or the floor moved one target–floor span further."""
        if self.zero_at is not None:
            return self.zero_at
        return self.floor - (self.target - self.floor)

    @property
    def higher_is_better(self) -> bool:
        return self.direction == Direction.HIGHER

    @property
    def plausible_range(self) -> tuple[float, float]:
        return PLAUSIBLE_RANGE[Unit(self.unit)]

    def unit_label(self, lang: str = "en") -> str:
        zh, en = UNIT_LABELS[Unit(self.unit)]
        return zh if lang.startswith("zh") else en

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "unit": str(self.unit),
            "direction": str(self.direction),
            "target": self.target,
            "floor": self.floor,
            "zero_at": self.zero_at,
            "limit": self.limit,
            "weight": self.weight,
            "period": str(self.period),
            "objects": [str(o) for o in self.objects],
            "core": self.core,
        }


# --- validation ---------------------------------------------------------------------------------


def _real(value, field_name: str, en: str, zh: str) -> float:
    """A finite real number as float; bools, strings and NaN/inf are refused."""
    if isinstance(value, bool) or not isinstance(value, Real | Decimal):
        raise PerformanceInputError(field_name, f"The {en} must be a number.", f"{zh}必须是数值。")
    number = float(value)
    if not math.isfinite(number):
        raise PerformanceInputError(
            field_name, f"The {en} must be a finite number.", f"{zh}必须是有限数值。"
        )
    return number


def _enum(enum, value, field_name: str, en: str, zh: str):
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise PerformanceInputError(
            field_name,
            f"The {en} {value!r} is not one of {allowed}.",
            f"{zh} {value!r} 不在 {allowed} 之中。",
        ) from None


def validate_kpi(kpi: Kpi, prefix: str = "kpi") -> Kpi:
    """The KPI with its numbers as floats and its words as enums; a KPI that cannot be scored
    raises PerformanceInputError naming ``<prefix>.<field>``."""
    f = f"{prefix}."
    if not isinstance(kpi.code, str) or not _CODE.match(kpi.code):
        raise PerformanceInputError(
            f + "code",
            "The code must be lower-case letters, digits and _ (at most 64), starting with a "
            "letter.",
            "编码须为小写字母、数字和下划线（不超过 64 个），以字母开头。",
        )
    for name, en, zh in (
        ("name_zh", "Chinese name", "中文名称"),
        ("name_en", "English name", "英文名称"),
    ):
        if not isinstance(getattr(kpi, name), str) or not getattr(kpi, name).strip():
            raise PerformanceInputError(f + name, f"The {en} is empty.", f"{zh}为空。")
    unit = _enum(Unit, kpi.unit, f + "unit", "unit", "单位")
    direction = _enum(Direction, kpi.direction, f + "direction", "direction", "方向")
    period = _enum(PeriodKind, kpi.period, f + "period", "measurement period", "考核周期")
    objects = tuple(
        _enum(OperationObject, o, f + "objects", "operation object", "运营对象")
        for o in kpi.objects
    )
    lo, hi = PLAUSIBLE_RANGE[unit]
    numbers = {}
    for name, en, zh in (("target", "target", "目标值"), ("floor", "floor", "底线值")):
        value = _real(getattr(kpi, name), f + name, en, zh)
        if abs(value) > MAX_MAGNITUDE:
            raise PerformanceInputError(
                f + name,
                f"The {en} is beyond 10^12; check the unit.",
                f"{zh}超过 10^12，请检查单位。",
            )
        if not lo <= value <= hi:
            raise PerformanceInputError(
                f + name,
                f"The {en} {value:g} is outside the possible range of the unit ({lo:g} to {hi:g}).",
                f"{zh} {value:g} 超出该单位的可能范围（{lo:g} 至 {hi:g}）。",
            )
        numbers[name] = value
    target, floor = numbers["target"], numbers["floor"]
    if direction is Direction.HIGHER and not target > floor:
        raise PerformanceInputError(
            f + "target",
            "Higher is better: the target must be above the floor.",
            "数值越高越好：目标值必须高于底线值。",
        )
    if direction is Direction.LOWER and not target < floor:
        raise PerformanceInputError(
            f + "target",
            "Lower is better: the target must be below the floor.",
            "数值越低越好：目标值必须低于底线值。",
        )
    zero_at = kpi.zero_at
    if zero_at is not None:
        zero_at = _real(zero_at, f + "zero_at", "zero-score value", "零分值")
        if abs(zero_at) > MAX_MAGNITUDE:
            raise PerformanceInputError(
                f + "zero_at", "The zero-score value is beyond 10^12.", "零分值超过 10^12。"
            )
        worse = zero_at < floor if direction is Direction.HIGHER else zero_at > floor
        if not worse:
            raise PerformanceInputError(
                f + "zero_at",
                "The zero-score value must be worse than the floor (beyond it, away from the "
                "target).",
                "零分值必须比底线值更差（位于底线值之外，远离目标值一侧）。",
            )
    weight = _real(kpi.weight, f + "weight", "weight", "权重")
    if not 0 < weight <= 1:
        raise PerformanceInputError(
            f + "weight", "The weight must be above 0 and at most 1.", "权重须大于 0 且不超过 1。"
        )
    return replace(
        kpi,
        unit=unit,
        direction=direction,
        period=period,
        objects=objects,
        target=target,
        floor=floor,
        zero_at=zero_at,
        weight=weight,
    )


@dataclass(frozen=True)
class KpiSet:
    """A contract's validated KPIs: codes unique, weights > 0 summing to 1 ± 1e-9.

    Building one validates it (PerformanceInputError names ``kpis[i].<field>`` or ``kpis``);
    the engines take a KpiSet, so a set is validated once, not per period.
    """

    kpis: tuple[Kpi, ...] = field(default=())

    def __post_init__(self):
        items = tuple(self.kpis)
        if not items:
            raise PerformanceInputError("kpis", "The KPI set is empty.", "考核指标集为空。")
        checked = []
        seen: set[str] = set()
        for i, kpi in enumerate(items):
            if not isinstance(kpi, Kpi):
                raise PerformanceInputError(f"kpis[{i}]", "Not a KPI.", "不是考核指标。")
            kpi = validate_kpi(kpi, f"kpis[{i}]")
            if kpi.code in seen:
                raise PerformanceInputError(
                    f"kpis[{i}].code",
                    f"The code {kpi.code} appears twice.",
                    f"指标编码 {kpi.code} 重复。",
                )
            seen.add(kpi.code)
            checked.append(kpi)
        total = math.fsum(k.weight for k in checked)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            raise PerformanceInputError(
                "kpis",
                f"The weights add up to {total:.6g}, not 1.",
                f"各指标权重之和为 {total:.6g}，应为 1。",
            )
        object.__setattr__(self, "kpis", tuple(checked))

    def __iter__(self) -> Iterator[Kpi]:
        return iter(self.kpis)

    def __len__(self) -> int:
        return len(self.kpis)

    def __getitem__(self, i: int) -> Kpi:
        return self.kpis[i]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(k.code for k in self.kpis)

    def get(self, code: str) -> Kpi:
        for k in self.kpis:
            if k.code == code:
                return k
        raise KeyError(code)

    def to_dict(self) -> list[dict]:
        return [k.to_dict() for k in self.kpis]


def kpi_set(kpis: KpiSet | Iterable[Kpi]) -> KpiSet:
    """``kpis`` as a validated KpiSet (a KpiSet is returned as it is)."""
    return kpis if isinstance(kpis, KpiSet) else KpiSet(tuple(kpis))


# --- the catalogue ------------------------------------------------------------------------------

_ALL: tuple[OperationObject, ...] = ()
_INF, _DATA, _SYS, _PORTAL, _SEC = (
    OperationObject.INFRASTRUCTURE,
    OperationObject.DATA,
    OperationObject.SYSTEM,
    OperationObject.PORTAL,
    OperationObject.SECURITY,
)
H, L = Direction.HIGHER, Direction.LOWER
M, Q = PeriodKind.MONTH, PeriodKind.QUARTER


def _t(code, zh, en, unit, direction, target, floor, weight, objects=_ALL, *, period=M,
       zero_at=None, core=False, how=("", "")) -> Kpi:  # fmt: skip
    zero = None if zero_at is None else float(zero_at)
    return Kpi(code, zh, en, unit, direction, float(target), float(floor), weight, period, zero,
               objects, core, how[0], how[1])  # fmt: skip


CORE_SIX: tuple[Kpi, ...] = (
    _t("citizen_satisfaction", "市民满意度", "Citizen satisfaction", Unit.PERCENT, H, 90, 80, 0.20,
       core=True, how=("回访或评价中“满意”“基本满意”的占比",
                       "share of call-backs or ratings that are satisfied")),
    _t("availability", "系统可用率（稳定性）", "System availability (stability)", Unit.PERCENT, H,
       99.9, 99.5, 0.20, core=True,
       how=("当月可用时长 ÷ 应服务时长，扣除计划内维护",
            "available time ÷ scheduled service time, planned maintenance excluded")),
    _t("incident_response_minutes", "故障响应时间", "Incident response time", Unit.MINUTES, L,
       30, 60, 0.15, core=True,
       how=("报障到服务商首次响应的平均分钟数",
            "mean minutes from report to the supplier's first response")),
    _t("incident_resolution_hours", "故障解决时间", "Incident resolution time", Unit.HOURS, L,
       8, 24, 0.15, core=True,
       how=("报障到恢复服务的平均小时数", "mean hours from report to restored service")),
    _t("data_quality", "数据质量合格率", "Data quality (records passing)", Unit.PERCENT, H, 98, 95,
       0.15, core=True,
       how=("通过质量规则校验的记录占比", "share of records that pass the quality rules")),
    _t("security_incidents", "安全事件数", "Security incidents", Unit.COUNT, L, 0, 1, 0.15,
       zero_at=3, core=True,
       how=("当期发生的一般及以上网络安全事件数",
            "security incidents of grade 'general' or above in the period")),
)  # fmt: skip

OBJECT_TEMPLATES: tuple[Kpi, ...] = (
    _t("backup_success_rate", "备份成功率", "Backup success rate", Unit.PERCENT, H, 99.9, 99, 0.10,
       (_INF,)),
    _t("packet_loss", "网络丢包率", "Network packet loss", Unit.PERCENT, L, 0.1, 1, 0.10, (_INF,),
       zero_at=2),
    _t("iot_online_rate", "物联感知设备在线率", "IoT sensors online", Unit.PERCENT, H, 98, 90, 0.10,
       (_INF,)),
    _t("sharing_fulfilment_days", "数据共享需求响应时间", "Data-sharing request fulfilment",
       Unit.DAYS, L, 3, 7, 0.10, (_DATA,)),
    _t("catalogue_coverage", "数据目录覆盖率", "Data catalogue coverage", Unit.PERCENT, H, 95, 80,
       0.10, (_DATA,)),
    _t("open_data_timeliness", "开放数据按时更新率", "Open datasets updated on time", Unit.PERCENT,
       H, 95, 85, 0.10, (_DATA,)),
    _t("change_success_rate", "变更成功率", "Change success rate", Unit.PERCENT, H, 98, 90, 0.10,
       (_SYS,)),
    _t("portal_monthly_active_users", "门户月活跃用户数", "Portal monthly active users",
       Unit.USERS, H, 500_000, 300_000, 0.10, (_PORTAL,)),
    _t("online_completion_rate", "全程网办率", "Services completed fully online", Unit.PERCENT, H,
       90, 70, 0.10, (_PORTAL,)),
    _t("page_response_seconds", "页面响应时间", "Page response time", Unit.SECONDS, L, 2, 5, 0.10,
       (_SYS, _PORTAL)),
    _t("hotline_on_time_rate", "12345 工单按时办结率", "12345 on-time rate", Unit.PERCENT, H, 98,
       90, 0.10, (_SYS, _PORTAL)),
    _t("patch_latency_days", "高危漏洞补丁时长", "Patch latency (high-risk vulnerabilities)",
       Unit.DAYS, L, 7, 15, 0.10, (_SEC,)),
    _t("vulnerability_fix_rate", "漏洞整改率", "Vulnerabilities fixed", Unit.PERCENT, H, 95, 85,
       0.10, (_SEC,)),
    _t("satisfaction_survey", "第三方满意度测评", "Third-party satisfaction survey",
       Unit.PERCENT, H, 85, 75, 0.10, period=Q),
)  # fmt: skip

CATALOGUE: tuple[Kpi, ...] = CORE_SIX + OBJECT_TEMPLATES


def template(code: str) -> Kpi:
    for k in CATALOGUE:
        if k.code == code:
            return k
    raise PerformanceInputError(
        "code", f"No KPI template {code!r}.", f"没有编码为 {code!r} 的指标模板。"
    )


def catalogue_for(operation_object: OperationObject | str) -> tuple[Kpi, ...]:
    """The templates that suit an operation object: the core six, then its own, then the ones
    for every object."""
    obj = _enum(
        OperationObject, operation_object, "operation_object", "operation object", "运营对象"
    )
    own = tuple(k for k in OBJECT_TEMPLATES if obj in k.objects)
    general = tuple(k for k in OBJECT_TEMPLATES if not k.objects)
    return CORE_SIX + own + general


def default_kpi_set() -> KpiSet:
    """The six core indicators (the Nanjing Gulou example), weights 0.20/0.20/0.15 × 4."""
    return KpiSet(CORE_SIX)


def extended_kpi_set(operation_object: OperationObject | str) -> KpiSet:
    """Eight KPIs: the core six at 0.8 of their weights, plus the first two templates specific to
    the operation object at 0.10 each."""
    obj = _enum(
        OperationObject, operation_object, "operation_object", "operation object", "运营对象"
    )
    own = [k for k in OBJECT_TEMPLATES if obj in k.objects][:2]
    core = [replace(k, weight=round(k.weight * 0.8, 12)) for k in CORE_SIX]
    return KpiSet(tuple(core) + tuple(replace(k, weight=0.10) for k in own))
