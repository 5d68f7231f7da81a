"""Which procurement method a purchase may use: pure Python, no Django.

``check_method(facts)`` returns the findings against the chosen method (empty: lawful);
``allowed_methods(facts)`` lists the methods the facts permit, each with its reason.

The rules (《中华人民共和国政府采购法》 as amended 2014-08-31, its 实施条例 of 2015-03-01, and
the Ministry of Finance measures named below):

- **Thresholds are configuration** (``ProcurementThresholds``, loadable from YAML so a city sets
  its local figures), versioned by effective date. Defaults: 国办发〔2019〕55号 (central level,
  2020 catalogue, from 2020-01-01): goods and services ≥ 100万 and works ≥ 120万 fall under the
  procurement rules (below that, and outside the centralised-procurement catalogue, the buyer may
  purchase by itself); goods and services ≥ 200万 must be publicly tendered; works ≥ 400万
  (《必须招标的工程项目规定》, 国家发展改革委令第16号 art. 5). "≥" is inclusive: exactly 100万
  falls under the rules, exactly 200万 needs a public tender.
- **Above the public-tender threshold** any other method needs the financial department's
  approval before the purchase starts (政府采购法 art. 27; condition code ``finance_approval``)
  besides its own conditions. Framework agreements are exempt: their first stage is itself an
  open solicitation (财政部令第110号).
- **Each method's conditions** are stated as condition codes (``JUSTIFICATIONS``): invited tender
  art. 29, competitive negotiation art. 30, competitive consultation 财库〔2014〕214号 art. 3,
  single source art. 31, request for quotation art. 32 (goods only), framework agreement
  财政部令第110号 art. 3 (in force from 2022-03-01). Below the procurement threshold (and outside
  the catalogue) the law's method rules do not bind (art. 2): every method is allowed.
- **Single-source follow-on** (art. 31(3)): all follow-on purchases from the original supplier,
  this one included, may total at most 10% of the original contract amount: exactly 10% is
  allowed, 10.01% is refused. A stated follow-on is held to the cap at any amount, below the
  threshold too (the same 10% caps supplementary contracts, art. 49).
- **Split detection** (化整为零, art. 28; 实施条例 art. 28): in one budget year, purchases of the
  same or a similar object by the same buyer, made by methods other than public tender, each
  below the public-tender threshold, whose total (this purchase included) is *above* (超过) that
  threshold are a split to avoid public tender: blocked, unless the budget was adjusted
  (``budget_adjusted``) or the financial department approved another method
  (``finance_approval``), the two exceptions of 实施条例 art. 28. "Similar" is decided by, in
  order: the government-procurement catalogue codes (政府采购品目分类目录, scheme ``CN-GPC``,
  e.g. ``C16`` IT services) sharing their first ``split_code_prefix`` characters (3: the
  category, "同一品目或者类别"); when either code is missing, tags overlapping by Jaccard ≥ 0.5;
  else the subjects' character bigrams overlapping by Dice ≥ 0.6. Two codes that differ decide
  "not similar" whatever the words say.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from . import ProcurementInputError

# ---------------------------------------------------------------------------------------------
# Vocabulary


class Category(StrEnum):
    GOODS = "goods"  # 货物
    SERVICES = "services"  # 服务
    WORKS = "works"  # 工程


class Method(StrEnum):
    PUBLIC_TENDER = "public_tender"  # 公开招标
    INVITED_TENDER = "invited_tender"  # 邀请招标
    COMPETITIVE_NEGOTIATION = "competitive_negotiation"  # 竞争性谈判
    COMPETITIVE_CONSULTATION = "competitive_consultation"  # 竞争性磋商
    SINGLE_SOURCE = "single_source"  # 单一来源采购
    REQUEST_FOR_QUOTATION = "request_for_quotation"  # 询价
    FRAMEWORK_AGREEMENT = "framework_agreement"  # 框架协议采购
    SELF_PURCHASE = "self_purchase"  # 限额标准以下自行采购


class Severity(StrEnum):
    BLOCK = "block"  # the purchase may not go ahead as planned
    WARN = "warn"  # it may, but something must be done or looked at


CATEGORY_NAMES = {
    Category.GOODS: ("货物", "goods"),
    Category.SERVICES: ("服务", "services"),
    Category.WORKS: ("工程", "works"),
}

METHOD_NAMES = {
    Method.PUBLIC_TENDER: ("公开招标", "public tender"),
    Method.INVITED_TENDER: ("邀请招标", "invited tender"),
    Method.COMPETITIVE_NEGOTIATION: ("竞争性谈判", "competitive negotiation"),
    Method.COMPETITIVE_CONSULTATION: ("竞争性磋商", "competitive consultation"),
    Method.SINGLE_SOURCE: ("单一来源采购", "single source"),
    Method.REQUEST_FOR_QUOTATION: ("询价", "request for quotation"),
    Method.FRAMEWORK_AGREEMENT: ("框架协议采购", "framework agreement"),
    Method.SELF_PURCHASE: ("限额标准以下自行采购", "self-purchase below the threshold"),
}


@dataclass(frozen=True)
class Citation:
    """A law and article, with the date the cited text took effect."""

    source: str
    article: str
    effective_from: dt.date

    def __str__(self) -> str:
        return f"{self.source} {self.article}（{self.effective_from.isoformat()} 起施行）"


LAW = "《中华人民共和国政府采购法》"
LAW_FROM = dt.date(2014, 8, 31)  # the 2014 amendment, the text in force
REGULATION = "《中华人民共和国政府采购法实施条例》"
REGULATION_FROM = dt.date(2015, 3, 1)

ART_26 = Citation(LAW, "第二十六条 / art. 26", LAW_FROM)
ART_27 = Citation(LAW, "第二十七条 / art. 27", LAW_FROM)
ART_28 = Citation(LAW, "第二十八条 / art. 28", LAW_FROM)
ART_29 = Citation(LAW, "第二十九条 / art. 29", LAW_FROM)
ART_30 = Citation(LAW, "第三十条 / art. 30", LAW_FROM)
ART_31 = Citation(LAW, "第三十一条 / art. 31", LAW_FROM)
ART_31_3 = Citation(LAW, "第三十一条第（三）项 / art. 31(3)", LAW_FROM)
ART_32 = Citation(LAW, "第三十二条 / art. 32", LAW_FROM)
REG_ART_28 = Citation(REGULATION, "第二十八条 / art. 28", REGULATION_FROM)
REG_ART_38 = Citation(REGULATION, "第三十八条 / art. 38", REGULATION_FROM)
CONSULTATION = Citation(
    "《政府采购竞争性磋商采购方式管理暂行办法》(财库〔2014〕214号)",
    "第三条 / art. 3",
    dt.date(2014, 12, 31),
)
FRAMEWORK = Citation(
    "《政府采购框架协议采购方式管理暂行办法》(财政部令第110号)",
    "第三条 / art. 3",
    dt.date(2022, 3, 1),
)
THRESHOLDS_2020 = "国办发〔2019〕55号"


def thresholds_citation(t: ProcurementThresholds) -> Citation:
    return Citation(t.source, t.article, t.effective_from)


@dataclass(frozen=True)
class Finding:
    """One reason a purchase may not go ahead (``block``) or needs attention (``warn``)."""

    code: str
    severity: Severity
    citation: Citation
    message_zh: str
    message_en: str
    numbers: Mapping[str, Decimal] = field(default_factory=dict)  # the figures involved, 万元

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCK


# ---------------------------------------------------------------------------------------------
# Thresholds (configuration)


@dataclass(frozen=True)
class ProcurementThresholds:
    """The figures of one version of the rules, in 万元, in force ``effective_from`` ..
    ``effective_to`` (both inclusive; None = still in force)."""

    effective_from: dt.date = dt.date(2020, 1, 1)
    effective_to: dt.date | None = None
    source: str = f"《中央预算单位政府集中采购目录及标准（2020年版）》({THRESHOLDS_2020})"
    article: str = "第二、三部分 / parts 2–3"
    # 分散采购限额标准: at or above, the purchase falls under the procurement rules
    goods_services_procurement_wan: Decimal = Decimal(100)
    works_procurement_wan: Decimal = Decimal(120)
    # 公开招标数额标准: at or above, a public tender is required
    goods_services_public_tender_wan: Decimal = Decimal(200)
    works_public_tender_wan: Decimal = Decimal(400)  # 国家发展改革委令第16号 art. 5
    # 政府采购法 art. 31(3): follow-ons total at most this share of the original contract
    follow_on_cap_share: Decimal = Decimal("0.10")
    # split detection: catalogue codes alike in this many leading characters ("C16")
    split_code_prefix: int = 3

    def procurement_threshold(self, category: Category) -> Decimal:
        if category is Category.WORKS:
            return self.works_procurement_wan
        return self.goods_services_procurement_wan

    def public_tender_threshold(self, category: Category) -> Decimal:
        if category is Category.WORKS:
            return self.works_public_tender_wan
        return self.goods_services_public_tender_wan

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "thresholds") -> ProcurementThresholds:
        """One version from a dict (as read from YAML); missing keys take the 55号 defaults."""
        if not isinstance(data, Mapping):
            raise ProcurementInputError(
                where, "Each thresholds entry must be a mapping.", "每组限额标准必须是键值映射。"
            )
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = f"{where}.{key}"
            if key not in known:
                raise ProcurementInputError(
                    name, f"Unknown threshold setting {key!r}.", f"未知的限额标准配置项“{key}”。"
                )
            if key in ("effective_from", "effective_to"):
                values[key] = _date(value, name, allow_none=key == "effective_to")
            elif key in ("source", "article"):
                if not isinstance(value, str) or not value.strip():
                    raise ProcurementInputError(name, "Must be non-empty text.", "必须是非空文本。")
                values[key] = value
            elif key == "split_code_prefix":
                if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                    raise ProcurementInputError(
                        name, "Must be a whole number of at least 1.", "必须是不小于 1 的整数。"
                    )
                values[key] = value
            else:
                values[key] = _amount(value, name, "threshold", "限额", allow_float=True)
        t = cls(**values)
        for category in (Category.GOODS, Category.WORKS):
            if t.public_tender_threshold(category) < t.procurement_threshold(category):
                zh, en = CATEGORY_NAMES[category]
                raise ProcurementInputError(
                    where,
                    f"The public-tender threshold for {en} is below its procurement threshold.",
                    f"{zh}的公开招标数额标准低于分散采购限额标准。",
                )
        if not Decimal(0) < t.follow_on_cap_share <= 1:
            raise ProcurementInputError(
                f"{where}.follow_on_cap_share",
                "Must be a share between 0 and 1.",
                "必须是 0 到 1 之间的比例。",
            )
        if t.effective_to is not None and t.effective_to < t.effective_from:
            raise ProcurementInputError(
                f"{where}.effective_to",
                "Ends before it starts.",
                "失效日期早于生效日期。",
            )
        return t


DEFAULT_THRESHOLDS = (ProcurementThresholds(),)


def load_thresholds(
    source: str | Path | Mapping[str, Any] | Iterable[Mapping[str, Any]],
) -> tuple[ProcurementThresholds, ...]:
    """Threshold versions from a YAML file path, YAML text, a dict ``{"thresholds": [...]}``, a
    single version's dict, or a list of them. Sorted by date; windows may not overlap."""
    import yaml

    data: Any = source
    if isinstance(source, Path) or (isinstance(source, str) and "\n" not in source
                                    and source.endswith((".yaml", ".yml"))):
        try:
            data = yaml.safe_load(Path(source).read_text(encoding="utf-8"))
        except OSError as e:
            raise ProcurementInputError(
                "thresholds", f"Cannot read {source}: {e.strerror}.", f"无法读取 {source}。"
            ) from e
    elif isinstance(source, str):
        data = yaml.safe_load(source)
    if isinstance(data, Mapping) and "thresholds" in data:
        data = data["thresholds"]
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list | tuple) or not data:
        raise ProcurementInputError(
            "thresholds", "No threshold versions given.", "未提供任何限额标准。"
        )
    versions = sorted(
        (ProcurementThresholds.from_mapping(d, f"thresholds[{i}]") for i, d in enumerate(data)),
        key=lambda t: t.effective_from,
    )
    for earlier, later in zip(versions, versions[1:], strict=False):
        if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
            raise ProcurementInputError(
                "thresholds",
                f"The versions from {earlier.effective_from} and {later.effective_from} overlap.",
                f"{earlier.effective_from} 与 {later.effective_from} 起施行的两组限额标准有效期重叠。",
            )
    return tuple(versions)


