"""Bid evaluation: comprehensive scoring and lowest price. Pure Python, no Django.

**Comprehensive scoring** (综合评分法, 《政府采购货物和服务招标投标管理办法》财政部令第87号,
2017-10-01, art. 55). The scale is 100 points in all: the price weight and the weights of the
technical/commercial criteria are shares that sum to 1 (100%).

- Price score = (lowest valid bid price ÷ this bid's price) × price weight × 100. The lowest
  valid price (评标基准价) is taken over the *valid* bids only, and scores full marks.
- Price weight ≥ 30% for goods and ≥ 10% for services (art. 55); a lower one is refused. Works
  are outside 87号 (they follow the Tendering Law), so no floor applies to them here.
- Each criterion has a weight and the scale its evaluators score on (``max_points``; default
  weight × 100, i.e. the criterion's points directly). A criterion's points = (the evaluators'
  average score ÷ max_points) × weight × 100.
- Every term is rounded to 0.01 point (ROUND_HALF_UP), and a bid's total is the sum of its
  rounded terms, so the derivation shown to a user adds up.
- Ranking: total score high to low; equal totals by price low to high (art. 57); equal total and
  price: tied, sharing a rank (art. 57 "并列"). (The technical score cannot break that tie: with
  equal prices the price scores are equal, so equal totals mean equal technical scores.)

**Lowest price** (最低评标价法, art. 54 and 56): the lowest valid price ranks first; equal
prices by technical score high to low when criteria were scored (our rule, to be stated in the
tender documents), else tied (art. 56 "并列").

**Invalid bids** are excluded with their reasons and take no part in the lowest price: failed
qualification (art. 63(3)), price above the budget or ceiling price (art. 63(4); exactly at the
ceiling is valid), submitted after the deadline (art. 33; exactly at the deadline is on time).

Bad input (a zero or negative price, weights that do not sum to 100%, a price weight below its
floor, an unknown criterion, a score out of range, a naive datetime) raises
``ProcurementInputError`` naming the field, in Chinese and English.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from . import ProcurementInputError
from .rules import Category, Citation

ORDER_87 = "《政府采购货物和服务招标投标管理办法》(财政部令第87号)"
ORDER_87_FROM = dt.date(2017, 10, 1)
ART_33 = Citation(ORDER_87, "第三十三条 / art. 33", ORDER_87_FROM)
ART_55 = Citation(ORDER_87, "第五十五条 / art. 55", ORDER_87_FROM)
ART_56 = Citation(ORDER_87, "第五十六条 / art. 56", ORDER_87_FROM)
ART_57 = Citation(ORDER_87, "第五十七条 / art. 57", ORDER_87_FROM)
ART_63 = Citation(ORDER_87, "第六十三条 / art. 63", ORDER_87_FROM)

PRICE_WEIGHT_FLOOR: Mapping[Category, Decimal] = {
    Category.GOODS: Decimal("0.30"),
    Category.SERVICES: Decimal("0.10"),
}
POINT = Decimal("0.01")
HUNDRED = Decimal(100)

TIE_RULE_ZH = (
    "按评审得分由高到低排列；得分相同的，按投标报价由低到高排列；得分且投标报价相同的并列"
    "（财政部令第87号第五十七条）。"
)
TIE_RULE_EN = (
    "Total score high to low; equal scores by price low to high; equal score and price: tied "
    "(财政部令第87号 art. 57)."
)
LOWEST_RULE_ZH = (
    "按投标报价由低到高排列（财政部令第87号第五十六条）；报价相同的，按技术得分由高到低排列"
    "（如有评分，本平台规则，于招标文件载明）；仍相同的并列。"
)
LOWEST_RULE_EN = (
    "Price low to high (财政部令第87号 art. 56); equal prices by technical score high to low "
    "(when scored; our rule, stated in the tender documents); still equal: tied."
)


class EvaluationMethod(StrEnum):
    COMPREHENSIVE = "comprehensive"  # 综合评分法
    LOWEST_PRICE = "lowest_price"  # 最低评标价法


@dataclass(frozen=True)
class Criterion:
    """A technical or commercial criterion: ``weight`` is its share of the 100 points."""

    key: str
    name_zh: str
    weight: Decimal
    name_en: str = ""
    max_points: Decimal | None = None  # the evaluators' scale; default weight × 100

    @property
    def scale(self) -> Decimal:
        return self.max_points if self.max_points is not None else self.weight * HUNDRED


@dataclass(frozen=True)
class EvaluationConfig:
    method: EvaluationMethod
    category: Category
    price_weight: Decimal = Decimal("0.30")  # comprehensive scoring only
    criteria: tuple[Criterion, ...] = ()
    budget_ceiling_wan: Decimal | None = None  # 采购预算或最高限价
    deadline: dt.datetime | None = None  # 投标截止时间, timezone-aware


@dataclass(frozen=True)
class BidFacts:
    bid_id: str
    supplier: str
    price_wan: Decimal
    submitted_at: dt.datetime | None = None  # timezone-aware
    qualified: bool = True  # passed the qualification review (资格审查)
    missing_qualifications: tuple[str, ...] = ()  # what it lacked, for the reason
    # evaluator -> criterion key -> score on the criterion's scale
    scores: Mapping[str, Mapping[str, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One term of a bid's derivation, for display."""

    term: str  # "price", "criterion:<key>", "technical", "total", "lowest_valid_price"
    label_zh: str
    label_en: str
    formula_zh: str
    formula_en: str
    value: Decimal


