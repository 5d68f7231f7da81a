"""Operation-model advisor: rank the seven operation models for a project's characteristics.

Pure: no Django. ``Characteristics.from_dict(d)`` validates plain data (the CLI's JSON, the API's
body); ``advise(c)`` returns an ``Advice`` whose ``ranking`` holds all seven models of
``vocab.OperationModel``, best first, each with a score, the reasons for and against it and the
risks the report names for it. Texts are in English and Chinese, in the brief's own terms
(BRIEF.md §1, seed 001 §三 "主要运营模式分析").

Scoring
-------
Every model has a short list of *fit terms*. A term reads the characteristics and returns a fit
in 0..1 (1 = the characteristic is what the model needs). A model's score is the weighted mean of
its terms' fits, scaled by its prerequisite, times 100, rounded to one decimal::

    mean(model)  = sum(w_i * fit_i) / sum(w_i)
    score(model) = round(100 * mean(model) * (0.5 + 0.5 * fit_p), 1)

where ``fit_p`` is the fit of the model's *prerequisite*, one of its own terms (marked P in the
weights below): without its prerequisite a model scores at most half, however well the rest
fits (DBB for a project with no works, a purchase of services that is mostly works, PPP for a
small project, a platform company with no state-owned sponsor, a joint company without a long
commitment, self-building what is not security-sensitive). Every term moves the score
monotonically in its own direction, and the score is always in 0..100.

A term with fit >= 0.7 is listed as a reason *for* the model, one with fit <= 0.3 as a reason
*against* (the middle band says nothing). The weights and fits are returned in
``ModelAssessment.terms`` (and the prerequisite's code in ``ModelAssessment.prerequisite``) so a
reader can recompute any score by hand. Risks do not change the score: they are the model's
known weaknesses (always listed) plus conditional warnings (listed when the characteristics
trigger them). The ranking sorts by score, highest first; equal scores keep the fixed order of
``OperationModel`` (purchase, ppp, epc, platform, joint, dbb, self_built). Nothing is random:
the same characteristics always give the same advice.

Two derived scales are used:

- ``size`` = (log10(investment_wan) - 2) / 3, clamped to 0..1: 100万 (the procurement threshold,
  国办发〔2019〕55号) is 0, 10亿 is 1, the average smart-city project of 1.3亿 is about 0.7.
- ``long`` = (operation_horizon_years - 3) / 7, clamped to 0..1: 3 years (the longest purchase of
  services contract, and the usual EPC build-and-O&M window) is 0, 10 years (the shortest usual
  PPP term) is 1. ``short`` = 1 - ``long``.

How each characteristic moves each model (weights in brackets, P = the model's prerequisite;
"+" raises the score, "-" lowers it; a model not listed for a characteristic ignores it):

investment_wan (via ``size``)
    + PPP [3, P] "fits large investment"; + EPC [2] "mostly used for large engineering projects";
    + platform [1] (a city-wide portfolio is worth a company); - DBB [2] (separate design and
    construction contracts suit modest works: large complex programmes went to EPC and PPP, DBB
    had the smallest share of 2016-2019 projects).
construction_share
    - purchase [3, P]: works, goods and works bundled with services are on the negative list
    (财政部令第102号); + PPP [1]: tangible assets make availability payments measurable, where
    pure IT services are "hard to measure"; + EPC [3.5, P] "large engineering-heavy projects
    (city lifeline, safe city, big-data platforms, operations centres)"; - joint [1.5]: a joint
    company is a professional *operator* of a domain; + DBB [3, P]: a works delivery.
demand_stability
    + PPP [2] "long stable demand"; + joint [1]: continuous operations need a steady user base.
public_good
    + purchase [2] "public-service or government-support services"; + EPC [1] and DBB [1]:
    "nearly all government-funded smart-city works can use EPC"; + platform [1] "foundational,
    supporting, public platforms"; + self_built [1]: only core public duties stay in-house.
user_payment_share
    - purchase [1]: the buyer pays after acceptance, there is no user payment; + PPP [1.5], and
    through its fiscal term (see fiscal_room): user payment fits PPP, government-pay items
    bundled with user payment < 10% are refused (财金〔2019〕10号) and new PPPs since 2023 are
    user-paid in the main (国办函〔2023〕115号);
    + joint [1.5]: market development and data value-added services are the partners' return.
security_sensitivity
    + platform [1.5]: state control and authorised data operation (数据运营授权) give the
    government control and data security; + self_built [3.5, P]: "government invests, enterprise
    operates" fits projects "not involving national security", so sensitive systems stay
    in-house.
local_soe_capacity
    + platform [3, P]: the company is wholly or majority state-owned, one per locality;
    + joint [2]: a local SOE is one of the two partners.
supplier_market_maturity
    + purchase [2]: the service is bought through competitive procurement; + PPP [2] "high
    marketisation, strong operator"; + EPC [1]: capable general contractors; + joint [2]: the
    specialist private firm brings technology and operations; - self_built [2.5]: build in-house
    only where there is no market to buy from.
fiscal_room
    + purchase [1.5] "stable funding" (paid from budgeted funds); + PPP [2]: the 10% red line
    (财金〔2019〕10号: above 10% no new PPP, above 5% no new government-pay PPP), counted on the
    government-paid part only: fit = 1 - (1 - fiscal_room) * (1 - user_payment_share);
    + EPC [1.5], DBB [2] and self_built [1.5]: pure government investment paid during the build.
operation_horizon_years (via ``long`` / ``short``)
    + purchase [2] when short: contract term "generally <= 1 year, at most 3" (102号令 art. 24);
    + PPP [2] when long: terms of 10-30 years, and BT is not PPP; + EPC [1.5] and DBB [1.5] when
    short: the contract ends at trial run; + platform [2] and joint [2.5, P] when long: a
    permanent local operator, "long commitment", "continuous operations".
cross_department (optional, default 0.5)
    - purchase [1]: purchase fits "clear boundaries"; + platform [3] "city-wide,
    cross-department, foundational and key-domain platforms"; - joint [1]: a joint company
    enters through one domain (e.g. a citizen-service app).

self_built also carries a constant term of fit 0 [2]: national e-government rules ask to
"reduce self-built, self-managed, self-used, self-maintained" systems (国家政务信息化项目建设
管理办法), so it wins only where security is high and the market thin.

The weights are judgement, checked against the report's own cases: every case in
``portfolio/data/cases.yaml`` with a model ranks its actual model first or second from the
characteristics in ``portfolio/data/case_characteristics.yaml`` (tests/test_advisor.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from .vocab import OperationModel

__all__ = [
    "FOR_THRESHOLD",
    "AGAINST_THRESHOLD",
    "Advice",
    "AdvisorInputError",
    "Characteristics",
    "ModelAssessment",
    "Reason",
    "TermFit",
    "advise",
]

FOR_THRESHOLD = 0.7  # a term with fit >= this is a reason for the model
AGAINST_THRESHOLD = 0.3  # a term with fit <= this is a reason against it
MAX_HORIZON_YEARS = 50  # concessions run up to 40 years (2024 rules); 50 leaves headroom


# -- input ----------------------------------------------------------------------------------


class AdvisorInputError(ValueError):
    """Bad characteristics: names the field, in English and Chinese."""

    def __init__(self, field: str, message_en: str, message_zh: str):
        self.field = field
        self.message_en = message_en
        self.message_zh = message_zh
        super().__init__(f"{field}: {message_en} / 字段 {field}：{message_zh}")

    def to_dict(self) -> dict[str, str]:
        return {"field": self.field, "en": self.message_en, "zh": self.message_zh}


_SHARE_FIELDS = (
    "construction_share",
    "demand_stability",
    "public_good",
    "user_payment_share",
    "security_sensitivity",
    "local_soe_capacity",
    "supplier_market_maturity",
    "fiscal_room",
    "cross_department",
)


@dataclass(frozen=True)
class Characteristics:
    """What the advisor reads about a project. Shares and scores are fractions in 0..1."""

    investment_wan: Decimal  # total investment, 万元
    construction_share: float  # share of investment that is engineering works / hardware
    demand_stability: float  # 1 = long, stable demand
    public_good: float  # 1 = pure public good, 0 = commercial
    user_payment_share: float  # expected share of revenue paid by users
    security_sensitivity: float  # 1 = national-security / core government systems
    local_soe_capacity: float  # strength of local state-owned capital and platforms
    supplier_market_maturity: float  # 1 = many capable suppliers, competitive market
    fiscal_room: float  # 1 = ample room under the PPP 10% line and in the budget
    operation_horizon_years: int  # how long the project must be operated
    cross_department: float = 0.5  # 1 = city-wide, cross-department, foundational

    def __post_init__(self):
        inv = self.investment_wan
        if isinstance(inv, bool) or not isinstance(inv, Decimal | int):
            raise AdvisorInputError(
                "investment_wan", "must be a number (万元)", "必须是数字（万元）"
            )
        if not isinstance(inv, Decimal):
            object.__setattr__(self, "investment_wan", Decimal(inv))
        if not self.investment_wan.is_finite() or self.investment_wan < 0:
            raise AdvisorInputError(
                "investment_wan",
                f"must be a finite number >= 0, got {self.investment_wan}",
                f"必须是不小于 0 的有限数，实际为 {self.investment_wan}",
            )
        for name in _SHARE_FIELDS:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
                raise AdvisorInputError(
                    name,
                    f"must be a number between 0 and 1, got {value!r}",
                    f"必须是 0 到 1 之间的数，实际为 {value!r}",
                )
            value = float(value)
            if not (0.0 <= value <= 1.0):  # also false for NaN
                raise AdvisorInputError(
                    name,
                    f"must be between 0 and 1, got {value}",
                    f"必须在 0 到 1 之间，实际为 {value}",
                )
            object.__setattr__(self, name, value)
        years = self.operation_horizon_years
        if isinstance(years, bool) or not isinstance(years, int):
            raise AdvisorInputError(
                "operation_horizon_years",
                f"must be a whole number of years, got {years!r}",
                f"必须是整数年，实际为 {years!r}",
            )
        if not 0 <= years <= MAX_HORIZON_YEARS:
            raise AdvisorInputError(
                "operation_horizon_years",
                f"must be between 0 and {MAX_HORIZON_YEARS} years, got {years}",
                f"必须在 0 到 {MAX_HORIZON_YEARS} 年之间，实际为 {years}",
            )

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_dict(cls, data: Any) -> Characteristics:
        """Validate plain data (parsed JSON or YAML). Raises AdvisorInputError naming the field
        for a missing field, an unknown field, a wrong type, or a value out of range."""
        if not isinstance(data, Mapping):
            raise AdvisorInputError(
                "characteristics",
                "must be an object of named fields",
                "必须是由字段名和值组成的对象",
            )
        known = cls.field_names()
        for key in data:
            if key not in known:
                raise AdvisorInputError(
                    str(key),
                    f"unknown field (expected one of: {', '.join(known)})",
                    f"未知字段（应为：{'、'.join(known)}）",
                )
        values: dict[str, Any] = {}
        for f in fields(cls):
            if f.name not in data:
                if f.name == "cross_department":
                    continue  # optional, defaults to 0.5
                raise AdvisorInputError(f.name, "is required", "为必填项")
            values[f.name] = _parse(f.name, data[f.name])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        out["investment_wan"] = str(self.investment_wan)
        return out


def _parse(name: str, raw: Any) -> Any:
    if name == "investment_wan":
        if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
            raise AdvisorInputError(
                name,
                f"must be a number (万元), got {type(raw).__name__}",
                f"必须是数字（万元），实际类型为 {type(raw).__name__}",
            )
        try:
            return Decimal(str(raw).strip()) if not isinstance(raw, Decimal) else raw
        except InvalidOperation:
            raise AdvisorInputError(
                name, f"must be a number (万元), got {raw!r}", f"必须是数字（万元），实际为 {raw!r}"
            ) from None
    if name == "operation_horizon_years":
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise AdvisorInputError(
                name,
                f"must be a whole number of years, got {raw!r}",
                f"必须是整数年，实际为 {raw!r}",
            )
        return raw
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal):
        raise AdvisorInputError(
            name,
            f"must be a number between 0 and 1, got {raw!r}",
            f"必须是 0 到 1 之间的数，实际为 {raw!r}",
        )
    return float(raw)


# -- output ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    code: str
    en: str
    zh: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "en": self.en, "zh": self.zh}


@dataclass(frozen=True)
class TermFit:
    """One fit term as evaluated: contribution to the score = 100 * weight * fit / sum(weights)."""

    code: str
    weight: float
    fit: float

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "weight": self.weight, "fit": round(self.fit, 3)}


@dataclass(frozen=True)
class ModelAssessment:
    model: OperationModel
    score: float
    reasons_for: list[Reason]
    reasons_against: list[Reason]
    risks: list[Reason]
    terms: list[TermFit]
    prerequisite: str  # code of the term whose fit scales the score (0.5 + 0.5 * fit)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.value,
            "score": self.score,
            "prerequisite": self.prerequisite,
            "reasons_for": [r.to_dict() for r in self.reasons_for],
            "reasons_against": [r.to_dict() for r in self.reasons_against],
            "risks": [r.to_dict() for r in self.risks],
            "terms": [t.to_dict() for t in self.terms],
        }


@dataclass(frozen=True)
class Advice:
    characteristics: Characteristics
    ranking: list[ModelAssessment]

    @property
    def best(self) -> ModelAssessment:
        return self.ranking[0]

    def rank_of(self, model: OperationModel | str) -> int:
        """1-based rank of a model."""
        model = OperationModel(model)
        return next(i for i, a in enumerate(self.ranking, 1) if a.model == model)

    def assessment(self, model: OperationModel | str) -> ModelAssessment:
        model = OperationModel(model)
        return next(a for a in self.ranking if a.model == model)

    def to_dict(self) -> dict[str, Any]:
        return {
            "characteristics": self.characteristics.to_dict(),
            "ranking": [{"rank": i, **a.to_dict()} for i, a in enumerate(self.ranking, 1)],
        }


# -- the model table ------------------------------------------------------------------------

Fit = Callable[[Characteristics], float]


def _clamp(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


def size(c: Characteristics) -> float:
    """Investment on a log scale: 100万 -> 0, 10亿 (100,000万) -> 1."""
    if c.investment_wan <= 0:
        return 0.0
    return _clamp((math.log10(float(c.investment_wan)) - 2.0) / 3.0)


def long_horizon(c: Characteristics) -> float:
    """Operation horizon: 3 years or less -> 0, 10 years or more -> 1."""
    return _clamp((c.operation_horizon_years - 3) / 7)


def short_horizon(c: Characteristics) -> float:
    return 1.0 - long_horizon(c)


@dataclass(frozen=True)
class _Term:
    code: str
    weight: float
    fit: Fit
    for_en: str
    for_zh: str
    against_en: str
    against_zh: str


@dataclass(frozen=True)
class _Risk:
    code: str
    en: str | Callable[[Characteristics], str]
    zh: str | Callable[[Characteristics], str]
    when: Callable[[Characteristics], bool] | None = None  # None: always


def _ppp_fiscal_fit(c: Characteristics) -> float:
    """Only the government-paid part of a PPP counts against the 10% line: a fully user-paid
    PPP needs no fiscal room, a fully government-paid one needs all of it."""
    return 1 - (1 - c.fiscal_room) * (1 - c.user_payment_share)


def _always(c: Characteristics) -> bool:
    return True


M = OperationModel

_TERMS: dict[OperationModel, tuple[_Term, ...]] = {
    M.PURCHASE: (
        _Term(
            "services_not_works",
            3,
            lambda c: 1 - c.construction_share,
            "Mostly services, not works: what purchase of services may buy",
            "以服务为主而非工程：属于政府购买服务可购买的范围",
            "Mostly works or hardware: goods, works, and works bundled with services are on the "
            "negative list of purchase of services (财政部令第102号)",
            "以工程或硬件为主：货物、工程及工程与服务打包属政府购买服务负面清单（财政部令第102号）",
        ),
        _Term(
            "short_term",
            2,
            short_horizon,
            "Short commitment fits the purchase contract term: generally ≤1 year, at most 3 "
            "(102号令 art. 24)",
            "承诺期短，符合政府购买服务合同期限：一般不超过1年，最长不超过3年（102号令第24条）",
            "Long operation horizon: a purchase contract runs ≤1 year (at most 3), so the service "
            "would be re-procured again and again",
            "运营期长：政府购买服务合同一般不超过1年、最长3年，需反复重新采购",
        ),
        _Term(
            "public_service",
            2,
            lambda c: c.public_good,
            "Public service or government-support service: what purchase of services is for",
            "属于公共服务或政府履职辅助性服务：正是政府购买服务的内容",
            "Commercial service: purchase of services buys public or government-support services",
            "经营性服务：政府购买服务面向公共服务和政府履职辅助性服务",
        ),
        _Term(
            "stable_funding",
            1.5,
            lambda c: c.fiscal_room,
            "Stable budget funding: purchase of services is paid from budgeted funds after "
            "acceptance",
            "经费来源稳定：政府购买服务由列入预算的财政资金在验收后支付",
            "Tight budget: purchase of services needs budgeted funds every year",
            "财政紧张：政府购买服务每年都需要列入预算的资金",
        ),
        _Term(
            "competitive_market",
            2,
            lambda c: c.supplier_market_maturity,
            "Mature supplier market: the service can be bought competitively",
            "服务商市场成熟：可以通过竞争性采购购买",
            "Thin supplier market: few bidders, weak competition",
            "服务商市场不成熟：投标人少，竞争不足",
        ),
        _Term(
            "government_pays",
            1,
            lambda c: 1 - c.user_payment_share,
            "Government pays: matches purchase of services (paid by the buyer after acceptance)",
            "政府付费：与政府购买服务（验收后由购买主体付费）一致",
            "Revenue mostly from users: purchase of services has no user-payment mechanism",
            "收入主要来自使用者：政府购买服务没有使用者付费机制",
        ),
        _Term(
            "clear_boundary",
            1,
            lambda c: 1 - c.cross_department,
            "Clear, bounded scope: content, quantity and term can be written into the contract",
            "项目边界清晰：内容、数量、期限可以写入合同",
            "City-wide, cross-department scope: hard to bound in a short purchase contract",
            "全市性、跨部门范围：难以在短期购买合同中划清边界",
        ),
    ),
    M.PPP: (
        _Term(
            "large_investment",
            3,
            size,
            "Large investment: PPP fits large projects",
            "投资规模大：适合PPP",
            "Small investment: PPP's 2–3 years of preparation and an SPV are out of proportion",
            "投资规模小：PPP两到三年的前期准备和组建项目公司得不偿失",
        ),
        _Term(
            "stable_demand",
            2,
            lambda c: c.demand_stability,
            "Long, stable demand: what a 10–30 year PPP needs",
            "需求长期稳定：符合10–30年PPP的要求",
            "Unstable demand: a 10–30 year PPP locks in payments for a need that may change",
            "需求不稳定：10–30年的PPP会为可能变化的需求锁定支出",
        ),
        _Term(
            "long_term",
            2,
            long_horizon,
            "Long operation horizon matches a PPP term of 10–30 years",
            "运营期长，与PPP 10–30年的合作期相符",
            "Short horizon: PPP terms are usually 10–30 years, and BT (build-transfer) is not PPP",
            "运营期短：PPP合作期一般为10–30年，建设-移交（BT）不属于PPP",
        ),
        _Term(
            "marketisation",
            2,
            lambda c: c.supplier_market_maturity,
            "High marketisation: strong operators able to finance, build and operate",
            "市场化程度高：有能投融资、建设和运营的强运营商",
            "Low marketisation: few operators able to finance, build and operate for 10+ years",
            "市场化程度低：缺少能长期投融资、建设和运营的运营商",
        ),
        _Term(
            "user_payment",
            1.5,
            lambda c: c.user_payment_share,
            "Substantial user payment: fits PPP, and new PPPs since 2023 are user-paid in the "
            "main (国办函〔2023〕115号)",
            "使用者付费比例较高：适合PPP，2023年后新项目以使用者付费为主（国办函〔2023〕115号）",
            "Little user payment: a government-pay PPP counts in full against the fiscal red line",
            "使用者付费很少：政府付费PPP全部计入财政支出红线",
        ),
        _Term(
            "fiscal_room",
            2,
            _ppp_fiscal_fit,
            "Room under the PPP fiscal red line (≤10% of general public budget expenditure, "
            "财金〔2019〕10号)",
            "PPP财政支出责任在红线（不超过一般公共预算支出10%，财金〔2019〕10号）以内尚有空间",
            "Little room under the PPP fiscal red line: above 10% no new PPP, above 5% no new "
            "government-pay PPP (财金〔2019〕10号)",
            "PPP财政承受空间小：超过10%不得新上PPP项目，超过5%不得新上政府付费项目（财金〔2019〕10号）",
        ),
        _Term(
            "measurable_assets",
            1,
            lambda c: c.construction_share,
            "Tangible works and equipment make availability and performance measurable",
            "工程和设备等实物资产便于衡量可用性和绩效",
            "Mostly IT services: hard to measure, so term, price and supervision are hard to fix",
            "以信息服务为主：难以精确计量，特许期、价格和监管难以确定",
        ),
    ),
    M.EPC: (
        _Term(
            "engineering_heavy",
            3.5,
            lambda c: c.construction_share,
            "Engineering-heavy: EPC fits large works (city lifeline, safe city, big-data "
            "platforms, operations centres)",
            "以工程建设为主：EPC适合城市生命线、平安城市、城市大数据平台、运营管理中心等工程",
            "Little engineering: EPC is a works contract, a service-heavy project gains nothing",
            "工程量小：EPC是工程总承包，以服务为主的项目不适用",
        ),
        _Term(
            "large_investment",
            2,
            size,
            "Large investment: EPC is mostly used for large engineering projects",
            "投资规模大：EPC多用于投资规模较大的工程类项目",
            "Small investment: one design–procure–build contract is out of proportion",
            "投资规模小：设计-采购-施工总承包得不偿失",
        ),
        _Term(
            "short_build",
            1.5,
            short_horizon,
            "Short build-and-run window (≤3 years): fits one design–procure–build–trial-run "
            "contract",
            "建设和运维周期短（不超过3年）：适合一次设计-采购-施工-试运行总承包",
            "Long operation horizon: EPC ends at trial run, operations need another arrangement",
            "运营期长：EPC止于试运行，运营需另行安排",
        ),
        _Term(
            "government_funded",
            1.5,
            lambda c: c.fiscal_room,
            "The budget can fund the works: EPC serves pure government investment",
            "财政可以承担建设投资：EPC用于纯政府投资项目",
            "Tight budget: EPC is paid from government investment during the build",
            "财政紧张：EPC在建设期由政府投资支付",
        ),
        _Term(
            "public_works",
            1,
            lambda c: c.public_good,
            "Public, non-commercial works: nearly all government-funded smart-city works can use "
            "EPC",
            "公共、非经营性工程：绝大多数财政投资的智慧城市工程都可采用EPC",
            "Commercial project: EPC has no mechanism for user revenue",
            "经营性项目：EPC没有使用者收益机制",
        ),
        _Term(
            "contractors",
            1,
            lambda c: c.supplier_market_maturity,
            "Capable general contractors available",
            "有能力强的工程总承包商",
            "Few capable general contractors",
            "缺少有能力的工程总承包商",
        ),
    ),
    M.PLATFORM: (
        _Term(
            "cross_department",
            3,
            lambda c: c.cross_department,
            "City-wide, cross-department scope: platform companies take foundational, shared and "
            "cross-department platforms",
            "全市性、跨部门：基础性、支撑性、公共性和跨部门的平台适合交由平台公司",
            "Narrow, single-domain scope: a platform company is for city-wide, cross-department "
            "platforms",
            "范围单一：平台公司面向全市性、跨部门的平台",
        ),
        _Term(
            "state_capital",
            3,
            lambda c: c.local_soe_capacity,
            "Strong local state-owned capital to found a state-owned or state-controlled platform "
            "company",
            "本地国有资本实力强，可组建全国资或国资控股的平台公司",
            "Weak local state-owned capital: a platform company needs a strong state sponsor",
            "本地国有资本薄弱：平台公司需要有实力的国资背景",
        ),
        _Term(
            "permanent_operator",
            2,
            long_horizon,
            "Long horizon: a platform company is a permanent local operator",
            "运营期长：平台公司是长期的本地运营主体",
            "Short horizon: a platform company is a standing institution, not a project vehicle",
            "运营期短：平台公司是常设机构而非单一项目载体",
        ),
        _Term(
            "state_control",
            1.5,
            lambda c: c.security_sensitivity,
            "Sensitive data and systems: state control and authorised data operation keep "
            "control and data security with the government",
            "数据和系统敏感：国资控股和政务数据授权运营有利于政府掌控和数据安全",
            "Little need for state control of data and systems",
            "对数据和系统的国资控制需求不高",
        ),
        _Term(
            "foundational",
            1,
            lambda c: c.public_good,
            "Foundational public platform (基础性、支撑性、公共性)",
            "基础性、支撑性、公共性平台",
            "Commercial service: outside a platform company's foundational remit",
            "经营性服务：不属于平台公司的基础性职能",
        ),
        _Term(
            "portfolio_scale",
            1,
            size,
            "A large programme to integrate under one company",
            "项目规模大，值得由一家公司统筹",
            "Small project: not worth a platform company",
            "项目规模小：不值得由平台公司承担",
        ),
    ),
    M.JOINT: (
        _Term(
            "continuous_operations",
            2.5,
            long_horizon,
            "Continuous long-term operations: a joint company puts down roots with a resident "
            "local team",
            "需要长期持续运营：联合公司在本地扎根并配备常驻团队",
            "Short horizon: a joint company needs long commitment from both partners",
            "运营期短：联合公司需要双方长期投入",
        ),
        _Term(
            "soe_partner",
            2,
            lambda c: c.local_soe_capacity,
            "A capable local state-owned partner for the joint company",
            "有能力的本地国有企业可作为合资方",
            "No strong local state-owned partner",
            "缺少有实力的本地国有合资方",
        ),
        _Term(
            "specialist_partner",
            2,
            lambda c: c.supplier_market_maturity,
            "Specialist firms available to bring technology and professional operations",
            "有具备技术和专业运营能力的领域企业",
            "No specialist firm to bring professional operations",
            "缺少能提供专业运营的领域企业",
        ),
        _Term(
            "operations_heavy",
            1.5,
            lambda c: 1 - c.construction_share,
            "Operations-heavy (apps, services, data): the joint company's professional field",
            "以运营为主（应用、服务、数据）：正是联合公司的专业领域",
            "Engineering-heavy: a joint company is an operator, not a works contractor",
            "以工程为主：联合公司是运营者而非工程承包商",
        ),
        _Term(
            "market_revenue",
            1.5,
            lambda c: c.user_payment_share,
            "Room for user and value-added revenue (e.g. data services) shared by the partners",
            "有使用者付费和增值服务（如数据增值服务）收入，由合作双方分享",
            "Little market revenue: the company would live on government payment alone",
            "市场化收入少：公司只能依靠政府付费",
        ),
        _Term(
            "stable_demand",
            1,
            lambda c: c.demand_stability,
            "Stable user demand to build long-term operations on",
            "用户需求稳定，可支撑长期运营",
            "Unstable demand: a weak base for a long-term joint venture",
            "需求不稳定：难以支撑长期合资经营",
        ),
        _Term(
            "domain_focus",
            1,
            lambda c: 1 - c.cross_department,
            "A defined domain: joint companies enter through one domain (e.g. citizen-service "
            "apps)",
            "领域明确：联合公司通常以特定领域（如市民服务APP）为切入点",
            "City-wide scope across all departments: that is the platform company's remit",
            "覆盖全市所有部门：属于平台公司的职能",
        ),
    ),
    M.DBB: (
        _Term(
            "engineering",
            3,
            lambda c: c.construction_share,
            "Works project: DBB (design-bid-build) is a traditional works delivery",
            "工程类项目：DBB（设计-招标-建造）是传统的工程建设方式",
            "Little engineering: DBB is a works delivery",
            "工程量小：DBB是工程建设方式",
        ),
        _Term(
            "modest_scope",
            2,
            lambda c: 1 - size(c),
            "Modest size: the owner can manage separate design and construction contracts",
            "规模适中：业主可以分别管理设计和施工合同",
            "Large, complex programme: many separate contracts leave the interfaces with the owner",
            "规模大、复杂：多个分包合同的接口风险留给业主",
        ),
        _Term(
            "government_funded",
            2,
            lambda c: c.fiscal_room,
            "The budget can fund the works",
            "财政可以承担建设投资",
            "Tight budget: DBB is paid from government investment during the build",
            "财政紧张：DBB在建设期由政府投资支付",
        ),
        _Term(
            "short_build",
            1.5,
            short_horizon,
            "Short build window: the contracts end at acceptance",
            "建设周期短：合同止于验收",
            "Long operation horizon: DBB ends at acceptance, operations need another arrangement",
            "运营期长：DBB止于验收，运营需另行安排",
        ),
        _Term(
            "public_works",
            1,
            lambda c: c.public_good,
            "Public, non-commercial works",
            "公共、非经营性工程",
            "Commercial project: DBB has no mechanism for user revenue",
            "经营性项目：DBB没有使用者收益机制",
        ),
    ),
    M.SELF_BUILT: (
        _Term(
            "security",
            3.5,
            lambda c: c.security_sensitivity,
            "Security-sensitive: enterprise operation fits projects 'not involving national "
            "security', so this one may stay in-house",
            "安全敏感：政府投资企业运营适用于不涉及国家安全的项目，本项目宜自建自营",
            "Not security-sensitive: no reason to keep it in-house",
            "不涉及安全敏感：没有必要自建自营",
        ),
        _Term(
            "no_market",
            2.5,
            lambda c: 1 - c.supplier_market_maturity,
            "No mature supplier market to buy from",
            "缺少成熟的服务商市场",
            "Mature supplier market: buy the service rather than build it in-house",
            "服务商市场成熟：应购买服务而非自建",
        ),
        _Term(
            "government_funded",
            1.5,
            lambda c: c.fiscal_room,
            "The budget can fund building and running it",
            "财政可以承担建设和运行",
            "Tight budget: self-building puts all cost on the budget",
            "财政紧张：自建自营的全部成本由财政承担",
        ),
        _Term(
            "core_duty",
            1,
            lambda c: c.public_good,
            "Core public duty",
            "属于核心公共职能",
            "Commercial service: not a government duty to run itself",
            "经营性服务：不属于政府自行运营的职责",
        ),
        _Term(
            "policy",
            2,
            lambda c: 0.0,
            "",
            "",
            "National e-government rules ask to reduce self-built, self-managed, self-used, "
            "self-maintained systems",
            "《国家政务信息化项目建设管理办法》要求减少自建自管自用自维",
        ),
    ),
}


def _purchase_over_term_en(c: Characteristics) -> str:
    return (
        f"Operation horizon of {c.operation_horizon_years} years exceeds the 3-year maximum: "
        "plan re-procurement (a renewable 1-year contract may be renewed at most twice) and "
        "the performance evaluations it requires"
    )


def _purchase_over_term_zh(c: Characteristics) -> str:
    return (
        f"运营期{c.operation_horizon_years}年超过3年上限：需安排重新采购（1年期合同最多续签两次）"
        "并开展相应的绩效评价"
    )


def _epc_after_handover_en(c: Characteristics) -> str:
    return (
        f"Operations must run {c.operation_horizon_years} years, beyond the EPC contract: "
        "procure them separately or hand them to a platform or joint company"
    )


def _epc_after_handover_zh(c: Characteristics) -> str:
    return (
        f"项目需运营{c.operation_horizon_years}年，超出EPC合同范围：需另行采购运营服务，"
        "或交由平台公司、联合公司运营"
    )


_RISKS: dict[OperationModel, tuple[_Risk, ...]] = {
    M.PURCHASE: (
        _Risk(
            "supplier_churn",
            "Contract term generally ≤1 year, at most 3: supplier churn, unstable quality, weak "
            "local talent",
            "合同期限一般不超过1年、最长3年：服务商更替频繁、质量不稳定、本地人才薄弱",
        ),
        _Risk(
            "term_exceeded",
            _purchase_over_term_en,
            _purchase_over_term_zh,
            lambda c: c.operation_horizon_years > 3,
        ),
        _Risk(
            "negative_list",
            "Works make up much of the investment: works and works bundled with services may not "
            "be bought as a service (negative list, 财政部令第102号)",
            "工程占投资比重大：工程及工程与服务打包不得作为政府购买服务（负面清单，财政部令第102号）",
            lambda c: c.construction_share >= 0.5,
        ),
    ),
    M.PPP: (
        _Risk(
            "hidden_debt",
            "Hidden-debt risk: short-term government debt turned long-term and off the books",
            "隐性债务风险：容易将政府短期债务长期化、显性债务隐性化，带来监管风险",
        ),
        _Risk(
            "lead_time",
            "2–3 years from idea to signing; forming the SPV can take over a year after the award",
            "从谋划到落地通常需要2–3年，部分项目从社会资本中标到成立项目公司超过1年",
        ),
        _Risk(
            "hard_to_measure",
            "IT services are hard to measure precisely: concession term, price, responsibilities "
            "and supervision are hard to set and adjust",
            "信息系统和软件服务难以精确计量：特许期、价格、权责划分和监管难以确定和调整",
        ),
        _Risk(
            "fiscal_red_line",
            "Little fiscal room: check the 10% red line before any new PPP (all PPP liabilities "
            "≤10% of general public budget expenditure; above 5% no new government-pay PPP, "
            "财金〔2019〕10号)",
            "财政空间小：新上PPP前须核查10%红线（全部PPP支出责任不超过一般公共预算支出10%，"
            "超过5%不得新上政府付费项目，财金〔2019〕10号）",
            lambda c: c.fiscal_room < 0.4,
        ),
        _Risk(
            "low_user_payment",
            "User payment below 10%: packaging unrelated government-pay items with a little user "
            "payment is refused (财金〔2019〕10号); new PPPs since 2023 must be user-paid "
            "concessions in the main with no new fiscal burden (国办函〔2023〕115号)",
            "使用者付费低于10%：无实质关联的政府付费项目打捆包装为少量使用者付费项目的不予入库"
            "（财金〔2019〕10号）；2023年后新项目应以使用者付费为主、全部采取特许经营、不新增"
            "地方财政支出（国办函〔2023〕115号）",
            lambda c: c.user_payment_share < 0.1,
        ),
    ),
    M.EPC: (
        _Risk(
            "build_operate_gap",
            "Build–operate separation: nobody owns operations after acceptance; plan the "
            "operations handover",
            "建运分离：建成后无人负责运营，需加强建成后的运营衔接",
        ),
        _Risk(
            "operations_not_covered",
            _epc_after_handover_en,
            _epc_after_handover_zh,
            lambda c: c.operation_horizon_years > 3,
        ),
    ),
    M.PLATFORM: (
        _Risk(
            "one_per_locality",
            "One per locality: usually only one platform company is set up in a locality",
            "一个地方一般只设立一家平台公司",
        ),
        _Risk(
            "few_boundaries",
            "Few hard boundaries: projects given to the platform company are usually not bounded",
            "边界不明确：交给平台公司的项目一般不设明确边界",
        ),
        _Risk(
            "needs_supervision",
            "Needs strong supervision and assessment: the government supervises, the company "
            "operates (管运分离)",
            "需要强有力的监督考核：政府监管、公司运营（管运分离）",
        ),
    ),
    M.JOINT: (
        _Risk(
            "balanced_interests",
            "Needs balanced interests between the state-owned and the private partner",
            "需要平衡国有方与民营方的利益",
        ),
        _Risk(
            "long_commitment",
            "Needs long commitment: a resident local team and years of continuous investment",
            "需要长期投入：本地常驻团队和持续多年的投入",
        ),
    ),
    M.DBB: (
        _Risk(
            "owner_interfaces",
            "Separate design and construction contracts: interface, schedule and overrun risks "
            "stay with the owner",
            "设计、施工分别发包：接口、工期和超支风险由业主承担",
        ),
        _Risk(
            "build_operate_gap",
            "As with EPC, operations after acceptance are nobody's job",
            "与EPC相同，验收后的运营无人负责",
        ),
    ),
    M.SELF_BUILT: (
        _Risk(
            "in_house_capacity",
            "In-house operation: thin professional operations capacity and talent; the trend is "
            "professional operation by specialists",
            "自建自营：专业运营能力和人才不足，与专业化运营的趋势相悖",
        ),
    ),
}

# The term of each model whose fit scales its score: score = 100 * mean * (0.5 + 0.5 * fit).
_PREREQUISITE: dict[OperationModel, str] = {
    M.PURCHASE: "services_not_works",  # negative list: works may not be bought as services
    M.PPP: "large_investment",  # "fits large investment"
    M.EPC: "engineering_heavy",  # "large engineering-heavy projects"
    M.PLATFORM: "state_capital",  # a wholly state-owned or state-controlled company
    M.JOINT: "continuous_operations",  # "needs ... long commitment"
    M.DBB: "engineering",  # a works delivery
    M.SELF_BUILT: "security",  # enterprise operation fits projects not involving national security
}

MODEL_ORDER: tuple[OperationModel, ...] = tuple(OperationModel)


def _text(value: str | Callable[[Characteristics], str], c: Characteristics) -> str:
    return value(c) if callable(value) else value


def assess(model: OperationModel, c: Characteristics) -> ModelAssessment:
    """Score one model (see the module docstring)."""
    terms = _TERMS[model]
    total_weight = sum(t.weight for t in terms)
    fits = [TermFit(t.code, t.weight, _clamp(float(t.fit(c)))) for t in terms]
    mean = sum(f.weight * f.fit for f in fits) / total_weight
    prerequisite = next(f for f in fits if f.code == _PREREQUISITE[model])
    score = round(100 * mean * (0.5 + 0.5 * prerequisite.fit), 1)
    reasons_for, reasons_against = [], []
    for term, tf in zip(terms, fits, strict=True):
        if tf.fit >= FOR_THRESHOLD and term.for_en:
            reasons_for.append(Reason(f"{model.value}.{term.code}", term.for_en, term.for_zh))
        elif tf.fit <= AGAINST_THRESHOLD and term.against_en:
            reasons_against.append(
                Reason(f"{model.value}.{term.code}", term.against_en, term.against_zh)
            )
    risks = [
        Reason(f"{model.value}.{r.code}", _text(r.en, c), _text(r.zh, c))
        for r in _RISKS[model]
        if (r.when or _always)(c)
    ]
    return ModelAssessment(
        model, score, reasons_for, reasons_against, risks, fits, prerequisite.code
    )


def advise(c: Characteristics) -> Advice:
    """Rank all seven operation models for the characteristics, best first."""
    assessments = [assess(m, c) for m in MODEL_ORDER]
    ranking = sorted(assessments, key=lambda a: (-a.score, MODEL_ORDER.index(a.model)))
    return Advice(characteristics=c, ranking=ranking)