def thresholds_in_force(
    versions: ProcurementThresholds | Iterable[ProcurementThresholds], day: dt.date
) -> ProcurementThresholds:
    """The version in force on ``day``; an error naming the date when there is none."""
    if isinstance(versions, ProcurementThresholds):
        versions = (versions,)
    for t in versions:
        if t.in_force_on(day):
            return t
    raise ProcurementInputError(
        "date",
        f"No procurement thresholds are configured for {day.isoformat()}.",
        f"{day.isoformat()} 没有适用的政府采购限额标准配置。",
    )


# ---------------------------------------------------------------------------------------------
# Condition codes: what the buyer states to justify a method


@dataclass(frozen=True)
class Condition:
    code: str
    methods: frozenset[Method]  # the methods it justifies (empty: general)
    zh: str
    en: str
    citation: Citation


def _cond(code, methods, zh, en, citation) -> tuple[str, Condition]:
    return code, Condition(code, frozenset(methods), zh, en, citation)


_M = Method
JUSTIFICATIONS: Mapping[str, Condition] = dict(
    [
        # 政府采购法 art. 29
        _cond("special_nature_few_suppliers", [_M.INVITED_TENDER],
              "具有特殊性，只能从有限范围的供应商处采购",
              "special nature: only a limited range of suppliers can supply", ART_29),
        _cond("tender_cost_disproportionate", [_M.INVITED_TENDER],
              "采用公开招标方式的费用占政府采购项目总价值的比例过大",
              "the cost of a public tender is disproportionate to the purchase's value", ART_29),
        # art. 30
        _cond("tender_failed", [_M.COMPETITIVE_NEGOTIATION],
              "招标后没有供应商投标或者没有合格标的或者重新招标未能成立",
              "no bid, no qualifying bid, or a failed re-tender", ART_30),
        _cond("technically_complex", [_M.COMPETITIVE_NEGOTIATION, _M.COMPETITIVE_CONSULTATION],
              "技术复杂或者性质特殊，不能确定详细规格或者具体要求",
              "technically complex or special: detailed specifications cannot be set", ART_30),
        _cond("urgent_need", [_M.COMPETITIVE_NEGOTIATION],
              "采用招标所需时间不能满足用户紧急需要",
              "a tender would take too long for an urgent need", ART_30),
        _cond("price_not_calculable", [_M.COMPETITIVE_NEGOTIATION, _M.COMPETITIVE_CONSULTATION],
              "不能事先计算出价格总额",
              "the total price cannot be calculated in advance", ART_30),
        # 财库〔2014〕214号 art. 3
        _cond("purchase_of_services", [_M.COMPETITIVE_CONSULTATION],
              "政府购买服务项目", "a government purchase of services", CONSULTATION),
        _cond("insufficient_competition_research", [_M.COMPETITIVE_CONSULTATION],
              "市场竞争不充分的科研项目，以及需要扶持的科技成果转化项目",
              "research with little competition, or a technology transfer to support",
              CONSULTATION),
        _cond("works_outside_tender_law", [_M.COMPETITIVE_CONSULTATION],
              "按照招标投标法及其实施条例必须进行招标的工程建设项目以外的工程建设项目",
              "works that the Tendering Law does not require to be tendered", CONSULTATION),
        # art. 31
        _cond("only_one_supplier", [_M.SINGLE_SOURCE],
              "只能从唯一供应商处采购", "only one supplier can supply", ART_31),
        _cond("unforeseeable_emergency", [_M.SINGLE_SOURCE],
              "发生了不可预见的紧急情况不能从其他供应商处采购",
              "an unforeseeable emergency rules out other suppliers", ART_31),
        _cond("follow_on", [_M.SINGLE_SOURCE],
              "必须保证原有采购项目一致性或者服务配套的要求，需要继续从原供应商处添购",
              "a follow-on purchase from the original supplier for consistency or service "
              "matching", ART_31_3),
        # art. 32
        _cond("standard_goods_stable_price", [_M.REQUEST_FOR_QUOTATION],
              "采购的货物规格、标准统一、现货货源充足且价格变化幅度小",
              "standard goods in ample supply whose price varies little", ART_32),
        # 财政部令第110号 art. 3
        _cond("small_scattered_catalogue", [_M.FRAMEWORK_AGREEMENT],
              "集中采购目录以内品目及配套耗材、配件等小额零星采购",
              "small, scattered purchases of catalogue items and their supplies", FRAMEWORK),
        _cond("small_scattered_consulting", [_M.FRAMEWORK_AGREEMENT],
              "本部门、本系统所需法律、评估、会计、审计等鉴证咨询服务的小额零星采购",
              "small, scattered legal, valuation, accounting or audit services", FRAMEWORK),
        _cond("service_recipients_choose", [_M.FRAMEWORK_AGREEMENT],
              "为本部门以外的服务对象提供服务、需确定 2 家以上供应商由服务对象自主选择",
              "services for outside recipients who choose among 2 or more suppliers", FRAMEWORK),
        # general
        _cond("finance_approval", [], "采购活动开始前已获设区的市级以上财政部门批准",
              "approved by the financial department before the purchase started", ART_27),
        _cond("budget_adjusted", [], "项目预算调整",
              "the project budget was adjusted", REG_ART_28),
    ]
)