@dataclass(frozen=True)
class Exclusion:
    code: str  # "qualification", "over_ceiling", "late"
    reason_zh: str
    reason_en: str
    citation: Citation


@dataclass(frozen=True)
class BidResult:
    bid_id: str
    supplier: str
    price_wan: Decimal
    valid: bool
    exclusions: tuple[Exclusion, ...] = ()
    price_score: Decimal | None = None
    technical_score: Decimal | None = None
    total_score: Decimal | None = None
    rank: int | None = None  # 1 = first; tied bids share a rank
    derivation: tuple[Step, ...] = ()


@dataclass(frozen=True)
class Evaluation:
    method: EvaluationMethod
    lowest_valid_price_wan: Decimal | None
    results: tuple[BidResult, ...]  # valid bids in rank order, then the invalid ones
    tie_rule_zh: str
    tie_rule_en: str

    @property
    def ranked(self) -> tuple[BidResult, ...]:
        return tuple(r for r in self.results if r.valid)

    @property
    def excluded(self) -> tuple[BidResult, ...]:
        return tuple(r for r in self.results if not r.valid)

    @property
    def first(self) -> tuple[BidResult, ...]:
        """The bids ranked first (more than one when tied)."""
        return tuple(r for r in self.results if r.rank == 1)

    @property
    def winner(self) -> BidResult | None:
        """The first-ranked bid, or None when there is none or a tie for first."""
        first = self.first
        return first[0] if len(first) == 1 else None


# ---------------------------------------------------------------------------------------------
# Helpers


def _q(value: Decimal) -> Decimal:
    return value.quantize(POINT, rounding=ROUND_HALF_UP)


def _num(value: Decimal) -> str:
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _pts(points: Decimal) -> str:
    """Points as shown on a score sheet: two decimals."""
    return f"{_q(points):.2f}"


def _pct(share: Decimal) -> str:
    return f"{_num((share * HUNDRED).quantize(POINT))}%"


