"""Contract rules, service packages, payments and reminders: pure Python, no Django.

Purchase-of-services contracts (《政府购买服务管理办法》财政部令第102号, from 2020-03-01):

- **Term** (art. 24): generally ≤ 1 year; up to 3 years only where the content is fixed,
  continuity strong, funding stable and prices steady, all four stated. Renewals count: a
  1-year contract renewed year by year is a multi-year arrangement, so once its total (term ×
  (1 + renewals), capped by a stated ``total_term_max_years``) exceeds 1 year it needs the four
  conditions too, and it may not exceed 3 years in all (the Haidian security-monitoring contract
  of ``cases.yaml``: 1 year, renewals_max 2, 3 years in all, passes with the four conditions).
  Terms are in years (Decimal); ``term_years(start, end)`` measures a dated period (whole months
  ÷ 12, both ends inclusive). Contracts signed before 2020-03-01 are not checked against art. 24.
- **Contents** (art. 23): content, term, quantity, quality, price, settlement, rights and
  obligations, liability for breach: each must be present.
- **Performance deposit** ≤ 10% of the contract amount (政府采购法实施条例 art. 48): exactly 10%
  passes, 10.5% is refused.
- **Amendments**: every amendment states its reason (政府采购法 art. 50: no unilateral change);
  an amount that moves more than 10% away from the original signed amount, all amendments
  together, is flagged (warn) when a reason is stated and blocked when not: the 10% is the cap
  on supplementary contracts (art. 49) and on single-source follow-ons (art. 31(3)). A term
  extension is checked against art. 24 like a new term and refused beyond it.
- **Service packages** (the Guangzhou whole-life-cycle package "基础服务 + 增值服务"): base items
  at a fixed price per period, plus value-added items at unit price × quantity, optionally
  tiered by volume bands, either *graduated* (each band's units at that band's price, like
  income tax) or *all units* (the band the whole quantity reaches prices every unit). Bands
  restart each period. Every line is rounded to 0.01万元 (ROUND_HALF_UP) and totals are sums of
  rounded lines.
- **Milestones and payments**: shares of the amount that sum to exactly 100%; each payment is
  the share × the amount rounded to 0.01万元, the last taking the rounding remainder so the
  schedule adds up to the amount; a payment is payable once its milestone is accepted.
- **Reminders**: ``reminders(contracts, today, days=(90, 30, 7))``: an active contract whose end
  is at most N days away gets the reminder of the tightest such N once (``reminded`` lists those
  already sent): a renewal reminder to the buyer and the supplier when a renewal is still
  allowed, otherwise an expiry reminder to the buyer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from . import ProcurementInputError
from .rules import LAW, LAW_FROM, REGULATION, REGULATION_FROM, Citation, Finding, Severity

ORDER_102 = "《政府购买服务管理办法》(财政部令第102号)"
ORDER_102_FROM = dt.date(2020, 3, 1)
ART_23 = Citation(ORDER_102, "第二十三条 / art. 23", ORDER_102_FROM)
ART_24 = Citation(ORDER_102, "第二十四条 / art. 24", ORDER_102_FROM)
REG_ART_48 = Citation(REGULATION, "第四十八条 / art. 48", REGULATION_FROM)
LAW_ART_49 = Citation(LAW, "第四十九条 / art. 49", LAW_FROM)
LAW_ART_50 = Citation(LAW, "第五十条 / art. 50", LAW_FROM)

GENERAL_TERM_YEARS = Decimal(1)
MAX_TERM_YEARS = Decimal(3)
DEPOSIT_CAP_SHARE = Decimal("0.10")
AMENDMENT_CAP_SHARE = Decimal("0.10")
CENT = Decimal("0.01")  # 0.01万元 = 100 元, the platform's unit of display

# art. 24: the four conditions for a term over one year
TERM_CONDITIONS = (
    ("content_fixed", "content fixed", "购买内容相对固定"),
    ("continuity_strong", "strong continuity", "连续性强"),
    ("funding_stable", "stable funding", "经费来源稳定"),
    ("prices_stable", "stable prices", "价格变化幅度小"),
)

# art. 23: what a purchase-of-services contract must state
REQUIRED_CONTENTS: Mapping[str, tuple[str, str]] = {
    "content": ("服务内容", "content"),
    "term": ("期限", "term"),
    "quantity": ("数量", "quantity"),
    "quality": ("质量", "quality"),
    "price": ("价格", "price"),
    "settlement": ("资金结算方式", "settlement"),
    "rights": ("各方权利义务事项", "rights and obligations"),
    "liability": ("违约责任", "liability for breach"),
}


# ---------------------------------------------------------------------------------------------
# Helpers


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _num(value: Decimal | int) -> str:
    text = format(Decimal(value).normalize(), "f")
    return "0" if text in ("-0", "") else text


def _pct(share: Decimal) -> str:
    return f"{_num((Decimal(share) * 100).quantize(Decimal('0.01')))}%"


def _decimal(value, name: str, en: str, zh: str, *, positive: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ProcurementInputError(name, f"The {en} must be a decimal number.", f"{zh}必须是十进制数。")
    value = Decimal(value)
    if not value.is_finite():
        raise ProcurementInputError(name, f"The {en} must be a finite number.", f"{zh}必须是有限数值。")
    if value < 0 or (positive and value == 0):
        word_en, word_zh = ("above zero", "大于零") if positive else ("zero or more", "不小于零")
        raise ProcurementInputError(
            name, f"The {en} must be {word_en} (got {_num(value)}).", f"{zh}必须{word_zh}（当前为 {_num(value)}）。"
        )
    return value


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def term_years(start: dt.date, end: dt.date) -> Decimal:
    """The length of ``start``..``end`` (both inclusive) in years: whole months ÷ 12 when the
    period is whole months (2024-01-01..2024-12-31 = 1), else days ÷ 365; to 0.0001."""
    if end < start:
        raise ProcurementInputError(
            "end_on", "The end date is before the start date.", "结束日期早于开始日期。"
        )
    after = end + dt.timedelta(days=1)
    months = (after.year - start.year) * 12 + (after.month - start.month)
    if months > 0 and _add_months(start, months) == after:
        return (Decimal(months) / 12).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    # to 0.0001, so that a day over a year (366 ÷ 365 = 1.0027) still counts as over
    return (Decimal((after - start).days) / 365).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# Term (art. 24)


@dataclass(frozen=True)
class TermFacts:
    term_years: Decimal  # one contract's term
    renewals_max: int = 0  # how many times it may be renewed
    total_term_max_years: Decimal | None = None  # a stated cap on the term with renewals
    content_fixed: bool = False  # 购买内容相对固定
    continuity_strong: bool = False  # 连续性强
    funding_stable: bool = False  # 经费来源稳定
    prices_stable: bool = False  # 价格变化幅度小
    signed_on: dt.date | None = None  # picks the rule in force; None = judged by today's rule


def total_term(facts: TermFacts) -> Decimal:
    """The term with every renewal, within the stated cap if any."""
    total = Decimal(facts.term_years) * (1 + facts.renewals_max)
    if facts.total_term_max_years is not None:
        total = min(total, Decimal(facts.total_term_max_years))
    return total


def check_term(facts: TermFacts) -> list[Finding]:
    """Findings against 102号令 art. 24 (empty: the term is lawful)."""
    term = _decimal(facts.term_years, "term_years", "contract term", "合同期限", positive=True)
    if isinstance(facts.renewals_max, bool) or not isinstance(facts.renewals_max, int) or (
        facts.renewals_max < 0
    ):
        raise ProcurementInputError(
            "renewals_max", "Renewals must be a whole number, 0 or more.", "续签次数必须是不小于 0 的整数。"
        )
    if facts.total_term_max_years is not None:
        _decimal(facts.total_term_max_years, "total_term_max_years", "total term", "总期限",
                 positive=True)
    if facts.signed_on is not None and facts.signed_on < ORDER_102_FROM:
        return []
    total = total_term(facts)
    stated_total = facts.total_term_max_years
    numbers = {"term_years": term, "renewals_max": Decimal(facts.renewals_max),
               "total_years": total, "general_years": GENERAL_TERM_YEARS,
               "max_years": MAX_TERM_YEARS}
    if term > MAX_TERM_YEARS:
        return [Finding(
            "term.too_long", Severity.BLOCK, ART_24,
            f"合同期限 {_num(term)} 年，超过最长 {_num(MAX_TERM_YEARS)} 年。",
            f"A contract term of {_num(term)} years is longer than the maximum of "
            f"{_num(MAX_TERM_YEARS)} years.",
            numbers,
        )]
    if total > MAX_TERM_YEARS or (stated_total is not None and stated_total > MAX_TERM_YEARS):
        shown = max(total, stated_total or total)
        return [Finding(
            "term.renewals_too_long", Severity.BLOCK, ART_24,
            f"合同期限 {_num(term)} 年、可续签 {facts.renewals_max} 次，总期限 {_num(shown)} 年，"
            f"超过最长 {_num(MAX_TERM_YEARS)} 年。",
            f"A {_num(term)}-year term renewable {facts.renewals_max} time(s) runs "
            f"{_num(shown)} years in all, longer than the maximum of {_num(MAX_TERM_YEARS)}.",
            {**numbers, "total_years": shown},
        )]
    if total > GENERAL_TERM_YEARS:
        missing = [(en, zh) for attr, en, zh in TERM_CONDITIONS if not getattr(facts, attr)]
        if missing:
            renew_zh = f"（含续签 {facts.renewals_max} 次）" if facts.renewals_max else ""
            renew_en = f" (with {facts.renewals_max} renewal(s))" if facts.renewals_max else ""
            return [Finding(
                "term.conditions_missing", Severity.BLOCK, ART_24,
                f"总期限 {_num(total)} 年{renew_zh}超过 {_num(GENERAL_TERM_YEARS)} 年，须同时满足"
                f"购买内容相对固定、连续性强、经费来源稳定、价格变化幅度小四个条件；未满足："
                f"{'、'.join(zh for _, zh in missing)}。",
                f"A total term of {_num(total)} years{renew_en} is longer than "
                f"{_num(GENERAL_TERM_YEARS)} year: all four conditions (content fixed, strong "
                "continuity, stable funding, stable prices) are needed; missing: "
                f"{', '.join(en for en, _ in missing)}.",
                numbers,
            )]
    return []


# ---------------------------------------------------------------------------------------------
# Contents (art. 23) and the performance deposit


def check_contents(present: Mapping[str, str] | Iterable[str]) -> list[Finding]:
    """Art. 23: every required content present. A mapping counts a non-blank value as present;
    an iterable lists the codes present. Unknown codes are an error."""
    if isinstance(present, Mapping):
        codes = {k for k, v in present.items() if v is not None and str(v).strip()}
        named = set(present)
    else:
        codes = set(present)
        named = codes
    for code in named:
        if code not in REQUIRED_CONTENTS:
            raise ProcurementInputError(
                "contents",
                f"Unknown contract content {code!r} (one of: {', '.join(REQUIRED_CONTENTS)}).",
                f"未知的合同内容项“{code}”。",
            )
    missing = [c for c in REQUIRED_CONTENTS if c not in codes]
    if not missing:
        return []
    return [Finding(
        "contract.contents_missing", Severity.BLOCK, ART_23,
        f"政府购买服务合同应当明确：{'、'.join(REQUIRED_CONTENTS[c][0] for c in missing)}（缺失）。",
        f"The contract must state its {', '.join(REQUIRED_CONTENTS[c][1] for c in missing)} "
        "(missing).",
        {"missing": Decimal(len(missing))},
    )]


def check_deposit(contract_amount_wan: Decimal, deposit_wan: Decimal) -> list[Finding]:
    """实施条例 art. 48: the performance deposit ≤ 10% of the contract amount."""
    amount = _decimal(contract_amount_wan, "amount_wan", "contract amount", "合同金额", positive=True)
    deposit = _decimal(deposit_wan, "deposit_wan", "performance deposit", "履约保证金")
    share = deposit / amount
    if share <= DEPOSIT_CAP_SHARE:
        return []
    cap = _q(amount * DEPOSIT_CAP_SHARE)
    return [Finding(
        "contract.deposit_over_cap", Severity.BLOCK, REG_ART_48,
        f"履约保证金 {_num(deposit)}万元，占合同金额 {_num(amount)}万元 的 {_pct(share)}，超过 "
        f"{_pct(DEPOSIT_CAP_SHARE)}（上限 {_num(cap)}万元）。",
        f"A performance deposit of {_num(deposit)}万元 is {_pct(share)} of the contract amount "
        f"of {_num(amount)}万元, above {_pct(DEPOSIT_CAP_SHARE)} (cap {_num(cap)}万元).",
        {"amount_wan": amount, "deposit_wan": deposit, "share": share, "cap_wan": cap},
    )]


# ---------------------------------------------------------------------------------------------
# A contract as a whole


@dataclass(frozen=True)
class ContractFacts:
    contract_id: str
    title: str
    amount_wan: Decimal  # the amount as signed (amendments are measured against it)
    start_on: dt.date
    end_on: dt.date
    owner: str = ""  # the buyer department: who gets reminders
    supplier: str = ""
    signed_on: dt.date | None = None
    renewals_max: int = 0
    renewals_used: int = 0  # renewals already made (this contract is the n-th renewal)
    total_term_max_years: Decimal | None = None
    content_fixed: bool = False
    continuity_strong: bool = False
    funding_stable: bool = False
    prices_stable: bool = False
    contents: frozenset[str] = frozenset()  # art. 23 codes present, see REQUIRED_CONTENTS
    deposit_wan: Decimal = Decimal(0)
    active: bool = True  # signed and in force
    reminded: frozenset[int] = frozenset()  # reminder thresholds (days) already sent

    def term_facts(self, end_on: dt.date | None = None) -> TermFacts:
        return TermFacts(
            term_years=term_years(self.start_on, end_on or self.end_on),
            renewals_max=self.renewals_max,
            total_term_max_years=self.total_term_max_years,
            content_fixed=self.content_fixed,
            continuity_strong=self.continuity_strong,
            funding_stable=self.funding_stable,
            prices_stable=self.prices_stable,
            signed_on=self.signed_on,
        )


def check_contract(c: ContractFacts) -> list[Finding]:
    """Term, contents and deposit of one contract."""
    _decimal(c.amount_wan, "amount_wan", "contract amount", "合同金额", positive=True)
    return check_term(c.term_facts()) + check_contents(c.contents) + check_deposit(
        c.amount_wan, c.deposit_wan
    )


@dataclass(frozen=True)
class AmendmentFacts:
    reason: str
    amount_before_wan: Decimal
    amount_after_wan: Decimal
    end_before: dt.date
    end_after: dt.date


def check_amendment(contract: ContractFacts, amendment: AmendmentFacts) -> list[Finding]:
    """Findings against an amendment of ``contract`` (its signed amount and dates)."""
    original = _decimal(contract.amount_wan, "amount_wan", "contract amount", "合同金额",
                        positive=True)
    _decimal(amendment.amount_before_wan, "amount_before_wan", "amount before", "变更前金额",
             positive=True)
    after = _decimal(amendment.amount_after_wan, "amount_after_wan", "amount after", "变更后金额",
                     positive=True)
    if amendment.end_after < contract.start_on:
        raise ProcurementInputError(
            "end_after", "The new end date is before the contract starts.", "变更后的结束日期早于合同开始日期。"
        )
    out: list[Finding] = []
    has_reason = bool(amendment.reason and amendment.reason.strip())
    if not has_reason:
        out.append(Finding(
            "amendment.reason_missing", Severity.BLOCK, LAW_ART_50,
            "合同变更须说明理由，双方不得擅自变更合同。",
            "An amendment must state its reason: a contract may not be changed at will.",
        ))
    change = after - original
    share = abs(change) / original
    if share > AMENDMENT_CAP_SHARE:
        direction_zh, direction_en = ("增加", "up") if change > 0 else ("减少", "down")
        out.append(Finding(
            "amendment.amount_over_cap",
            Severity.WARN if has_reason else Severity.BLOCK,
            LAW_ART_49,
            f"合同金额由原 {_num(original)}万元 {direction_zh}至 {_num(after)}万元，变动 "
            f"{_pct(share)}，超过原合同金额的 {_pct(AMENDMENT_CAP_SHARE)}"
            f"{'，已说明理由，提请复核' if has_reason else '，须说明理由'}（补充合同累计不得超过"
            "原合同金额 10%，超出部分一般应重新采购）。",
            f"The amount moves {direction_en} from the original {_num(original)}万元 to "
            f"{_num(after)}万元, {_pct(share)}, beyond {_pct(AMENDMENT_CAP_SHARE)} of the original"
            f"{': flagged for review' if has_reason else ': a reason is required'} "
            "(supplementary contracts total at most 10% of the original; beyond that a new "
            "procurement is normally needed).",
            {"original_wan": original, "amount_after_wan": after, "change_wan": change,
             "share": share},
        ))
    if amendment.end_after != amendment.end_before:
        for f in check_term(contract.term_facts(amendment.end_after)):
            out.append(Finding(
                f"amendment.{f.code}", f.severity, f.citation,
                f"变更后（至 {amendment.end_after.isoformat()}）：{f.message_zh}",
                f"After the amendment (to {amendment.end_after.isoformat()}): {f.message_en}",
                f.numbers,
            ))
    return out


# ---------------------------------------------------------------------------------------------
# Service packages with tiered pricing (Guangzhou: base service + value-added services)


class TierMode(StrEnum):
    GRADUATED = "graduated"  # each band's units at that band's price
    ALL_UNITS = "all_units"  # the band the whole quantity reaches prices every unit


@dataclass(frozen=True)
class PriceBand:
    """Units numbered above ``from_quantity`` (up to the next band's) cost ``unit_price_wan``."""

    from_quantity: Decimal
    unit_price_wan: Decimal


@dataclass(frozen=True)
class BaseService:
    key: str
    name_zh: str
    price_per_period_wan: Decimal
    name_en: str = ""


@dataclass(frozen=True)
class ValueAddedService:
    key: str
    name_zh: str
    bands: tuple[PriceBand, ...]  # one band = a flat unit price
    unit_zh: str = "项"
    name_en: str = ""
    unit_en: str = "unit"
    mode: TierMode = TierMode.GRADUATED


@dataclass(frozen=True)
class ServicePackage:
    name_zh: str
    base: tuple[BaseService, ...] = ()
    value_added: tuple[ValueAddedService, ...] = ()
    period_zh: str = "年"
    period_en: str = "year"


@dataclass(frozen=True)
class PriceLine:
    key: str
    tier: str  # "base" or "value_added"
    name_zh: str
    name_en: str
    quantity: Decimal
    amount_wan: Decimal
    formula_zh: str
    formula_en: str


@dataclass(frozen=True)
class PeriodPrice:
    period: int  # 1 = the first period of the term
    lines: tuple[PriceLine, ...]
    base_wan: Decimal
    value_added_wan: Decimal

    @property
    def total_wan(self) -> Decimal:
        return self.base_wan + self.value_added_wan


@dataclass(frozen=True)
class TermPrice:
    periods: tuple[PeriodPrice, ...]

    @property
    def base_wan(self) -> Decimal:
        return sum((p.base_wan for p in self.periods), Decimal(0))

    @property
    def value_added_wan(self) -> Decimal:
        return sum((p.value_added_wan for p in self.periods), Decimal(0))

    @property
    def total_wan(self) -> Decimal:
        return self.base_wan + self.value_added_wan


def validate_package(package: ServicePackage) -> None:
    keys: set[str] = set()
    for i, b in enumerate(package.base):
        where = f"base[{i}]"
        if not b.key or b.key in keys:
            raise ProcurementInputError(f"{where}.key", "Each item needs its own key.", "每个服务项须有唯一代码。")
        keys.add(b.key)
        _decimal(b.price_per_period_wan, f"{where}.price_per_period_wan", "price per period",
                 "每期价格")
    for i, v in enumerate(package.value_added):
        where = f"value_added[{i}]"
        if not v.key or v.key in keys:
            raise ProcurementInputError(f"{where}.key", "Each item needs its own key.", "每个服务项须有唯一代码。")
        keys.add(v.key)
        try:
            TierMode(v.mode)
        except ValueError:
            raise ProcurementInputError(
                f"{where}.mode", f"Unknown tier mode {v.mode!r}.", f"未知的阶梯计价方式“{v.mode}”。"
            ) from None
        if not v.bands:
            raise ProcurementInputError(f"{where}.bands", "At least one price band is needed.", "至少需要一个价格档位。")
        previous = None
        for j, band in enumerate(v.bands):
            start = _decimal(band.from_quantity, f"{where}.bands[{j}].from_quantity",
                             "band start", "档位起点")
            _decimal(band.unit_price_wan, f"{where}.bands[{j}].unit_price_wan", "unit price", "单价")
            if j == 0 and start != 0:
                raise ProcurementInputError(
                    f"{where}.bands[0].from_quantity", "The first band must start at 0.", "第一档须从 0 起。"
                )
            if previous is not None and start <= previous:
                raise ProcurementInputError(
                    f"{where}.bands[{j}].from_quantity",
                    "Bands must start at increasing quantities.",
                    "各档起点须递增。",
                )
            previous = start


def _value_added_amount(v: ValueAddedService, quantity: Decimal) -> tuple[Decimal, str, str]:
    bands = v.bands
    if quantity == 0:
        return Decimal(0), "0", "0"
    if TierMode(v.mode) is TierMode.ALL_UNITS or len(bands) == 1:
        band = [b for b in bands if b.from_quantity < quantity][-1]
        amount = quantity * band.unit_price_wan
        text = f"{_num(quantity)} × {_num(band.unit_price_wan)}"
        return _q(amount), text, text
    parts, amount = [], Decimal(0)
    for j, band in enumerate(bands):
        upper = bands[j + 1].from_quantity if j + 1 < len(bands) else None
        if quantity <= band.from_quantity:
            break
        units = (min(quantity, upper) if upper is not None else quantity) - band.from_quantity
        amount += units * band.unit_price_wan
        parts.append(f"{_num(units)} × {_num(band.unit_price_wan)}")
    text = " + ".join(parts)
    return _q(amount), text, text


def price_period(
    package: ServicePackage, quantities: Mapping[str, Decimal], period: int = 1
) -> PeriodPrice:
    """The price of one period: every base item, plus each value-added item at its quantity
    (items not named: quantity 0)."""
    validate_package(package)
    by_key = {v.key: v for v in package.value_added}
    for key, q in quantities.items():
        where = f"quantities[{period}].{key}"
        if key not in by_key:
            raise ProcurementInputError(
                where, f"Unknown value-added item {key!r}.", f"未知的增值服务项“{key}”。"
            )
        _decimal(q, where, "quantity", "数量")
    lines = []
    for b in package.base:
        amount = _q(Decimal(b.price_per_period_wan))
        lines.append(PriceLine(
            b.key, "base", b.name_zh, b.name_en or b.key, Decimal(1), amount,
            f"基础服务，每{package.period_zh} {_num(amount)}万元",
            f"base service, {_num(amount)}万元 per {package.period_en}",
        ))
    for v in package.value_added:
        q = Decimal(quantities.get(v.key, 0))
        amount, text, _ = _value_added_amount(v, q)
        mode_zh = "分档累进" if TierMode(v.mode) is TierMode.GRADUATED else "按总量所在档计价"
        mode_en = "graduated" if TierMode(v.mode) is TierMode.GRADUATED else "all units"
        lines.append(PriceLine(
            v.key, "value_added", v.name_zh, v.name_en or v.key, q, amount,
            f"{_num(q)} {v.unit_zh}（{mode_zh}）：{text} = {_num(amount)}万元",
            f"{_num(q)} {v.unit_en} ({mode_en}): {text} = {_num(amount)}万元",
        ))
    base = sum((line.amount_wan for line in lines if line.tier == "base"), Decimal(0))
    extra = sum((line.amount_wan for line in lines if line.tier == "value_added"), Decimal(0))
    return PeriodPrice(period, tuple(lines), base, extra)


def price_term(
    package: ServicePackage, quantities_by_period: Sequence[Mapping[str, Decimal]]
) -> TermPrice:
    """The price of the whole term: one mapping of value-added quantities per period."""
    if not quantities_by_period:
        raise ProcurementInputError(
            "quantities", "The term needs at least one period.", "合同期至少包含一期。"
        )
    return TermPrice(tuple(
        price_period(package, q, period) for period, q in enumerate(quantities_by_period, start=1)
    ))


# ---------------------------------------------------------------------------------------------
# Milestones and the payment schedule


@dataclass(frozen=True)
class MilestonePlan:
    key: str
    title: str
    due_on: dt.date
    share: Decimal  # of the contract amount, 0.30 = 30%
    acceptance: str = ""  # the acceptance criterion (验收标准)
    accepted_on: dt.date | None = None


@dataclass(frozen=True)
class ScheduledPayment:
    milestone_key: str
    title: str
    due_on: dt.date
    share: Decimal
    amount_wan: Decimal
    payable: bool  # its milestone has been accepted


def payment_schedule(
    amount_wan: Decimal,
    milestones: Sequence[MilestonePlan],
    *,
    start_on: dt.date | None = None,
    end_on: dt.date | None = None,
) -> list[ScheduledPayment]:
    """One payment per milestone, in due-date order; the shares must sum to exactly 100% and,
    when the contract period is given, the due dates fall inside it."""
    amount = _decimal(amount_wan, "amount_wan", "contract amount", "合同金额", positive=True)
    if not milestones:
        raise ProcurementInputError("milestones", "At least one milestone is needed.", "至少需要一个付款节点。")
    keys = set()
    for i, m in enumerate(milestones):
        where = f"milestones[{i}]"
        if not m.key or m.key in keys:
            raise ProcurementInputError(f"{where}.key", "Each milestone needs its own key.", "每个节点须有唯一代码。")
        keys.add(m.key)
        _decimal(m.share, f"{where}.share", "payment share", "付款比例", positive=True)
        if (start_on and m.due_on < start_on) or (end_on and m.due_on > end_on):
            raise ProcurementInputError(
                f"{where}.due_on",
                f"Milestone {m.key!r} is due {m.due_on.isoformat()}, outside the contract period.",
                f"节点“{m.key}”计划日期 {m.due_on.isoformat()} 不在合同期内。",
            )
    total = sum((Decimal(m.share) for m in milestones), Decimal(0))
    if total != 1:
        raise ProcurementInputError(
            "milestones",
            f"The payment shares sum to {_pct(total)}, not 100%.",
            f"各节点付款比例之和为 {_pct(total)}，应为 100%。",
        )
    ordered = sorted(milestones, key=lambda m: (m.due_on, m.key))
    out, paid = [], Decimal(0)
    for i, m in enumerate(ordered):
        value = amount - paid if i == len(ordered) - 1 else _q(amount * Decimal(m.share))
        paid += value
        out.append(ScheduledPayment(m.key, m.title, m.due_on, Decimal(m.share), value,
                                    m.accepted_on is not None))
    return out


# ---------------------------------------------------------------------------------------------
# Reminders


@dataclass(frozen=True)
class Reminder:
    contract_id: str
    title: str
    kind: str  # "renewal" or "expiry"
    threshold_days: int  # which reminder: 90, 30 or 7
    days_left: int
    end_on: dt.date
    recipients: tuple[str, ...]
    message_zh: str
    message_en: str


def renewal_allowed(c: ContractFacts) -> bool:
    """A renewal is left and the contract, renewed once more, stays within art. 24."""
    if c.renewals_used >= c.renewals_max:
        return False
    return not check_term(c.term_facts())


def reminders(
    contracts: Iterable[ContractFacts], today: dt.date, days: Sequence[int] = (90, 30, 7)
) -> list[Reminder]:
    """The reminders due today: for each active contract ending in 0..max(days) days, the
    tightest threshold it has reached, unless already sent (``reminded``)."""
    thresholds = sorted({int(d) for d in days})
    if not thresholds or thresholds[0] < 0:
        raise ProcurementInputError("days", "Reminder days must be 0 or more.", "提醒天数必须不小于 0。")
    out = []
    for c in contracts:
        if not c.active:
            continue
        left = (c.end_on - today).days
        if left < 0:
            continue
        reached = [d for d in thresholds if left <= d]
        if not reached or reached[0] in c.reminded:
            continue
        threshold = reached[0]
        if renewal_allowed(c):
            kind = "renewal"
            recipients = tuple(x for x in (c.owner, c.supplier) if x)
            zh = (f"合同“{c.title}”将于 {c.end_on.isoformat()} 到期（剩 {left} 天），尚可续签 "
                  f"{c.renewals_max - c.renewals_used} 次：请采购人决定是否续签，并与供应商确认。")
            en = (f"Contract “{c.title}” ends on {c.end_on.isoformat()} ({left} days left) and may "
                  f"be renewed {c.renewals_max - c.renewals_used} more time(s): the buyer decides "
                  "whether to renew and confirms with the supplier.")
        else:
            kind = "expiry"
            recipients = tuple(x for x in (c.owner,) if x)
            zh = (f"合同“{c.title}”将于 {c.end_on.isoformat()} 到期（剩 {left} 天），不能再续签："
                  "如仍需服务，请及时启动新的采购。")
            en = (f"Contract “{c.title}” ends on {c.end_on.isoformat()} ({left} days left) and "
                  "cannot be renewed: start a new procurement in time if the service is still "
                  "needed.")
        out.append(Reminder(c.contract_id, c.title, kind, threshold, left, c.end_on, recipients,
                            zh, en))
    return sorted(out, key=lambda r: (r.days_left, r.contract_id))