# The conditions each method needs (one of them suffices); public tender and self-purchase
# need none, self-purchase is decided by the thresholds.
METHOD_CONDITIONS: Mapping[Method, tuple[str, ...]] = {
    m: tuple(code for code, c in JUSTIFICATIONS.items() if m in c.methods) for m in Method
}
METHOD_CITATION: Mapping[Method, Citation] = {
    Method.PUBLIC_TENDER: ART_26,
    Method.INVITED_TENDER: ART_29,
    Method.COMPETITIVE_NEGOTIATION: ART_30,
    Method.COMPETITIVE_CONSULTATION: CONSULTATION,
    Method.SINGLE_SOURCE: ART_31,
    Method.REQUEST_FOR_QUOTATION: ART_32,
    Method.FRAMEWORK_AGREEMENT: FRAMEWORK,
}


# ---------------------------------------------------------------------------------------------
# Facts


@dataclass(frozen=True)
class RelatedPurchase:
    """Another purchase by the same buyer (for split detection)."""

    subject: str
    amount_wan: Decimal
    date: dt.date
    category_code: str = ""  # CN-GPC code, e.g. "C16"
    tags: frozenset[str] = frozenset()
    method: Method = Method.SELF_PURCHASE  # how it was bought; public tenders do not count
    budget_year: int | None = None  # default: the year of ``date``
    reference: str = ""  # its code, for messages