def _decimal(value, name: str, en: str, zh: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ProcurementInputError(name, f"The {en} must be a decimal number.", f"{zh}必须是十进制数。")
    value = Decimal(value)
    if not value.is_finite():
        raise ProcurementInputError(name, f"The {en} must be a finite number.", f"{zh}必须是有限数值。")
    return value


def _aware(value, name: str, en: str, zh: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise ProcurementInputError(
            name,
            f"The {en} must be a date and time with its time zone.",
            f"{zh}必须是带时区的日期时间。",
        )
    return value


# ---------------------------------------------------------------------------------------------
# Validation


def validate_config(config: EvaluationConfig) -> EvaluationConfig:
    """ProcurementInputError naming the first unusable field of the configuration."""
    try:
        method = EvaluationMethod(config.method)
    except ValueError:
        raise ProcurementInputError(
            "method",
            f"Unknown evaluation method {config.method!r}.",
            f"未知的评标方法“{config.method}”。",
        ) from None
    try:
        category = Category(config.category)
    except ValueError:
        raise ProcurementInputError(
            "category", f"Unknown category {config.category!r}.", f"未知的采购品类“{config.category}”。"
        ) from None
    keys = set()
    for i, c in enumerate(config.criteria):
        where = f"criteria[{i}]"
        if not c.key or not str(c.key).strip():
            raise ProcurementInputError(f"{where}.key", "The criterion has no key.", "评分因素缺少代码。")
        if c.key in keys:
            raise ProcurementInputError(
                f"{where}.key", f"Criterion {c.key!r} appears twice.", f"评分因素“{c.key}”重复。"
            )
        keys.add(c.key)
        weight = _decimal(c.weight, f"{where}.weight", "criterion weight", "评分因素权重")
        if weight <= 0:
            raise ProcurementInputError(
                f"{where}.weight",
                f"The weight of {c.key!r} must be above zero.",
                f"评分因素“{c.key}”的权重必须大于零。",
            )
        if c.max_points is not None:
            points = _decimal(c.max_points, f"{where}.max_points", "maximum points", "满分")
            if points <= 0:
                raise ProcurementInputError(
                    f"{where}.max_points",
                    f"The maximum points of {c.key!r} must be above zero.",
                    f"评分因素“{c.key}”的满分必须大于零。",
                )
    if config.budget_ceiling_wan is not None:
        ceiling = _decimal(config.budget_ceiling_wan, "budget_ceiling_wan", "budget ceiling",
                           "最高限价")
        if ceiling <= 0:
            raise ProcurementInputError(
                "budget_ceiling_wan", "The budget ceiling must be above zero.", "最高限价必须大于零。"
            )
    _aware(config.deadline, "deadline", "bid deadline", "投标截止时间")
    if method is EvaluationMethod.COMPREHENSIVE:
        weight = _decimal(config.price_weight, "price_weight", "price weight", "价格权重")
        if not 0 <= weight <= 1:
            raise ProcurementInputError(
                "price_weight",
                f"The price weight {_pct(weight)} must be between 0% and 100%.",
                f"价格权重 {_pct(weight)} 必须在 0% 到 100% 之间。",
            )
        floor = PRICE_WEIGHT_FLOOR.get(category)
        if floor is not None and weight < floor:
            zh, en = ("货物", "goods") if category is Category.GOODS else ("服务", "services")
            raise ProcurementInputError(
                "price_weight",
                f"The price weight {_pct(weight)} is below the floor of {_pct(floor)} for {en} "
                "(财政部令第87号 art. 55).",
                f"价格权重 {_pct(weight)} 低于{zh}项目不得低于 {_pct(floor)} 的要求"
                "（财政部令第87号第五十五条）。",
            )
        total = weight + sum((Decimal(c.weight) for c in config.criteria), Decimal(0))
        if total != 1:
            raise ProcurementInputError(
                "criteria",
                f"The price weight ({_pct(weight)}) and the criteria weights "
                f"({_pct(total - weight)}) sum to {_pct(total)}, not 100%.",
                f"价格权重（{_pct(weight)}）与各评分因素权重（{_pct(total - weight)}）之和为 "
                f"{_pct(total)}，应为 100%。",
            )
    return config


def _validate_bids(config: EvaluationConfig, bids: list[BidFacts]) -> None:
    criteria = {c.key: c for c in config.criteria}
    seen = set()
    for b in bids:
        where = f"bids[{b.bid_id}]"
        if not b.bid_id or b.bid_id in seen:
            raise ProcurementInputError(
                f"{where}.bid_id", "Each bid needs its own id.", "每份投标须有唯一编号。"
            )
        seen.add(b.bid_id)
        price = _decimal(b.price_wan, f"{where}.price_wan", "bid price", "投标报价")
        if price <= 0:
            raise ProcurementInputError(
                f"{where}.price_wan",
                f"The bid price must be above zero (got {_num(price)}).",
                f"投标报价必须大于零（当前为 {_num(price)}）。",
            )
        _aware(b.submitted_at, f"{where}.submitted_at", "submission time", "投标时间")
        for evaluator, scores in b.scores.items():
            for key, value in scores.items():
                name = f"{where}.scores[{evaluator}].{key}"
                if key not in criteria:
                    known = ", ".join(criteria) or "—"
                    raise ProcurementInputError(
                        name,
                        f"Unknown criterion {key!r} (known: {known}).",
                        f"未知的评分因素“{key}”（已设置：{known}）。",
                    )
                score = _decimal(value, name, "score", "评分")
                scale = criteria[key].scale
                if not 0 <= score <= scale:
                    raise ProcurementInputError(
                        name,
                        f"The score {_num(score)} is outside 0–{_num(scale)}.",
                        f"评分 {_num(score)} 超出 0–{_num(scale)} 的范围。",
                    )


def _exclusions(config: EvaluationConfig, b: BidFacts) -> list[Exclusion]:
    out = []
    if not b.qualified or b.missing_qualifications:
        lacking = "、".join(b.missing_qualifications)
        lacking_en = ", ".join(b.missing_qualifications)
        out.append(Exclusion(
            "qualification",
            f"不具备招标文件规定的资格要求{f'（缺少：{lacking}）' if lacking else ''}。",
            f"Does not meet the qualification requirements{f' (lacking: {lacking_en})' if lacking else ''}.",
            ART_63,
        ))
    ceiling = config.budget_ceiling_wan
    if ceiling is not None and b.price_wan > ceiling:
        out.append(Exclusion(
            "over_ceiling",
            f"投标报价 {_num(b.price_wan)}万元 超过最高限价 {_num(ceiling)}万元。",
            f"The price of {_num(b.price_wan)}万元 is above the ceiling of {_num(ceiling)}万元.",
            ART_63,
        ))
    if config.deadline is not None and b.submitted_at is not None and b.submitted_at > config.deadline:
        out.append(Exclusion(
            "late",
            f"投标时间 {b.submitted_at.isoformat()} 晚于截止时间 {config.deadline.isoformat()}，逾期送达。",
            f"Submitted at {b.submitted_at.isoformat()}, after the deadline of "
            f"{config.deadline.isoformat()}.",
            ART_33,
        ))
    return out


def exclusions(config: EvaluationConfig, bid: BidFacts) -> list[Exclusion]:
    """Why a bid is invalid (empty: valid), e.g. to mark bids when bidding closes."""
    config = validate_config(config)
    _validate_bids(config, [bid])
    return _exclusions(config, bid)


# ---------------------------------------------------------------------------------------------
# Evaluation


def price_score(lowest_valid_price: Decimal, price: Decimal, price_weight: Decimal) -> Decimal:
    """财政部令第87号 art. 55: (lowest valid bid ÷ this bid) × price weight × 100, to 0.01."""
    return _q(lowest_valid_price / price * price_weight * HUNDRED)


def _technical(config: EvaluationConfig, b: BidFacts, where: str) -> tuple[Decimal, list[Step]]:
    if not config.criteria:
        return Decimal(0), []
    if not b.scores:
        raise ProcurementInputError(
            f"{where}.scores",
            "A valid bid needs the evaluators' scores.",
            "有效投标须有评审专家评分。",
        )
    steps, total = [], Decimal(0)
    for c in config.criteria:
        raw = []
        for evaluator, scores in b.scores.items():
            if c.key not in scores:
                raise ProcurementInputError(
                    f"{where}.scores[{evaluator}].{c.key}",
                    f"Evaluator {evaluator} did not score {c.key!r}.",
                    f"评审专家 {evaluator} 未对“{c.key}”评分。",
                )
            raw.append(Decimal(scores[c.key]))
        average = sum(raw, Decimal(0)) / len(raw)
        points = _q(average / c.scale * c.weight * HUNDRED)
        total += points
        listed = " + ".join(_num(x) for x in raw)
        steps.append(Step(
            f"criterion:{c.key}",
            c.name_zh,
            c.name_en or c.key,
            f"（{listed}）÷ {len(raw)} 位专家 = {_pts(_q(average))}，÷ 满分 {_num(c.scale)} × "
            f"权重 {_pct(c.weight)} × 100 = {_pts(points)}",
            f"({listed}) ÷ {len(raw)} evaluators = {_pts(_q(average))}, ÷ max {_num(c.scale)} × "
            f"weight {_pct(c.weight)} × 100 = {_pts(points)}",
            points,
        ))
    return total, steps


def evaluate(config: EvaluationConfig, bids: list[BidFacts] | tuple[BidFacts, ...]) -> Evaluation:
    """Exclude invalid bids, score and rank the valid ones; a derivation per bid."""
    config = validate_config(config)
    bids = list(bids)
    _validate_bids(config, bids)
    method = EvaluationMethod(config.method)
    excluded = {b.bid_id: _exclusions(config, b) for b in bids}
    valid = [b for b in bids if not excluded[b.bid_id]]
    lowest = min((b.price_wan for b in valid), default=None)

    scored: list[tuple[BidFacts, Decimal | None, Decimal, Decimal | None, list[Step]]] = []
    for b in valid:
        where = f"bids[{b.bid_id}]"
        technical, steps = _technical(config, b, where)
        base = Step(
            "lowest_valid_price",
            "评标基准价",
            "lowest valid price",
            f"有效投标中的最低报价 = {_num(lowest)}万元",
            f"the lowest price among the valid bids = {_num(lowest)}万元",
            lowest,
        )
        if method is EvaluationMethod.COMPREHENSIVE:
            weight = Decimal(config.price_weight)
            p = price_score(lowest, b.price_wan, weight)
            price_step = Step(
                "price",
                "价格分",
                "price score",
                f"（评标基准价 {_num(lowest)} ÷ 投标报价 {_num(b.price_wan)}）× 价格权重 "
                f"{_pct(weight)} × 100 = {_pts(p)}",
                f"(lowest valid price {_num(lowest)} ÷ bid price {_num(b.price_wan)}) × price "
                f"weight {_pct(weight)} × 100 = {_pts(p)}",
                p,
            )
            total = p + technical
            sum_text = " + ".join(_pts(s.value) for s in steps) or "0"
            tech_step = Step(
                "technical",
                "技术商务分",
                "technical and commercial score",
                f"{sum_text} = {_pts(technical)}",
                f"{sum_text} = {_pts(technical)}",
                technical,
            )
            total_step = Step(
                "total", "总得分", "total score",
                f"价格分 {_pts(p)} + 技术商务分 {_pts(technical)} = {_pts(total)}（满分 100）",
                f"price {_pts(p)} + technical {_pts(technical)} = {_pts(total)} (of 100)",
                total,
            )
            scored.append((b, p, technical, total, [base, price_step, *steps, tech_step, total_step]))
        else:
            price_step = Step(
                "price", "评标价", "evaluated price",
                f"投标报价 {_num(b.price_wan)}万元（最低评标价法，价格最低者排名第一）",
                f"bid price {_num(b.price_wan)}万元 (lowest price: the lowest ranks first)",
                b.price_wan,
            )
            scored.append((b, None, technical, None, [base, price_step, *steps]))

    if method is EvaluationMethod.COMPREHENSIVE:
        def key(item):
            return (-item[3], item[0].price_wan)
    else:
        def key(item):
            return (item[0].price_wan, -item[2])
    scored.sort(key=lambda item: (key(item), item[0].bid_id))

    results: list[BidResult] = []
    previous_key, rank = None, 0
    for position, item in enumerate(scored, start=1):
        k = key(item)
        if k != previous_key:
            rank, previous_key = position, k
        b, p, technical, total, steps = item
        results.append(BidResult(
            bid_id=b.bid_id,
            supplier=b.supplier,
            price_wan=b.price_wan,
            valid=True,
            price_score=p,
            technical_score=technical if config.criteria else None,
            total_score=total,
            rank=rank,
            derivation=tuple(steps),
        ))
    for b in bids:
        if excluded[b.bid_id]:
            reasons = excluded[b.bid_id]
            results.append(BidResult(
                bid_id=b.bid_id,
                supplier=b.supplier,
                price_wan=b.price_wan,
                valid=False,
                exclusions=tuple(reasons),
                derivation=tuple(
                    Step("excluded", "无效投标", "invalid bid", r.reason_zh, r.reason_en, Decimal(0))
                    for r in reasons
                ),
            ))
    if method is EvaluationMethod.COMPREHENSIVE:
        rule_zh, rule_en = TIE_RULE_ZH, TIE_RULE_EN
    else:
        rule_zh, rule_en = LOWEST_RULE_ZH, LOWEST_RULE_EN
    return Evaluation(method, lowest, tuple(results), rule_zh, rule_en)
