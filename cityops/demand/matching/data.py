"""The plain records matching reads: a need with its 12 quantified indicators (brief §2,
Shenzhen's dynamic demand evaluation) and a supplier's capability profile (Hangzhou's capability
map). Pure: no Django. The demand app's models map to these field for field.

Amounts are in 万元 as Decimal; dates are ``datetime.date``; regions are GB/T 2260 codes (a need's
6-digit code, a supplier's served prefixes: "33" Zhejiang, "3301" Hangzhou, "" national).

``need_from_dict`` / ``supplier_from_dict`` turn plain data (YAML, JSON, a form) into records and
``validate_need`` / ``validate_supplier`` check records built in code; both raise
``MatchingInputError`` naming the first bad field in English and Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from cityops.portfolio.domain.vocab import OperationObject


class QualificationKind(StrEnum):
    CMMI = "cmmi"  # CMMI maturity level (3 or 5 in practice)
    ISO27001 = "iso27001"  # 信息安全管理体系认证
    ISO20000 = "iso20000"  # IT 服务管理体系认证
    DJCP_SERVICE = "djcp_service"  # 网络安全等级保护测评 / 安全服务资质
    XINCHUANG = "xinchuang"  # 信创适配认证
    ITS = "its"  # ITSS 信息技术服务运行维护标准符合性证书, 一级 (best) .. 四级


QUALIFICATION_NAMES: dict[str, tuple[str, str]] = {  # kind -> (zh, en)
    "cmmi": ("CMMI 成熟度认证", "CMMI maturity rating"),
    "iso27001": ("ISO/IEC 27001 信息安全管理体系认证", "ISO/IEC 27001 certification"),
    "iso20000": ("ISO/IEC 20000 IT 服务管理体系认证", "ISO/IEC 20000 certification"),
    "djcp_service": ("网络安全等级保护测评/安全服务资质", "MLPS (等保) assessment qualification"),
    "xinchuang": ("信创适配认证", "domestic-technology (信创) certification"),
    "its": ("ITSS 运行维护服务资质", "ITSS IT operations qualification"),
}


class MatchingInputError(ValueError):
    """A need or supplier record that cannot be used; ``field`` names it, ``en``/``zh`` explain."""

    def __init__(self, field: str, en: str, zh: str):
        super().__init__(f"{field}: {en}")
        self.field = field
        self.en = en
        self.zh = zh

    @property
    def message_en(self) -> str:
        return self.en

    @property
    def message_zh(self) -> str:
        return self.zh


@dataclass(frozen=True)
class Qualification:
    kind: str  # a QualificationKind value
    level: int | None = None  # CMMI 1..5, ITSS 1..4; None for kinds without levels
    expires_on: dt.date | None = None  # None: no expiry recorded (treated as valid)

    def valid_on(self, day: dt.date) -> bool:
        """Valid through its expiry date inclusive: expired the day after."""
        return self.expires_on is None or self.expires_on >= day


@dataclass(frozen=True)
class NeedText:
    id: str
    department: str  # the filing department's organisation key, e.g. "health"
    title: str
    description: str = ""
    tags: tuple[str, ...] = ()
    category: str = OperationObject.SYSTEM.value  # an OperationObject value
    region_code: str = "330100"  # GB/T 2260, 6 digits
    filed_on: dt.date = dt.date(2025, 1, 1)
    # the 12 quantified indicators (深圳 dynamic demand evaluation)
    technical_standard: str = ""  # standards, "；"-separated, e.g. "GB/T 22239-2019；GB/T 35273-2020"
    implementation_days: int = 0
    budget_wan: Decimal = Decimal(0)
    availability_pct: Decimal = Decimal(0)  # service level, e.g. 99.9
    response_minutes: int = 0
    data_interfaces: int = 0  # number of data interfaces to provide
    security_level: int = 2  # 等保 level 1..4
    user_scale: int = 0  # users served
    integration_points: int = 0  # systems to integrate with
    xinchuang_required: bool = False  # 信创
    acceptance_criteria: str = ""
    operations_months: int = 0


@dataclass(frozen=True)
class SupplierCapability:
    id: str  # organisation key, e.g. "supplier-001"
    name: str
    capabilities: str = ""  # free text (Chinese)
    tags: tuple[str, ...] = ()
    qualifications: tuple[Qualification, ...] = ()
    regions_served: tuple[str, ...] = ("",)  # GB/T 2260 prefixes; "" = national
    capacity_wan: Decimal = Decimal(0)  # annual delivery capacity
    load_wan: Decimal = Decimal(0)  # currently contracted
    references: tuple[str, ...] = ()  # past contract titles

    @property
    def free_capacity_wan(self) -> Decimal:
        return self.capacity_wan - self.load_wan


# --- validation -------------------------------------------------------------------------------

_REGION = re.compile(r"^\d{6}$")
_PREFIX = re.compile(r"^(\d{2}|\d{4}|\d{6})?$")
_CATEGORIES = frozenset(o.value for o in OperationObject)
_KINDS = frozenset(k.value for k in QualificationKind)
_LEVELS = {"cmmi": (1, 5), "its": (1, 4)}

# need field -> (en, zh, minimum, maximum) for the integer indicators
_NEED_INTS = {
    "implementation_days": ("implementation period (days)", "实施周期（天）", 0, 3650),
    "response_minutes": ("response time (minutes)", "响应时间（分钟）", 0, 100_000),
    "data_interfaces": ("number of data interfaces", "数据接口数", 0, 100_000),
    "security_level": ("security protection level (等保)", "等保级别", 1, 4),
    "user_scale": ("user scale", "用户规模", 0, 2_000_000_000),
    "integration_points": ("integration points", "集成系统数", 0, 100_000),
    "operations_months": ("operations period (months)", "运维期（月）", 0, 600),
}


def _text(value: Any, name: str, en: str, zh: str, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise MatchingInputError(name, f"The {en} must be text.", f"{zh}必须是文本。")
    if required and not value.strip():
        raise MatchingInputError(name, f"The {en} is empty.", f"{zh}不能为空。")
    return value


def _int(value: Any, name: str, en: str, zh: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MatchingInputError(name, f"The {en} must be a whole number.", f"{zh}必须是整数。")
    if not lo <= value <= hi:
        raise MatchingInputError(
            name, f"The {en} must be between {lo} and {hi}.", f"{zh}必须在 {lo} 到 {hi} 之间。"
        )
    return value


def _decimal(value: Any, name: str, en: str, zh: str, hi: Decimal) -> Decimal:
    if isinstance(value, bool):
        raise MatchingInputError(name, f"The {en} must be a number.", f"{zh}必须是数值。")
    try:
        # floats via their shortest repr, so 99.9 stays 99.9 and not 99.900000000000005684…
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise MatchingInputError(name, f"The {en} must be a number.", f"{zh}必须是数值。") from None
    if not number.is_finite() or number < 0:
        raise MatchingInputError(
            name, f"The {en} must be a finite number ≥ 0.", f"{zh}必须是不小于 0 的有限数值。"
        )
    if number > hi:
        raise MatchingInputError(name, f"The {en} must be at most {hi}.", f"{zh}不能超过 {hi}。")
    return number


def _date(value: Any, name: str, en: str, zh: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise MatchingInputError(
        name, f"The {en} must be a date (YYYY-MM-DD).", f"{zh}必须是日期（YYYY-MM-DD）。"
    )


def _tags(value: Any, name: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise MatchingInputError(name, "The tags must be a list of text.", "标签必须是文本列表。")
    for tag in value:
        _text(tag, name, "tag", "标签", required=True)
    return tuple(value)


def validate_need(need: NeedText) -> NeedText:
    """Return the need unchanged, or raise MatchingInputError naming its first bad field."""
    _text(need.id, "id", "need id", "需求编号", required=True)
    _text(need.department, "department", "department", "需求部门", required=True)
    _text(need.title, "title", "title", "需求名称", required=True)
    _text(need.description, "description", "description", "需求描述")
    _tags(need.tags, "tags")
    if need.category not in _CATEGORIES:
        raise MatchingInputError(
            "category",
            f"The category must be one of {', '.join(sorted(_CATEGORIES))}.",
            f"运营对象必须是以下之一：{'、'.join(sorted(_CATEGORIES))}。",
        )
    if not isinstance(need.region_code, str) or not _REGION.match(need.region_code):
        raise MatchingInputError(
            "region_code",
            "The region code must be a 6-digit GB/T 2260 code.",
            "行政区划代码必须是 6 位 GB/T 2260 代码。",
        )
    _date(need.filed_on, "filed_on", "filing date", "提出日期")
    _text(need.technical_standard, "technical_standard", "technical standard", "技术标准")
    _text(need.acceptance_criteria, "acceptance_criteria", "acceptance criteria", "验收标准")
    for name, (en, zh, lo, hi) in _NEED_INTS.items():
        _int(getattr(need, name), name, en, zh, lo, hi)
    _decimal(need.budget_wan, "budget_wan", "budget (万元)", "预算（万元）", Decimal(10**9))
    _decimal(
        need.availability_pct, "availability_pct", "availability (%)", "可用性（%）", Decimal(100)
    )
    if not isinstance(need.xinchuang_required, bool):
        raise MatchingInputError(
            "xinchuang_required",
            "The domestic-technology requirement must be true or false.",
            "信创要求必须是“是”或“否”。",
        )
    return need


def validate_supplier(supplier: SupplierCapability) -> SupplierCapability:
    """Return the supplier unchanged, or raise MatchingInputError naming its first bad field."""
    _text(supplier.id, "id", "supplier id", "服务商编号", required=True)
    _text(supplier.name, "name", "supplier name", "服务商名称", required=True)
    _text(supplier.capabilities, "capabilities", "capabilities", "能力描述")
    _tags(supplier.tags, "tags")
    for i, q in enumerate(supplier.qualifications):
        where = f"qualifications[{i}]"
        if not isinstance(q, Qualification) or q.kind not in _KINDS:
            raise MatchingInputError(
                f"{where}.kind",
                f"The qualification kind must be one of {', '.join(sorted(_KINDS))}.",
                f"资质类型必须是以下之一：{'、'.join(sorted(_KINDS))}。",
            )
        if q.kind in _LEVELS:
            lo, hi = _LEVELS[q.kind]
            _int(q.level, f"{where}.level", f"{q.kind} level", f"{q.kind} 等级", lo, hi)
        if q.expires_on is not None:
            _date(q.expires_on, f"{where}.expires_on", "expiry date", "有效期")
    if isinstance(supplier.regions_served, str) or not supplier.regions_served:
        raise MatchingInputError(
            "regions_served",
            'The regions served must be a non-empty list of GB/T 2260 prefixes ("" = national).',
            "服务区域必须是非空的 GB/T 2260 代码前缀列表（空字符串表示全国）。",
        )
    for prefix in supplier.regions_served:
        if not isinstance(prefix, str) or not _PREFIX.match(prefix):
            raise MatchingInputError(
                "regions_served",
                f"{prefix!r} is not a 2-, 4- or 6-digit GB/T 2260 prefix.",
                f"{prefix!r} 不是 2、4 或 6 位的 GB/T 2260 代码前缀。",
            )
    cap = _decimal(supplier.capacity_wan, "capacity_wan", "capacity (万元)", "年服务能力（万元）",
                   Decimal(10**9))  # fmt: skip
    load = _decimal(supplier.load_wan, "load_wan", "current load (万元)", "在手合同额（万元）",
                    Decimal(10**9))  # fmt: skip
    del cap, load  # a load above capacity is allowed: the capacity check then fails
    for ref in supplier.references:
        _text(ref, "references", "reference", "业绩", required=True)
    return supplier


# --- from plain data --------------------------------------------------------------------------

_NEED_FIELDS = {f.name for f in fields(NeedText)}
_SUPPLIER_FIELDS = {f.name for f in fields(SupplierCapability)}


def _unknown(data: Mapping[str, Any], known: set[str], what_en: str, what_zh: str) -> None:
    extra = sorted(set(data) - known)
    if extra:
        raise MatchingInputError(
            extra[0], f"Unknown {what_en} field {extra[0]!r}.", f"未知的{what_zh}字段 {extra[0]!r}。"
        )


def need_from_dict(data: Mapping[str, Any]) -> NeedText:
    """A validated NeedText from plain data (str dates and numbers are converted)."""
    _unknown(data, _NEED_FIELDS, "need", "需求")
    values = dict(data)
    for name in ("id", "title", "department"):
        if name not in values:
            raise MatchingInputError(name, f"The {name} is missing.", f"缺少字段 {name}。")
    values["id"] = str(values["id"])
    if "tags" in values:
        values["tags"] = _tags(values["tags"], "tags")
    if "filed_on" in values:
        values["filed_on"] = _date(values["filed_on"], "filed_on", "filing date", "提出日期")
    if "budget_wan" in values:
        values["budget_wan"] = _decimal(
            values["budget_wan"], "budget_wan", "budget (万元)", "预算（万元）", Decimal(10**9)
        )
    if "availability_pct" in values:
        values["availability_pct"] = _decimal(
            values["availability_pct"], "availability_pct", "availability (%)", "可用性（%）",
            Decimal(100),
        )  # fmt: skip
    if "region_code" in values:
        values["region_code"] = str(values["region_code"])
    return validate_need(NeedText(**values))


def qualification_from_dict(data: Mapping[str, Any], where: str = "qualification") -> Qualification:
    extra = sorted(set(data) - {"kind", "level", "expires_on"})
    if extra:
        raise MatchingInputError(
            f"{where}.{extra[0]}", "Unknown qualification field.", "未知的资质字段。"
        )
    expires = data.get("expires_on")
    if expires is not None:
        expires = _date(expires, f"{where}.expires_on", "expiry date", "有效期")
    return Qualification(kind=data.get("kind", ""), level=data.get("level"), expires_on=expires)


def supplier_from_dict(data: Mapping[str, Any]) -> SupplierCapability:
    """A validated SupplierCapability from plain data."""
    _unknown(data, _SUPPLIER_FIELDS, "supplier", "服务商")
    values = dict(data)
    for name in ("id", "name"):
        if name not in values:
            raise MatchingInputError(name, f"The {name} is missing.", f"缺少字段 {name}。")
    if "tags" in values:
        values["tags"] = _tags(values["tags"], "tags")
    values["qualifications"] = tuple(
        qualification_from_dict(q, f"qualifications[{i}]")
        for i, q in enumerate(values.get("qualifications", ()))
    )
    if "regions_served" in values:
        regions = values["regions_served"]
        values["regions_served"] = regions if isinstance(regions, str) else tuple(
            str(r) for r in regions
        )
    if "references" in values:
        values["references"] = tuple(values["references"])
    for name, en, zh in (
        ("capacity_wan", "capacity (万元)", "年服务能力（万元）"),
        ("load_wan", "current load (万元)", "在手合同额（万元）"),
    ):
        if name in values:
            values[name] = _decimal(values[name], name, en, zh, Decimal(10**9))
    return validate_supplier(SupplierCapability(**values))