@dataclass(frozen=True)
class ProcurementFacts:
    category: Category
    estimated_amount_wan: Decimal
    method: Method
    date: dt.date  # planned start: picks the rules in force
    subject: str = ""
    category_code: str = ""  # CN-GPC code of what is bought
    tags: frozenset[str] = frozenset()
    justifications: frozenset[str] = frozenset()  # condition codes, see JUSTIFICATIONS
    budget_year: int | None = None  # default: the year of ``date``
    in_centralised_catalogue: bool = False  # 集中采购目录以内: never self-purchase
    # single-source follow-on (art. 31(3))
    original_contract_amount_wan: Decimal | None = None
    previous_follow_ons_wan: Decimal = Decimal(0)  # follow-ons already bought on that contract
    # the same buyer's other purchases (any year: only the same budget year counts)
    related_purchases: tuple[RelatedPurchase, ...] = ()


@dataclass(frozen=True)
class AllowedMethod:
    method: Method
    reason_zh: str
    reason_en: str
    citation: Citation
    warnings: tuple[Finding, ...] = ()  # warn-level findings that come with it


# ---------------------------------------------------------------------------------------------
# Validation helpers


def _amount(value, name: str, en: str, zh: str, *, allow_float: bool = False) -> Decimal:
    """A finite Decimal (ints allowed; floats only from configuration files, via str)."""
    if isinstance(value, bool):
        value = None
    if allow_float and isinstance(value, float):
        value = Decimal(str(value))
    if isinstance(value, int):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ProcurementInputError(
            name, f"The {en} must be a decimal number (万元).", f"{zh}必须是十进制数（万元）。"
        )
    if value < 0:
        raise ProcurementInputError(name, f"The {en} is negative.", f"{zh}不能为负数。")
    return value


