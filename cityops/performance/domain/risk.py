"""Supplier risk index (0–100, higher = riskier), the performance deposit it sets, and when an
insurance guarantee or a third-party audit is required (brief §4: performance deposit +
insurance guarantee + third-party audit; Haidian links a supplier's credit level to its deposit
ratio dynamically).

Factors (each scored 0–100, then weighted; defaults in ``RiskConfig``)
--------------------------------------------------------------------
==================  ======  =====================================================================
factor              weight  score
==================  ======  =====================================================================
credit              0.25    rating A 0, B 30, C 65, D 100; or a numeric credit score s (0–100,
                            higher = more creditworthy) → 100 − s; neither known → 50
sei_level           0.20    mean of the last 6 SEIs: ≥ 90 → 0, ≤ 50 → 100, linear between;
                            no history → 50 (a new supplier is neither proven nor failed)
sei_trend           0.10    least-squares slope of those SEIs: ≥ 0 → 0, ≤ −3 points per period
                            → 100, linear between; fewer than 3 periods → 0
late_deliveries     0.15    share of milestones delivered late: 0 → 0, ≥ 30% → 100, linear
challenges          0.10    upheld challenges (质疑) × 25 + upheld complaints × 10, at most 100
concentration       0.10    the supplier's share of the city's contract amount: ≤ 5% → 0,
                            ≥ 30% → 100, linear (a failure would hit many services at once)
qualification      0.10    days to the nearest expiry of a required qualification: ≥ 180 → 0,
                            expired (≤ 0) → 100, linear; no required qualification → 0
==================  ======  =====================================================================

index = Σ weight × score (weights sum to 1), reported to 0.1 (half up). A factor's
*contribution* is weight × score: the contributions add up to the index before rounding.

Deposit (``DepositPolicy``): tiers map the index to the deposit ratio [index ≥ 0: 2%, ≥ 30: 4%,
≥ 50: 6%, ≥ 70: 8%, ≥ 85: 10%]. 《政府采购法实施条例》 art. 48 caps the performance deposit at 10%
of the procurement contract amount: a tier above 10% is refused when the policy is built, and
the amount is never above 10% of the contract amount (the cap is rounded down to the cent, so
rounding never lifts a deposit over it). Insurance guarantee from index ≥ 50,
third-party audit from index ≥ 70 (configuration).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from numbers import Real

from .decimals import CENT, CTX, amount_of, decimal_of, sei_of
from .errors import PerformanceInputError
from .payment import sei_trend

LEGAL_DEPOSIT_CAP = Decimal("0.10")  # 《政府采购法实施条例》 art. 48
SOURCE_DEPOSIT_CAP = "《政府采购法实施条例》第四十八条"
TENTH = Decimal("0.1")


class CreditRating(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


RISK_LEVEL_LABELS = {
    RiskLevel.LOW: ("低", "low"),
    RiskLevel.MEDIUM: ("中", "medium"),
    RiskLevel.HIGH: ("高", "high"),
    RiskLevel.CRITICAL: ("严重", "critical"),
}

FACTOR_NAMES = {
    "credit": ("信用等级", "Credit rating"),
    "sei_level": ("服务效能水平", "SEI level"),
    "sei_trend": ("服务效能趋势", "SEI trend"),
    "late_deliveries": ("延期交付", "Late deliveries"),
    "challenges": ("质疑与投诉", "Challenges and complaints"),
    "concentration": ("集中度", "Concentration"),
    "qualification": ("资质到期", "Qualification expiry"),
}


def _ramp(x: float, good: float, bad: float) -> float:
    """0 at ``good``, 100 at ``bad`` (either order), linear between, clamped."""
    t = (x - good) / (bad - good)
    return 100.0 * min(1.0, max(0.0, t))


@dataclass(frozen=True)
class RiskConfig:
    weights: tuple[tuple[str, float], ...] = (
        ("credit", 0.25),
        ("sei_level", 0.20),
        ("sei_trend", 0.10),
        ("late_deliveries", 0.15),
        ("challenges", 0.10),
        ("concentration", 0.10),
        ("qualification", 0.10),
    )
    rating_scores: tuple[tuple[str, float], ...] = (
        ("A", 0.0),
        ("B", 30.0),
        ("C", 65.0),
        ("D", 100.0),
    )
    unknown_score: float = 50.0  # unknown credit, no SEI history
    sei_window: int = 6
    sei_good: float = 90.0
    sei_bad: float = 50.0
    slope_bad: float = -3.0  # points per period
    slope_min_periods: int = 3
    late_share_bad: float = 0.30
    challenge_points: float = 25.0
    complaint_points: float = 10.0
    concentration_low: float = 0.05
    concentration_high: float = 0.30
    qualification_safe_days: int = 180
    # (lowest index of the level, level), ascending
    levels: tuple[tuple[float, RiskLevel], ...] = (
        (0.0, RiskLevel.LOW),
        (30.0, RiskLevel.MEDIUM),
        (50.0, RiskLevel.HIGH),
        (70.0, RiskLevel.CRITICAL),
    )

    def __post_init__(self):
        names = [n for n, _ in self.weights]
        if sorted(names) != sorted(FACTOR_NAMES):
            raise PerformanceInputError(
                "weights",
                f"Weights are needed for exactly these factors: {', '.join(FACTOR_NAMES)}.",
                f"须且只须为以下因子设置权重：{'、'.join(FACTOR_NAMES)}。",
            )
        for name, w in self.weights:
            if isinstance(w, bool) or not isinstance(w, int | float) or not 0 <= w <= 1:
                raise PerformanceInputError(
                    f"weights.{name}", "A weight must be between 0 and 1.", "权重须在 0 到 1 之间。"
                )
        total = math.fsum(w for _, w in self.weights)
        if abs(total - 1) > 1e-9:
            raise PerformanceInputError(
                "weights",
                f"The weights add up to {total:.6g}, not 1.",
                f"权重之和为 {total:.6g}，应为 1。",
            )
        if self.sei_bad >= self.sei_good:
            raise PerformanceInputError(
                "sei_bad", "The bad SEI must be below the good SEI.", "“差”指数须低于“好”指数。"
            )
        if self.slope_bad >= 0:
            raise PerformanceInputError("slope_bad", "Must be negative.", "须为负数。")
        if not 0 < self.late_share_bad <= 1:
            raise PerformanceInputError(
                "late_share_bad", "Must be in (0, 1].", "须在 0 到 1 之间。"
            )
        if not 0 <= self.concentration_low < self.concentration_high <= 1:
            raise PerformanceInputError(
                "concentration_high",
                "Need 0 ≤ low < high ≤ 1.",
                "须满足 0 ≤ 下限 < 上限 ≤ 1。",
            )
        if self.qualification_safe_days <= 0:
            raise PerformanceInputError(
                "qualification_safe_days", "Must be positive.", "须为正数。"
            )
        lows = [lo for lo, _ in self.levels]
        if not lows or lows[0] != 0 or lows != sorted(set(lows)):
            raise PerformanceInputError(
                "levels", "Levels start at 0 and go strictly up.", "风险等级须从 0 开始严格递增。"
            )

    def weight(self, name: str) -> float:
        return dict(self.weights)[name]


DEFAULT_RISK_CONFIG = RiskConfig()


@dataclass(frozen=True)
class SupplierRiskFacts:
    """What the risk index reads about one supplier (plain data, filled by the app's selectors).

    ``sei_history``: the supplier's SEI per period, oldest first (e.g. the mean over its
    contracts). ``days_to_qualification_expiry``: to the nearest expiry of a qualification its
    contracts require; negative = expired; None = none required. Amounts in 万元.
    """

    supplier_key: str
    credit_rating: str | None = None
    credit_score: float | None = None
    sei_history: tuple = ()
    milestones_due: int = 0
    milestones_late: int = 0
    upheld_challenges: int = 0
    upheld_complaints: int = 0
    supplier_contract_amount_wan: Decimal = Decimal(0)
    city_contract_amount_wan: Decimal = Decimal(0)
    days_to_qualification_expiry: int | None = None


@dataclass(frozen=True)
class RiskFactor:
    code: str
    name_zh: str
    name_en: str
    score: float  # 0–100
    weight: float
    contribution: float  # weight × score: points of the index
    basis_zh: str  # what the score was read from
    basis_en: str

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "score": round(self.score, 2),
            "weight": self.weight,
            "contribution": round(self.contribution, 2),
            "basis_zh": self.basis_zh,
            "basis_en": self.basis_en,
        }


@dataclass(frozen=True)
class RiskResult:
    supplier_key: str
    index: Decimal  # 0.1
    index_raw: float
    level: RiskLevel
    factors: tuple[RiskFactor, ...]

    def factor(self, code: str) -> RiskFactor:
        for f in self.factors:
            if f.code == code:
                return f
        raise KeyError(code)

    def to_dict(self) -> dict:
        return {
            "supplier_key": self.supplier_key,
            "index": str(self.index),
            "level": str(self.level),
            "level_zh": RISK_LEVEL_LABELS[self.level][0],
            "factors": [f.to_dict() for f in self.factors],
        }


def _count(value, name: str, zh: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PerformanceInputError(
            name, "Must be a whole number, 0 or more.", f"{zh}须为非负整数。"
        )
    return value


def supplier_risk(facts: SupplierRiskFacts, config: RiskConfig = DEFAULT_RISK_CONFIG) -> RiskResult:
    """The supplier's risk index with every factor's score and contribution."""
    c = config
    factors: list[tuple[str, float, str, str]] = []

    # credit
    if facts.credit_rating is not None:
        try:
            rating = CreditRating(str(facts.credit_rating).strip().upper())
        except ValueError:
            raise PerformanceInputError(
                "credit_rating",
                f"{facts.credit_rating!r} is not a rating: use A, B, C or D.",
                f"{facts.credit_rating!r} 不是信用等级：请用 A、B、C 或 D。",
            ) from None
        score = dict(c.rating_scores)[rating.value]
        factors.append(("credit", score, f"信用等级 {rating}", f"credit rating {rating}"))
    elif facts.credit_score is not None:
        cs = facts.credit_score
        if isinstance(cs, bool) or not isinstance(cs, Real | Decimal) or not 0 <= cs <= 100:
            raise PerformanceInputError(
                "credit_score",
                "The credit score must be between 0 and 100.",
                "信用分须在 0 到 100 之间。",
            )
        factors.append(("credit", 100.0 - float(cs), f"信用分 {cs}", f"credit score {cs}"))
    else:
        factors.append(("credit", c.unknown_score, "信用未知", "credit unknown"))

    # SEI level and trend
    history = [sei_of(v, f"sei_history[{i}]") for i, v in enumerate(facts.sei_history)]
    window = history[-c.sei_window :]
    if window:
        with localcontext(CTX):
            mean = (sum(window, Decimal(0)) / len(window)).quantize(CENT, ROUND_HALF_UP)
        factors.append((
            "sei_level", _ramp(float(mean), c.sei_good, c.sei_bad),
            f"近 {len(window)} 期服务效能指数均值 {mean}",
            f"mean SEI of the last {len(window)} periods {mean}",
        ))  # fmt: skip
    else:
        factors.append(("sei_level", c.unknown_score, "尚无考核结果", "no assessed period yet"))
    if len(window) >= c.slope_min_periods:
        slope = sei_trend(window)
        factors.append((
            "sei_trend", _ramp(float(slope), 0.0, c.slope_bad),
            f"趋势每期 {slope:+} 分", f"trend {slope:+} points per period",
        ))  # fmt: skip
    else:
        factors.append(("sei_trend", 0.0, "期数不足，不计趋势", "too few periods for a trend"))

    # late deliveries
    due = _count(facts.milestones_due, "milestones_due", "到期里程碑数")
    late = _count(facts.milestones_late, "milestones_late", "延期里程碑数")
    if late > due:
        raise PerformanceInputError(
            "milestones_late",
            "More milestones late than due.",
            "延期里程碑数不能多于到期里程碑数。",
        )
    share = late / due if due else 0.0
    factors.append((
        "late_deliveries", _ramp(share, 0.0, c.late_share_bad),
        f"{due} 个里程碑中 {late} 个延期（{share:.0%}）", f"{late} of {due} milestones late ({share:.0%})",
    ))  # fmt: skip

    # challenges and complaints
    ch = _count(facts.upheld_challenges, "upheld_challenges", "成立的质疑数")
    co = _count(facts.upheld_complaints, "upheld_complaints", "成立的投诉数")
    factors.append((
        "challenges", min(100.0, ch * c.challenge_points + co * c.complaint_points),
        f"成立的质疑 {ch} 件、投诉 {co} 件", f"{ch} upheld challenge(s), {co} upheld complaint(s)",
    ))  # fmt: skip

    # concentration
    held = amount_of(facts.supplier_contract_amount_wan, "supplier_contract_amount_wan",
                   "supplier's contract amount", "该服务商合同金额")  # fmt: skip
    city = amount_of(facts.city_contract_amount_wan, "city_contract_amount_wan",
                   "city's contract amount", "全市合同金额")  # fmt: skip
    if held > city:
        raise PerformanceInputError(
            "supplier_contract_amount_wan",
            "The supplier holds more than the city's total.",
            "该服务商合同金额不能超过全市合同总额。",
        )
    conc = float(held / city) if city else 0.0
    factors.append((
        "concentration", _ramp(conc, c.concentration_low, c.concentration_high),
        f"占全市合同金额 {conc:.1%}", f"{conc:.1%} of the city's contract amount",
    ))  # fmt: skip

    # qualification expiry
    days = facts.days_to_qualification_expiry
    if days is None:
        factors.append(("qualification", 0.0, "无须特定资质", "no required qualification"))
    else:
        if isinstance(days, bool) or not isinstance(days, int):
            raise PerformanceInputError(
                "days_to_qualification_expiry", "Must be a whole number of days.", "须为整数天数。"
            )
        score = _ramp(float(days), float(c.qualification_safe_days), 0.0)
        basis = (
            (f"资质已过期 {-days} 天", f"a qualification expired {-days} day(s) ago")
            if days < 0
            else (
                f"最近的资质 {days} 天后到期",
                f"the nearest qualification expires in {days} day(s)",
            )
        )
        factors.append(("qualification", score, *basis))

    lines = []
    total = 0.0
    for code, score, basis_zh, basis_en in factors:
        w = c.weight(code)
        total += w * score
        zh, en = FACTOR_NAMES[code]
        lines.append(RiskFactor(code, zh, en, score, w, w * score, basis_zh, basis_en))
    raw = min(100.0, max(0.0, total))
    index = Decimal(raw).quantize(TENTH, rounding=ROUND_HALF_UP)
    level = RiskLevel.LOW
    for lo, lvl in c.levels:
        if index >= Decimal(str(lo)):
            level = lvl
    return RiskResult(facts.supplier_key, index, raw, level, tuple(lines))


# --- the deposit ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepositPolicy:
    """Tiers (lowest index, deposit ratio), ascending; the ratio of the highest tier reached.

    Any ratio above the legal cap of 10% (《政府采购法实施条例》 art. 48) is refused here, so no
    configuration can ask for more.
    """

    tiers: tuple[tuple[Decimal, Decimal], ...] = (
        (Decimal(0), Decimal("0.02")),
        (Decimal(30), Decimal("0.04")),
        (Decimal(50), Decimal("0.06")),
        (Decimal(70), Decimal("0.08")),
        (Decimal(85), Decimal("0.10")),
    )
    insurance_from: Decimal = Decimal(50)  # index from which an insurance guarantee is required
    audit_from: Decimal = Decimal(70)  # index from which a third-party audit is required

    def __post_init__(self):
        tiers = []
        for i, tier in enumerate(tuple(self.tiers)):
            if not isinstance(tier, tuple | list) or len(tier) != 2:
                raise PerformanceInputError(
                    f"tiers[{i}]",
                    "A tier is a pair (index, ratio).",
                    "档位应为（指数，比例）二元组。",
                )
            lo = decimal_of(tier[0], f"tiers[{i}].index", "index", "风险指数")
            ratio = decimal_of(tier[1], f"tiers[{i}].ratio", "deposit ratio", "保证金比例")
            if ratio > LEGAL_DEPOSIT_CAP:
                raise PerformanceInputError(
                    f"tiers[{i}].ratio",
                    f"A deposit ratio of {ratio:%} is above the legal cap of 10% of the contract "
                    f"amount ({SOURCE_DEPOSIT_CAP}).",
                    f"履约保证金比例 {ratio:%} 超过法定上限：不得超过采购合同金额的 10%"
                    f"（{SOURCE_DEPOSIT_CAP}）。",
                )
            if ratio < 0:
                raise PerformanceInputError(
                    f"tiers[{i}].ratio",
                    "A deposit ratio cannot be negative.",
                    "保证金比例不能为负数。",
                )
            if not 0 <= lo <= 100:
                raise PerformanceInputError(
                    f"tiers[{i}].index",
                    "The index must be between 0 and 100.",
                    "风险指数须在 0 到 100 之间。",
                )
            if tiers and (lo <= tiers[-1][0] or ratio < tiers[-1][1]):
                raise PerformanceInputError(
                    f"tiers[{i}]",
                    "Tiers go up: a higher index, a ratio no lower.",
                    "档位须递增：指数更高，比例不低于前一档。",
                )
            tiers.append((lo, ratio))
        if not tiers or tiers[0][0] != 0:
            raise PerformanceInputError(
                "tiers", "The first tier must start at index 0.", "第一档须从风险指数 0 开始。"
            )
        for name, zh in (("insurance_from", "保险保函门槛"), ("audit_from", "第三方审计门槛")):
            value = decimal_of(getattr(self, name), name, name.replace("_", " "), zh)
            if not 0 <= value <= 101:
                raise PerformanceInputError(
                    name,
                    "Must be between 0 and 101 (101: never).",
                    "须在 0 到 101 之间（101 表示从不）。",
                )
            object.__setattr__(self, name, value)
        object.__setattr__(self, "tiers", tuple(tiers))


DEFAULT_DEPOSIT_POLICY = DepositPolicy()


@dataclass(frozen=True)
class DepositRequirement:
    index: Decimal
    ratio: Decimal
    amount_wan: Decimal  # contract amount × ratio, 0.01
    cap_wan: Decimal  # 10% of the contract amount
    insurance_required: bool
    audit_required: bool
    reasons: tuple[tuple[str, str], ...] = field(default=())  # (zh, en)

    def to_dict(self) -> dict:
        return {
            "index": str(self.index),
            "ratio": str(self.ratio),
            "amount_wan": str(self.amount_wan),
            "cap_wan": str(self.cap_wan),
            "insurance_required": self.insurance_required,
            "audit_required": self.audit_required,
            "reasons": [{"zh": zh, "en": en} for zh, en in self.reasons],
        }


def deposit_requirement(
    index, contract_amount_wan, policy: DepositPolicy = DEFAULT_DEPOSIT_POLICY
) -> DepositRequirement:
    """The performance deposit for a contract at the supplier's risk ``index``."""
    idx = decimal_of(index, "index", "risk index", "风险指数")
    if not 0 <= idx <= 100:
        raise PerformanceInputError(
            "index", "The index must be between 0 and 100.", "风险指数须在 0 到 100 之间。"
        )
    amount = amount_of(contract_amount_wan, "contract_amount_wan", "contract amount", "合同金额")
    ratio = policy.tiers[0][1]
    tier_from = policy.tiers[0][0]
    for lo, r in policy.tiers:
        if idx >= lo:
            ratio, tier_from = r, lo
    with localcontext(CTX):
        # the cap rounds down: a deposit rounded half up must not exceed 10% by half a cent
        cap = (amount * LEGAL_DEPOSIT_CAP).quantize(CENT, ROUND_DOWN)
        deposit = (amount * ratio).quantize(CENT, ROUND_HALF_UP)
    deposit = min(deposit, cap)
    reasons = [
        (
            f"风险指数 {idx} ≥ {tier_from}：履约保证金比例 {ratio:%}，金额 {amount} × {ratio:%} = "
            f"{deposit} 万元（上限为合同金额的 10%，即 {cap} 万元，{SOURCE_DEPOSIT_CAP}）",
            f"Risk index {idx} ≥ {tier_from}: deposit ratio {ratio:%}, {amount} × {ratio:%} = "
            f"{deposit} 万元 (capped at 10% of the contract amount, {cap} 万元; {SOURCE_DEPOSIT_CAP})",
        )
    ]
    insurance = idx >= policy.insurance_from
    audit = idx >= policy.audit_from
    if insurance:
        reasons.append((
            f"风险指数 ≥ {policy.insurance_from}：须提供履约保证保险（保函）",
            f"Risk index ≥ {policy.insurance_from}: an insurance guarantee is required",
        ))  # fmt: skip
    if audit:
        reasons.append((
            f"风险指数 ≥ {policy.audit_from}：须开展第三方审计",
            f"Risk index ≥ {policy.audit_from}: a third-party audit is required",
        ))  # fmt: skip
    return DepositRequirement(idx, ratio, deposit, cap, insurance, audit, tuple(reasons))


def deposit_ratios(
    indices: Sequence, policy: DepositPolicy = DEFAULT_DEPOSIT_POLICY
) -> list[Decimal]:
    """The deposit ratio for each index (for a table of suppliers)."""
    out = []
    for i, index in enumerate(indices):
        idx = decimal_of(index, f"indices[{i}]", "risk index", "风险指数")
        ratio = policy.tiers[0][1]
        for lo, r in policy.tiers:
            if idx >= lo:
                ratio = r
        out.append(ratio)
    return out