def _date(value, name: str, *, allow_none: bool = False) -> dt.date | None:
    if value is None and allow_none:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ProcurementInputError(name, "Must be a date (YYYY-MM-DD).", "必须是日期（YYYY-MM-DD）。")


def _enum(enum, value, name: str, en: str, zh: str):
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise ProcurementInputError(
            name, f"Unknown {en} {value!r} (one of: {allowed}).", f"未知的{zh}“{value}”（可选：{allowed}）。"
        ) from None


def validate_facts(facts: ProcurementFacts) -> ProcurementFacts:
    """The facts with enums coerced; ProcurementInputError naming the first unusable field."""
    category = _enum(Category, facts.category, "category", "category", "采购品类")
    method = _enum(Method, facts.method, "method", "procurement method", "采购方式")
    amount = _amount(facts.estimated_amount_wan, "estimated_amount_wan", "estimated amount",
                     "预算金额")
    if amount == 0:
        raise ProcurementInputError(
            "estimated_amount_wan", "The estimated amount must be above zero.", "预算金额必须大于零。"
        )
    day = _date(facts.date, "date")
    for code in facts.justifications:
        if code not in JUSTIFICATIONS:
            raise ProcurementInputError(
                "justifications",
                f"Unknown condition code {code!r}.",
                f"未知的适用情形代码“{code}”。",
            )
    original = facts.original_contract_amount_wan
    if original is not None:
        original = _amount(original, "original_contract_amount_wan", "original contract amount",
                           "原合同金额")
        if original == 0:
            raise ProcurementInputError(
                "original_contract_amount_wan",
                "The original contract amount must be above zero.",
                "原合同金额必须大于零。",
            )
    previous = _amount(facts.previous_follow_ons_wan, "previous_follow_ons_wan",
                       "amount of previous follow-ons", "此前添购金额")
    related = []
    for i, p in enumerate(facts.related_purchases):
        where = f"related_purchases[{i}]"
        amount_i = _amount(p.amount_wan, f"{where}.amount_wan", "amount", "金额")
        related.append(replace(
            p,
            amount_wan=amount_i,
            date=_date(p.date, f"{where}.date"),
            method=_enum(Method, p.method, f"{where}.method", "procurement method", "采购方式"),
        ))
    return replace(
        facts,
        category=category,
        method=method,
        estimated_amount_wan=amount,
        date=day,
        original_contract_amount_wan=original,
        previous_follow_ons_wan=previous,
        related_purchases=tuple(related),
    )


# ---------------------------------------------------------------------------------------------
# Formatting


def _num(value: Decimal | int) -> str:
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _pct(share: Decimal) -> str:
    return f"{_num((Decimal(share) * 100).quantize(Decimal('0.01')))}%"


def _wan(value: Decimal) -> str:
    return f"{_num(value)}万元"


def _conditions_text(method: Method) -> tuple[str, str]:
    codes = METHOD_CONDITIONS[method]
    zh = "；".join(f"{JUSTIFICATIONS[c].zh}（{c}）" for c in codes)
    en = "; ".join(f"{JUSTIFICATIONS[c].en} ({c})" for c in codes)
    return zh, en


# ---------------------------------------------------------------------------------------------
# The checks


def under_procurement_rules(facts: ProcurementFacts, t: ProcurementThresholds) -> bool:
    """At or above the procurement threshold, or in the centralised catalogue."""
    return facts.in_centralised_catalogue or (
        facts.estimated_amount_wan >= t.procurement_threshold(facts.category)
    )


def public_tender_required(facts: ProcurementFacts, t: ProcurementThresholds) -> bool:
    return facts.estimated_amount_wan >= t.public_tender_threshold(facts.category)


def check_method(
    facts: ProcurementFacts,
    thresholds: ProcurementThresholds | Iterable[ProcurementThresholds] = DEFAULT_THRESHOLDS,
) -> list[Finding]:
    """The findings against the chosen method (blocking first); empty when it is lawful."""
    facts = validate_facts(facts)
    t = thresholds_in_force(thresholds, facts.date)
    findings = _method_findings(facts, t) + _split_findings(facts, t)
    return sorted(findings, key=lambda f: f.severity is not Severity.BLOCK)


def allowed_methods(
    facts: ProcurementFacts,
    thresholds: ProcurementThresholds | Iterable[ProcurementThresholds] = DEFAULT_THRESHOLDS,
) -> list[AllowedMethod]:
    """The methods these facts permit (the chosen one ignored), each with why; the rest are
    refused for the reasons ``check_method`` gives with that method."""
    facts = validate_facts(facts)
    t = thresholds_in_force(thresholds, facts.date)
    out = []
    for method in Method:
        trial = replace(facts, method=method)
        findings = _method_findings(trial, t) + _split_findings(trial, t)
        if any(f.blocking for f in findings):
            continue
        zh, en, citation = _reason(trial, t)
        out.append(AllowedMethod(method, zh, en, citation, tuple(findings)))
    return out


def _reason(facts: ProcurementFacts, t: ProcurementThresholds) -> tuple[str, str, Citation]:
    m = facts.method
    amount = facts.estimated_amount_wan
    c_zh, c_en = CATEGORY_NAMES[facts.category]
    if m is Method.PUBLIC_TENDER:
        return (
            "公开招标是政府采购的主要方式，任何金额均可采用。",
            "Public tender is the main method of government procurement, open at any amount.",
            ART_26,
        )
    if not under_procurement_rules(facts, t):
        limit = t.procurement_threshold(facts.category)
        return (
            f"{c_zh}预算 {_wan(amount)}，低于分散采购限额标准 {_wan(limit)}，且不在集中采购目录内，"
            "可自行采购，政府采购方式规定不强制适用。",
            f"The {c_en} budget of {_wan(amount)} is below the procurement threshold of "
            f"{_wan(limit)} and outside the centralised catalogue: the buyer may purchase by "
            "itself; the method rules do not bind.",
            thresholds_citation(t),
        )
    stated = [c for c in METHOD_CONDITIONS[m] if c in facts.justifications]
    zh = "；".join(JUSTIFICATIONS[c].zh for c in stated)
    en = "; ".join(JUSTIFICATIONS[c].en for c in stated)
    approval_zh = approval_en = ""
    if public_tender_required(facts, t) and m is not Method.FRAMEWORK_AGREEMENT:
        approval_zh = "；已获财政部门批准采用公开招标以外的方式"
        approval_en = "; the financial department approved a method other than public tender"
    return (
        f"符合{METHOD_NAMES[m][0]}的适用情形：{zh}{approval_zh}。",
        f"Meets the conditions for {METHOD_NAMES[m][1]}: {en}{approval_en}.",
        METHOD_CITATION[m],
    )


def _method_findings(facts: ProcurementFacts, t: ProcurementThresholds) -> list[Finding]:
    m = facts.method
    amount = facts.estimated_amount_wan
    c_zh, c_en = CATEGORY_NAMES[facts.category]
    m_zh, m_en = METHOD_NAMES[m]
    limit = t.procurement_threshold(facts.category)
    tender_limit = t.public_tender_threshold(facts.category)
    numbers = {"estimated_amount_wan": amount, "procurement_threshold_wan": limit,
               "public_tender_threshold_wan": tender_limit}
    out: list[Finding] = []

    if m is Method.PUBLIC_TENDER:
        return out
    if m is Method.SELF_PURCHASE:
        if facts.in_centralised_catalogue:
            out.append(Finding(
                "threshold.self_purchase_catalogue", Severity.BLOCK, thresholds_citation(t),
                "集中采购目录以内的品目必须委托集中采购机构采购，不得自行采购。",
                "Items in the centralised-procurement catalogue must be bought through the "
                "centralised procurement agency, not by the buyer itself.",
                numbers,
            ))
        elif amount >= limit:
            out.append(Finding(
                "threshold.self_purchase_above", Severity.BLOCK, thresholds_citation(t),
                f"{c_zh}预算 {_wan(amount)}，达到分散采购限额标准 {_wan(limit)}，须按政府采购法"
                "规定的方式采购，不得自行采购。",
                f"The {c_en} budget of {_wan(amount)} reaches the procurement threshold of "
                f"{_wan(limit)}: it must be bought by a method of the Government Procurement "
                "Law, not by self-purchase.",
                numbers,
            ))
        return out
    if not under_procurement_rules(facts, t):
        # Below the threshold the method rules do not bind, but a stated follow-on is still
        # held to its cap (the same 10% caps supplementary contracts at any amount, art. 49).
        if m is Method.SINGLE_SOURCE and "follow_on" in facts.justifications:
            out.extend(_follow_on_findings(facts, t))
        return out

    citation = METHOD_CITATION[m]
    if facts.date < citation.effective_from:
        out.append(Finding(
            "method.not_in_force", Severity.BLOCK, citation,
            f"{m_zh}依据的{citation.source}自 {citation.effective_from.isoformat()} 起施行，"
            f"采购日期 {facts.date.isoformat()} 时尚不能采用。",
            f"{m_en.capitalize()} rests on {citation.source}, in force from "
            f"{citation.effective_from.isoformat()}: not available on {facts.date.isoformat()}.",
            numbers,
        ))
    if m is Method.REQUEST_FOR_QUOTATION and facts.category is not Category.GOODS:
        out.append(Finding(
            "method.goods_only", Severity.BLOCK, ART_32,
            f"询价只适用于货物采购，本项目为{c_zh}。",
            f"Request for quotation is for goods only; this purchase is {c_en}.",
            numbers,
        ))
    stated = [c for c in METHOD_CONDITIONS[m] if c in facts.justifications]
    if not stated:
        c_text_zh, c_text_en = _conditions_text(m)
        out.append(Finding(
            "method.conditions_missing", Severity.BLOCK, citation,
            f"采用{m_zh}须说明适用情形，至少符合其一：{c_text_zh}。",
            f"{m_en.capitalize()} needs one of its conditions stated: {c_text_en}.",
            numbers,
        ))
    if m is Method.SINGLE_SOURCE and "follow_on" in stated:
        out.extend(_follow_on_findings(facts, t))
    if (
        m is Method.SINGLE_SOURCE
        and "only_one_supplier" in stated
        and amount >= tender_limit
        and facts.category is not Category.WORKS
    ):
        out.append(Finding(
            "single_source.publicity", Severity.WARN, REG_ART_38,
            "达到公开招标数额标准、以只能从唯一供应商处采购为由采用单一来源的，须在省级以上财政部门"
            "指定媒体公示采购项目信息和唯一供应商名称，公示期不少于 5 个工作日。",
            "Single source above the public-tender threshold because only one supplier can "
            "supply: publish the purchase and the supplier's name in the media the provincial "
            "financial department designates for at least 5 working days first.",
            numbers,
        ))
    if (
        amount >= tender_limit
        and m is not Method.FRAMEWORK_AGREEMENT
        and "finance_approval" not in facts.justifications
    ):
        out.append(Finding(
            "threshold.public_tender_required", Severity.BLOCK, ART_27,
            f"{c_zh}预算 {_wan(amount)}，达到公开招标数额标准 {_wan(tender_limit)}，应当公开招标；"
            f"采用{m_zh}须在采购活动开始前获得设区的市级以上财政部门批准（finance_approval）。",
            f"The {c_en} budget of {_wan(amount)} reaches the public-tender threshold of "
            f"{_wan(tender_limit)}: it must be publicly tendered; {m_en} needs the financial "
            "department's approval before the purchase starts (finance_approval).",
            numbers,
        ))
    return out


def _follow_on_findings(facts: ProcurementFacts, t: ProcurementThresholds) -> list[Finding]:
    original = facts.original_contract_amount_wan
    if original is None:
        return [Finding(
            "single_source.original_missing", Severity.BLOCK, ART_31_3,
            "单一来源添购须填写原合同金额，以核对添购总额不超过原合同金额的 10%。",
            "A single-source follow-on needs the original contract amount, to check that the "
            "follow-ons stay within 10% of it.",
            {"estimated_amount_wan": facts.estimated_amount_wan},
        )]
    total = facts.previous_follow_ons_wan + facts.estimated_amount_wan
    cap = original * t.follow_on_cap_share
    numbers = {
        "original_contract_amount_wan": original,
        "previous_follow_ons_wan": facts.previous_follow_ons_wan,
        "estimated_amount_wan": facts.estimated_amount_wan,
        "follow_ons_total_wan": total,
        "cap_wan": cap,
        "share": total / original,
    }
    if total <= cap:
        return []
    return [Finding(
        "single_source.follow_on_cap", Severity.BLOCK, ART_31_3,
        f"添购总额 {_wan(total)}（此前 {_wan(facts.previous_follow_ons_wan)} + 本次 "
        f"{_wan(facts.estimated_amount_wan)}），占原合同金额 {_wan(original)} 的 "
        f"{_pct(total / original)}，超过 {_pct(t.follow_on_cap_share)}（上限 {_wan(cap)}）。",
        f"Follow-ons total {_wan(total)} (earlier {_wan(facts.previous_follow_ons_wan)} + this "
        f"{_wan(facts.estimated_amount_wan)}): {_pct(total / original)} of the original contract "
        f"of {_wan(original)}, above {_pct(t.follow_on_cap_share)} (cap {_wan(cap)}).",
        numbers,
    )]


# -- split detection ---------------------------------------------------------------------------

_NON_WORD = re.compile(r"[\s\W_]+", re.UNICODE)


def _bigrams(text: str) -> set[str]:
    s = _NON_WORD.sub("", text.lower())
    if len(s) < 2:
        return {s} if s else set()
    return {s[i : i + 2] for i in range(len(s) - 1)}


def similarity(
    subject_a: str, code_a: str, tags_a: Iterable[str],
    subject_b: str, code_b: str, tags_b: Iterable[str],
    *, code_prefix: int = 3,
) -> tuple[bool, str, Decimal]:
    """Whether two purchases are of the same or a similar object: (similar, basis, score).
    Basis is "code", "tags" or "subject" (see the module docstring for the order)."""
    if code_a and code_b:
        same = code_a[:code_prefix].upper() == code_b[:code_prefix].upper()
        return same, "code", Decimal(int(same))
    ta, tb = {x.strip().lower() for x in tags_a if x.strip()}, {
        x.strip().lower() for x in tags_b if x.strip()
    }
    if ta and tb:
        jaccard = Decimal(len(ta & tb)) / Decimal(len(ta | tb))
        if jaccard >= Decimal("0.5"):
            return True, "tags", jaccard
    ba, bb = _bigrams(subject_a), _bigrams(subject_b)
    if ba and bb:
        dice = Decimal(2 * len(ba & bb)) / Decimal(len(ba) + len(bb))
        return dice >= Decimal("0.6"), "subject", dice.quantize(Decimal("0.001"))
    return False, "none", Decimal(0)


def similar_purchases(facts: ProcurementFacts, t: ProcurementThresholds) -> list[RelatedPurchase]:
    """The related purchases that count toward a split: same budget year, not publicly
    tendered, each below the public-tender threshold, of the same or a similar object."""
    year = facts.budget_year or facts.date.year
    tender_limit = t.public_tender_threshold(facts.category)
    out = []
    for p in facts.related_purchases:
        if (p.budget_year or p.date.year) != year or p.method is Method.PUBLIC_TENDER:
            continue
        if p.amount_wan >= tender_limit:
            continue
        similar, _basis, _score = similarity(
            facts.subject, facts.category_code, facts.tags,
            p.subject, p.category_code, p.tags, code_prefix=t.split_code_prefix,
        )
        if similar:
            out.append(p)
    return out


def _split_findings(facts: ProcurementFacts, t: ProcurementThresholds) -> list[Finding]:
    tender_limit = t.public_tender_threshold(facts.category)
    if facts.method is Method.PUBLIC_TENDER or facts.estimated_amount_wan >= tender_limit:
        return []  # a public tender dodges nothing; above the line the threshold rule applies
    if {"budget_adjusted", "finance_approval"} & facts.justifications:
        return []  # 实施条例 art. 28: the two stated exceptions
    others = similar_purchases(facts, t)
    if not others:
        return []
    total = facts.estimated_amount_wan + sum((p.amount_wan for p in others), Decimal(0))
    if total <= tender_limit:  # 实施条例 art. 28: 累计资金数额"超过"公开招标数额标准
        return []
    year = facts.budget_year or facts.date.year
    listed = sorted(others, key=lambda p: (p.date, p.reference))
    parts_zh = "、".join(
        f"{p.reference or p.subject}（{p.date.isoformat()}，{_wan(p.amount_wan)}）" for p in listed
    )
    parts_en = ", ".join(
        f"{p.reference or p.subject} ({p.date.isoformat()}, {_wan(p.amount_wan)})" for p in listed
    )
    return [Finding(
        "split.public_tender", Severity.BLOCK, REG_ART_28,
        f"化整为零规避公开招标：{year} 预算年度内同一或类似标的已以公开招标以外方式采购 "
        f"{len(listed)} 次（{parts_zh}），连同本次 {_wan(facts.estimated_amount_wan)} 累计 "
        f"{_wan(total)}，超过公开招标数额标准 {_wan(tender_limit)}，而每次均低于该标准。"
        "应合并后公开招标（政府采购法第二十八条）。",
        f"Split to avoid public tender: in budget year {year} the same or a similar object was "
        f"bought {len(listed)} time(s) by methods other than public tender ({parts_en}); with "
        f"this {_wan(facts.estimated_amount_wan)} the total is {_wan(total)}, above the "
        f"public-tender threshold of {_wan(tender_limit)} that each stays below. Combine them "
        "into one public tender (Government Procurement Law art. 28).",
        {
            "estimated_amount_wan": facts.estimated_amount_wan,
            "related_total_wan": total - facts.estimated_amount_wan,
            "total_wan": total,
            "public_tender_threshold_wan": tender_limit,
            "purchases": Decimal(len(listed) + 1),
        },
    )]
