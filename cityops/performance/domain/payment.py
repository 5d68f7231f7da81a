"""From the SEI to the payment of the period, and from the SEI history to the renewal.

Payment curve (``PaymentCurve``; defaults in brackets)
------------------------------------------------------
The curve is a list of points (SEI, share of the period's base payment), SEI descending, the
first at share 1 [(90, 100%), (80, 90%), (70, 75%), (60, 60%)]:

* SEI at or above the first point (the *threshold*, 90): full payment;
* between two points: the share is linear in the SEI (graded deduction): at 85 the default
  pays 90% + (100% − 90%) × (85 − 80) ÷ (90 − 80) = 95%;
* below the last point (the *floor*, 60): ``below_floor_share`` [0: the period's payment is
  withheld]; a city that pays a minimum share sets it (at most the last point's share);
* bonus band for value-added services (Guangzhou's "base service + value-added service"): with
  the SEI at or above a tier [95: 1% per item; 98: 2% per item] and at least
  ``bonus_min_value_added`` [1] value-added items delivered and accepted in the period, the
  bonus is tier rate × items, capped at ``bonus_cap_rate`` [5%] of the base payment.

Every amount is in 万元, a Decimal quantized to 0.01 ROUND_HALF_UP: earned = base × share,
bonus = base × bonus rate (each quantized once); deduction = base − earned; payable = earned +
bonus. The SEI read by the curve is the reported one (0.01), so the derivation shown to the
finance officer can be recomputed by hand. ``payments_vectorised`` computes the same cents for
many periods with floats, and redoes in Decimal any value within float error of a rounding tie
(as ``cityops.portfolio.domain.fiscal``): it equals ``period_payment`` cent for cent (tested).

Renewal (``renewal_decision``; ``RenewalPolicy``)
-------------------------------------------------
From the last ``window`` [12] SEIs: their mean, the mean of the last ``recent`` [3], and the
trend (least-squares slope, points per period). Nanjing Gulou links the assessment directly to
the renewal amount, so the renewal amount is the current amount × the payment curve's share at
the lower of the two means; a trend steeper than ``max_decline`` [−1 point per period] cuts it
by at least ``trend_cut`` [5%]. Re-tender when the mean is below ``retender_below`` [70], when
the curve would pay nothing, or when the contract has been renewed ``max_renewals`` [2] times
already (财政部令第102号: a purchase-of-services contract runs ≤ 3 years; the Haidian case renews
a 1-year contract at most twice).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

import numpy as np

from .decimals import CENT, CTX, MAX_AMOUNT_WAN, ZERO, amount_of, decimal_of, mean_of, q, sei_of
from .errors import PerformanceInputError

ONE = Decimal(1)
HUNDRED = Decimal(100)
SOURCE_TERM = "财政部令第102号"

_REL_TOL = 1e-13  # float error of base × share is below 1e-15 of the base: 100× margin
_ABS_TOL = 1e-9


def _pct(share: Decimal) -> str:
    """A share as a percentage for the derivation: exact when it has few digits, else ≈ 4 dp."""
    with localcontext(CTX):
        p = share * 100
        shown = p.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP).normalize()
        text = f"{shown:f}%"
        return text if shown == p else "≈" + text


def _num(value: Decimal) -> str:
    return f"{value.normalize():f}"


# --- the curve ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentCurve:
    points: tuple[tuple[Decimal, Decimal], ...] = (
        (Decimal(90), Decimal(1)),
        (Decimal(80), Decimal("0.90")),
        (Decimal(70), Decimal("0.75")),
        (Decimal(60), Decimal("0.60")),
    )
    below_floor_share: Decimal = Decimal(0)
    bonus_tiers: tuple[tuple[Decimal, Decimal], ...] = (
        (Decimal(95), Decimal("0.01")),
        (Decimal(98), Decimal("0.02")),
    )
    bonus_min_value_added: int = 1
    bonus_cap_rate: Decimal = Decimal("0.05")

    def __post_init__(self):
        pts = tuple(self.points)
        if not pts:
            raise PerformanceInputError("points", "The curve has no points.", "付款曲线没有节点。")
        checked = []
        for i, point in enumerate(pts):
            if not isinstance(point, tuple | list) or len(point) != 2:
                raise PerformanceInputError(
                    f"points[{i}]",
                    "A point is a pair (SEI, share).",
                    "节点应为（指数，比例）二元组。",
                )
            sei = decimal_of(point[0], f"points[{i}].sei", "SEI", "指数")
            share = decimal_of(point[1], f"points[{i}].share", "share", "付款比例")
            if not 0 < sei <= 100 or sei != sei.quantize(CENT, context=CTX):
                raise PerformanceInputError(
                    f"points[{i}].sei",
                    "A point's SEI must be above 0, at most 100, with at most two decimals.",
                    "节点指数须大于 0、不超过 100，最多两位小数。",
                )
            if not 0 <= share <= 1:
                raise PerformanceInputError(
                    f"points[{i}].share",
                    "A share must be between 0 and 1 (0.9 = 90%).",
                    "付款比例须在 0 到 1 之间（0.9 即 90%）。",
                )
            if checked and sei >= checked[-1][0]:
                raise PerformanceInputError(
                    f"points[{i}].sei",
                    "The points' SEIs must go strictly down.",
                    "各节点指数须严格递减。",
                )
            if checked and share > checked[-1][1]:
                raise PerformanceInputError(
                    f"points[{i}].share",
                    "A lower SEI cannot pay a larger share.",
                    "指数更低的节点付款比例不能更高。",
                )
            checked.append((sei, share))
        if checked[0][1] != 1:
            raise PerformanceInputError(
                "points[0].share",
                "The first point is the full-payment threshold: its share must be 1.",
                "第一个节点为全额支付门槛，其比例须为 1。",
            )
        below = decimal_of(
            self.below_floor_share, "below_floor_share", "share below the floor", "底线以下付款比例"
        )
        if not 0 <= below <= checked[-1][1]:
            raise PerformanceInputError(
                "below_floor_share",
                "The share below the floor must be between 0 and the last point's share.",
                "底线以下付款比例须在 0 与最后一个节点比例之间。",
            )
        cap = decimal_of(self.bonus_cap_rate, "bonus_cap_rate", "bonus cap", "奖励上限比例")
        if not 0 <= cap <= 1:
            raise PerformanceInputError(
                "bonus_cap_rate",
                "The bonus cap must be between 0 and 1.",
                "奖励上限比例须在 0 到 1 之间。",
            )
        tiers = []
        for i, tier in enumerate(tuple(self.bonus_tiers)):
            if not isinstance(tier, tuple | list) or len(tier) != 2:
                raise PerformanceInputError(
                    f"bonus_tiers[{i}]",
                    "A tier is a pair (SEI, rate per item).",
                    "奖励档应为（指数，每项比例）二元组。",
                )
            sei = decimal_of(tier[0], f"bonus_tiers[{i}].sei", "SEI", "指数")
            rate = decimal_of(tier[1], f"bonus_tiers[{i}].rate", "rate", "奖励比例")
            if not checked[0][0] <= sei <= 100 or sei != sei.quantize(CENT, context=CTX):
                raise PerformanceInputError(
                    f"bonus_tiers[{i}].sei",
                    "A bonus tier starts at or above the full-payment threshold, at most 100, "
                    "with at most two decimals.",
                    "奖励档须不低于全额支付门槛、不超过 100，最多两位小数。",
                )
            if not 0 <= rate <= cap:
                raise PerformanceInputError(
                    f"bonus_tiers[{i}].rate",
                    "A tier's rate must be between 0 and the bonus cap.",
                    "奖励档比例须在 0 与奖励上限之间。",
                )
            if tiers and (sei <= tiers[-1][0] or rate < tiers[-1][1]):
                raise PerformanceInputError(
                    f"bonus_tiers[{i}]",
                    "Bonus tiers go up: higher SEI, rate no lower.",
                    "奖励档须递增：指数更高，比例不低于前一档。",
                )
            tiers.append((sei, rate))
        n = self.bonus_min_value_added
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise PerformanceInputError(
                "bonus_min_value_added",
                "The number of value-added items must be a whole number, at least 1.",
                "增值服务项数须为不小于 1 的整数。",
            )
        object.__setattr__(self, "points", tuple(checked))
        object.__setattr__(self, "below_floor_share", below)
        object.__setattr__(self, "bonus_cap_rate", cap)
        object.__setattr__(self, "bonus_tiers", tuple(tiers))

    @property
    def threshold(self) -> Decimal:
        return self.points[0][0]

    @property
    def floor(self) -> Decimal:
        return self.points[-1][0]

    def share(self, sei) -> Decimal:
        """The share of the base payment earned at ``sei`` (unrounded, 34 digits)."""
        return _share(self, sei_of(sei))[0]

    def bands(self) -> list[dict]:
        """The curve as rows for the page: from, to (None = open), share at each end."""
        rows = [{"from": self.threshold, "to": None, "share_from": ONE, "share_to": ONE}]
        for (hi, s_hi), (lo, s_lo) in zip(self.points, self.points[1:], strict=False):
            rows.append({"from": lo, "to": hi, "share_from": s_lo, "share_to": s_hi})
        rows.append(
            {"from": Decimal(0), "to": self.floor, "share_from": self.below_floor_share,
             "share_to": self.below_floor_share}
        )  # fmt: skip
        return rows


DEFAULT_CURVE = PaymentCurve()


def _share(curve: PaymentCurve, sei: Decimal) -> tuple[Decimal, str, tuple[str, str]]:
    """(share, band code, (zh, en) of the step)."""
    pts = curve.points
    if sei >= pts[0][0]:
        t = _num(pts[0][0])
        return (
            ONE,
            "full",
            (
                f"指数 {sei} ≥ {t}（全额支付门槛）：付款比例 100%",
                f"SEI {sei} ≥ {t} (the full-payment threshold): share 100%",
            ),
        )
    for (hi, s_hi), (lo, s_lo) in zip(pts, pts[1:], strict=False):
        if lo <= sei < hi:
            with localcontext(CTX):
                share = s_lo + (s_hi - s_lo) * (sei - lo) / (hi - lo)
            formula = (
                f"{_pct(s_lo)} + ({_pct(s_hi)} − {_pct(s_lo)}) × ({sei} − {_num(lo)}) ÷ "
                f"({_num(hi)} − {_num(lo)}) = {_pct(share)}"
            )
            return (
                share,
                f"{_num(lo)}-{_num(hi)}",
                (
                    f"指数 {sei} 位于 {_num(lo)}–{_num(hi)} 区间，按比例扣减：付款比例 = {formula}",
                    f"SEI {sei} is in the {_num(lo)}–{_num(hi)} band, graded deduction: "
                    f"share = {formula}",
                ),
            )
    below = curve.below_floor_share
    f = _num(curve.floor)
    if below == 0:
        return (
            below,
            "below_floor",
            (
                f"指数 {sei} < {f}（付款底线）：本期付款暂扣（0%）",
                f"SEI {sei} < {f} (the payment floor): the period's payment is withheld (0%)",
            ),
        )
    return (
        below,
        "below_floor",
        (
            f"指数 {sei} < {f}（付款底线）：按最低比例 {_pct(below)} 支付",
            f"SEI {sei} < {f} (the payment floor): the minimum share {_pct(below)} is paid",
        ),
    )


def _bonus_rate(curve: PaymentCurve, sei: Decimal, items: int) -> tuple[Decimal, Decimal | None]:
    """(bonus rate, the tier's SEI or None)."""
    tier = None
    for t_sei, rate in curve.bonus_tiers:
        if sei >= t_sei:
            tier = (t_sei, rate)
    if tier is None or items < curve.bonus_min_value_added:
        return ZERO, tier[0] if tier else None
    with localcontext(CTX):
        return min(tier[1] * items, curve.bonus_cap_rate), tier[0]


# --- one period -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of the derivation shown before approval."""

    code: str
    zh: str
    en: str
    amount_wan: Decimal | None = None

    def to_dict(self) -> dict:
        amount = None if self.amount_wan is None else str(self.amount_wan)
        return {"code": self.code, "zh": self.zh, "en": self.en, "amount_wan": amount}


@dataclass(frozen=True)
class PaymentResult:
    sei: Decimal
    base_wan: Decimal  # the period's contracted (base) payment
    share: Decimal  # unrounded
    band: str  # "full", "80-90", ..., "below_floor"
    earned_wan: Decimal
    deduction_wan: Decimal
    bonus_rate: Decimal
    bonus_wan: Decimal
    payable_wan: Decimal
    steps: tuple[Step, ...] = field(default=())

    @property
    def withheld(self) -> bool:
        return self.share == 0

    def to_dict(self) -> dict:
        return {
            "sei": str(self.sei),
            "base_wan": str(self.base_wan),
            "share": str(self.share),
            "band": self.band,
            "earned_wan": str(self.earned_wan),
            "deduction_wan": str(self.deduction_wan),
            "bonus_rate": str(self.bonus_rate),
            "bonus_wan": str(self.bonus_wan),
            "payable_wan": str(self.payable_wan),
            "withheld": self.withheld,
            "steps": [s.to_dict() for s in self.steps],
        }


def period_payment(
    sei,
    base_wan,
    *,
    value_added_items: int = 0,
    curve: PaymentCurve = DEFAULT_CURVE,
) -> PaymentResult:
    """The payment of one period from its reported SEI (quantized to 0.01 if it has more
    digits) and its base payment in 万元, with the derivation in zh and en."""
    s = sei_of(sei)
    base = amount_of(base_wan, "base_wan", "base payment", "本期基本服务费")
    if (
        isinstance(value_added_items, bool)
        or not isinstance(value_added_items, int)
        or (value_added_items < 0)
    ):
        raise PerformanceInputError(
            "value_added_items",
            "The number of value-added items must be a whole number, 0 or more.",
            "增值服务项数须为非负整数。",
        )
    share, band, (band_zh, band_en) = _share(curve, s)
    with localcontext(CTX):
        earned = q(base * share)
        deduction = base - earned
        rate, tier = _bonus_rate(curve, s, value_added_items)
        bonus = q(base * rate)
        payable = earned + bonus
    steps = [
        Step("sei", f"本期服务效能指数：{s}", f"SEI of the period: {s}"),
        Step("band", band_zh, band_en),
        Step(
            "earned",
            f"应付基本服务费 = {base} 万元 × {_pct(share)} = {earned} 万元",
            f"Earned base payment = {base} 万元 × {_pct(share)} = {earned} 万元",
            earned,
        ),
        Step(
            "deduction",
            f"绩效扣减 = {base} − {earned} = {deduction} 万元",
            f"Performance deduction = {base} − {earned} = {deduction} 万元",
            deduction,
        ),
    ]
    cap = _pct(curve.bonus_cap_rate)
    if bonus:
        per_item = dict(curve.bonus_tiers)[tier]
        steps.append(
            Step(
                "bonus",
                f"增值服务奖励：指数 ≥ {_num(tier)} 且交付 {value_added_items} 项增值服务，"
                f"奖励比例 = min({_pct(per_item)} × {value_added_items}, {cap}) = {_pct(rate)}，"
                f"奖励 = {base} × {_pct(rate)} = {bonus} 万元",
                f"Value-added bonus: SEI ≥ {_num(tier)} and {value_added_items} value-added "
                f"item(s) delivered, rate = min({_pct(per_item)} × {value_added_items}, {cap}) = "
                f"{_pct(rate)}, bonus = {base} × {_pct(rate)} = {bonus} 万元",
                bonus,
            )
        )
    elif tier is not None:
        steps.append(
            Step(
                "bonus",
                f"无增值服务奖励：指数达到奖励档（≥ {_num(tier)}），但交付的增值服务少于 "
                f"{curve.bonus_min_value_added} 项",
                f"No value-added bonus: the SEI reaches the bonus band (≥ {_num(tier)}) but fewer "
                f"than {curve.bonus_min_value_added} value-added item(s) were delivered",
                ZERO,
            )
        )
    else:
        first = _num(curve.bonus_tiers[0][0]) if curve.bonus_tiers else None
        zh = (
            f"无增值服务奖励：指数低于奖励档（{first}）"
            if first
            else "无增值服务奖励（未设奖励档）"
        )
        en = (
            f"No value-added bonus: the SEI is below the bonus band ({first})"
            if first
            else "No value-added bonus (no bonus band configured)"
        )
        steps.append(Step("bonus", zh, en, ZERO))
    steps.append(
        Step(
            "payable",
            f"本期应付合计 = {earned} + {bonus} = {payable} 万元",
            f"Payable for the period = {earned} + {bonus} = {payable} 万元",
            payable,
        )
    )
    return PaymentResult(
        sei=s,
        base_wan=base,
        share=share,
        band=band,
        earned_wan=earned,
        deduction_wan=deduction,
        bonus_rate=rate,
        bonus_wan=bonus,
        payable_wan=payable,
        steps=tuple(steps),
    )


# --- many periods (numpy) -------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PaymentBatch:
    """Results of ``payments_vectorised``, in whole cents of 万元 (int64; 9735 = 97.35万元)."""

    earned_cents: np.ndarray
    deduction_cents: np.ndarray
    bonus_cents: np.ndarray
    payable_cents: np.ndarray
    share: np.ndarray  # float, for charts


def _round_half_up_cents(x: np.ndarray, base_cents: np.ndarray, exact) -> np.ndarray:
    """round-half-up of x (cents); within float error of a tie, ``exact(index)`` decides."""
    tol = base_cents * _REL_TOL + _ABS_TOL
    f = x + 0.5
    c = np.floor(f)
    r = f - c
    out = c.astype(np.int64)
    near = (r < tol) | (r > 1.0 - tol) | (tol >= 0.25)
    for i in np.flatnonzero(near):
        out.flat[i] = exact(i)
    return out


def payments_vectorised(
    sei_centi: np.ndarray,
    base_cents: np.ndarray,
    value_added_items: np.ndarray | None = None,
    curve: PaymentCurve = DEFAULT_CURVE,
) -> PaymentBatch:
    """``period_payment`` for many periods: the reported SEI in hundredths (``SEIBatch.sei_centi``)
    and the base payment in cents of 万元 (int arrays of the same shape), value-added items
    delivered per period (default none). Equal to ``period_payment`` cent for cent."""
    s = np.asarray(sei_centi)
    base = np.broadcast_to(np.asarray(base_cents), s.shape)
    if not (np.issubdtype(s.dtype, np.integer) and np.issubdtype(base.dtype, np.integer)):
        raise PerformanceInputError(
            "sei_centi",
            "SEIs and base payments must be whole hundredths and cents.",
            "指数与金额须为整数（百分之一、分）。",
        )
    if s.size and (s.min() < 0 or s.max() > 10_000):
        raise PerformanceInputError(
            "sei_centi", "The SEI must be between 0 and 100.", "服务效能指数须在 0 到 100 之间。"
        )
    if base.size and (base.min() < 0 or base.max() > int(MAX_AMOUNT_WAN) * 100):
        raise PerformanceInputError(
            "base_cents",
            "A base payment is negative or above 10万亿元.",
            "基本服务费为负数或超过 10 万亿元。",
        )
    items = (
        np.zeros(s.shape, dtype=np.int64)
        if value_added_items is None
        else np.broadcast_to(np.asarray(value_added_items, dtype=np.int64), s.shape)
    )
    if items.size and items.min() < 0:
        raise PerformanceInputError(
            "value_added_items", "Value-added items cannot be negative.", "增值服务项数不能为负数。"
        )
    base_f = base.astype(np.float64)
    pts = curve.points
    share = np.full(s.shape, float(curve.below_floor_share))
    share[s >= int(pts[0][0] * 100)] = 1.0
    for (hi, s_hi), (lo, s_lo) in zip(pts, pts[1:], strict=False):
        lo_c, hi_c = int(lo * 100), int(hi * 100)
        band = (s >= lo_c) & (s < hi_c)
        frac = (s[band] - lo_c) / float(hi_c - lo_c)
        share[band] = float(s_lo) + float(s_hi - s_lo) * frac

    def sei_of(i) -> Decimal:
        return Decimal(int(s.flat[i])).scaleb(-2)

    def base_of(i) -> Decimal:
        return Decimal(int(base.flat[i])).scaleb(-2)

    def exact_earned(i) -> int:
        with localcontext(CTX):
            value = q(base_of(i) * _share(curve, sei_of(i))[0])
        return int(value.scaleb(2))

    earned = _round_half_up_cents(base_f * share, base_f, exact_earned)

    rate = np.zeros(s.shape)
    eligible = items >= curve.bonus_min_value_added
    for t_sei, per_item in curve.bonus_tiers:  # ascending: a higher tier overwrites a lower one
        hit = eligible & (s >= int(t_sei * 100))
        rate[hit] = np.minimum(float(per_item) * items[hit], float(curve.bonus_cap_rate))

    def exact_bonus(i) -> int:
        r, _ = _bonus_rate(curve, sei_of(i), int(items.flat[i]))
        with localcontext(CTX):
            return int(q(base_of(i) * r).scaleb(2))

    bonus = np.zeros(s.shape, dtype=np.int64)
    has = rate > 0
    if has.any():
        bonus_all = _round_half_up_cents(base_f * rate, base_f, exact_bonus)
        bonus[has] = bonus_all[has]
    base_i = base.astype(np.int64)
    return PaymentBatch(
        earned_cents=earned,
        deduction_cents=base_i - earned,
        bonus_cents=bonus,
        payable_cents=earned + bonus,
        share=share,
    )


# --- renewal --------------------------------------------------------------------------------------


class Renewal(StrEnum):
    RENEW = "renew"
    RENEW_REDUCED = "renew_reduced"
    RETENDER = "retender"


RENEWAL_LABELS = {
    Renewal.RENEW: ("续约", "Renew"),
    Renewal.RENEW_REDUCED: ("核减金额续约", "Renew at a reduced amount"),
    Renewal.RETENDER: ("重新招标采购", "Re-tender"),
}


@dataclass(frozen=True)
class RenewalPolicy:
    window: int = 12  # periods of history read
    min_periods: int = 3
    recent: int = 3  # the recent mean: the last N periods
    retender_below: Decimal = Decimal(70)
    max_decline: Decimal = Decimal(1)  # points per period; a steeper fall cuts the amount
    trend_cut: Decimal = Decimal("0.05")
    max_renewals: int = 2

    def __post_init__(self):
        for name in ("window", "min_periods", "recent", "max_renewals"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or value < (name != "max_renewals")
            ):
                raise PerformanceInputError(
                    name, "Must be a whole number of at least 1.", "须为不小于 1 的整数。"
                )
        if self.min_periods > self.window or self.recent > self.window:
            raise PerformanceInputError(
                "window",
                "The window must hold at least min_periods and recent periods.",
                "考察期数不能少于最少期数与近期期数。",
            )
        for name, en, zh, lo, hi in (
            ("retender_below", "re-tender line", "重新招标线", 0, 100),
            ("max_decline", "largest tolerated decline", "可容忍的最大下降", 0, 100),
            ("trend_cut", "cut for a declining trend", "下降趋势核减比例", 0, 1),
        ):
            value = decimal_of(getattr(self, name), name, en, zh)
            if not lo <= value <= hi:
                raise PerformanceInputError(
                    name,
                    f"The {en} must be between {lo} and {hi}.",
                    f"{zh}须在 {lo} 到 {hi} 之间。",
                )
            object.__setattr__(self, name, value)


DEFAULT_RENEWAL = RenewalPolicy()


@dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en}


@dataclass(frozen=True)
class RenewalDecision:
    decision: Renewal
    amount_wan: Decimal  # 0.00 for a re-tender
    current_amount_wan: Decimal
    mean: Decimal  # of the window, 0.01
    recent_mean: Decimal
    slope: Decimal  # points per period, 0.01
    periods: int  # periods read
    share: Decimal  # renewal amount ÷ current amount (unrounded)
    reasons: tuple[Reason, ...]

    @property
    def label(self) -> tuple[str, str]:
        return RENEWAL_LABELS[self.decision]

    def to_dict(self) -> dict:
        return {
            "decision": str(self.decision),
            "label_zh": self.label[0],
            "label_en": self.label[1],
            "amount_wan": str(self.amount_wan),
            "current_amount_wan": str(self.current_amount_wan),
            "mean": str(self.mean),
            "recent_mean": str(self.recent_mean),
            "slope": str(self.slope),
            "periods": self.periods,
            "share": str(self.share),
            "reasons": [r.to_dict() for r in self.reasons],
        }


def sei_trend(history: Sequence) -> Decimal:
    """Least-squares slope of the SEIs (points per period, oldest first), 0.01 half up."""
    ys = [sei_of(v, f"sei_history[{i}]") for i, v in enumerate(history)]
    n = len(ys)
    if n < 2:
        return ZERO
    with localcontext(CTX):
        x_mean = Decimal(n - 1) / 2
        y_mean = sum(ys, Decimal(0)) / n
        num = sum(((i - x_mean) * (y - y_mean) for i, y in enumerate(ys)), Decimal(0))
        den = sum(((i - x_mean) ** 2 for i in range(n)), Decimal(0))
        return q(num / den)


def renewal_decision(
    sei_history: Sequence,
    current_amount_wan,
    *,
    renewals_so_far: int = 0,
    policy: RenewalPolicy = DEFAULT_RENEWAL,
    curve: PaymentCurve = DEFAULT_CURVE,
) -> RenewalDecision:
    """Renew, renew at a reduced amount, or re-tender, from the contract's SEIs (oldest first)
    and its current (annual) amount in 万元; see the module docstring for the rule."""
    history = [sei_of(v, f"sei_history[{i}]") for i, v in enumerate(sei_history)]
    if len(history) < policy.min_periods:
        raise PerformanceInputError(
            "sei_history",
            f"At least {policy.min_periods} assessed periods are needed; there are {len(history)}.",
            f"至少需要 {policy.min_periods} 期考核结果，目前只有 {len(history)} 期。",
        )
    current = amount_of(current_amount_wan, "current_amount_wan", "current amount", "现合同金额")
    if (
        isinstance(renewals_so_far, bool)
        or not isinstance(renewals_so_far, int)
        or renewals_so_far < 0
    ):
        raise PerformanceInputError(
            "renewals_so_far", "Must be a whole number, 0 or more.", "须为非负整数。"
        )
    window = history[-policy.window :]
    mean = mean_of(window)
    recent = mean_of(window[-policy.recent :])
    slope = sei_trend(window)
    basis = min(mean, recent)
    n = len(window)
    reasons = [
        Reason(
            "mean",
            f"近 {n} 期服务效能指数均值 {mean}，近 {policy.recent} 期均值 {recent}",
            f"Mean SEI of the last {n} periods {mean}; of the last {policy.recent}: {recent}",
        ),
        Reason(
            "trend",
            f"趋势：每期 {slope:+} 分",
            f"Trend: {slope:+} points per period",
        ),
    ]

    def result(decision: Renewal, amount: Decimal, share: Decimal) -> RenewalDecision:
        return RenewalDecision(
            decision=decision,
            amount_wan=amount,
            current_amount_wan=current,
            mean=mean,
            recent_mean=recent,
            slope=slope,
            periods=n,
            share=share,
            reasons=tuple(reasons),
        )

    if renewals_so_far >= policy.max_renewals:
        reasons.append(
            Reason(
                "max_renewals",
                f"合同已续约 {renewals_so_far} 次，达到上限 {policy.max_renewals} 次"
                f"（{SOURCE_TERM}：购买服务合同期限一般不超过 1 年、最长 3 年），须重新采购",
                f"The contract has been renewed {renewals_so_far} time(s), the most allowed "
                f"({policy.max_renewals}; {SOURCE_TERM}: a purchase-of-services contract runs "
                "1 year, at most 3): it must be procured again",
            )
        )
        return result(Renewal.RETENDER, ZERO, Decimal(0))
    if mean < policy.retender_below:
        line = _num(policy.retender_below)
        reasons.append(
            Reason(
                "below_retender",
                f"均值 {mean} 低于重新招标线 {line}",
                f"The mean {mean} is below the re-tender line {line}",
            )
        )
        return result(Renewal.RETENDER, ZERO, Decimal(0))
    share, _band, (band_zh, band_en) = _share(curve, basis)
    reasons.append(
        Reason(
            "amount",
            f"续约金额与考核结果挂钩，按均值与近期均值中的较低者 {basis} 计：{band_zh}",
            f"The renewal amount follows the assessment, at the lower of the two means, {basis}: "
            f"{band_en}",
        )
    )
    if share == 0:
        return result(Renewal.RETENDER, ZERO, Decimal(0))
    if slope < -policy.max_decline:
        cut = ONE - policy.trend_cut
        if share > cut:
            share = cut
        reasons.append(
            Reason(
                "declining",
                f"指数每期下降 {-slope} 分，超过可容忍的 {_num(policy.max_decline)} 分："
                f"金额至少核减 {_pct(policy.trend_cut)}",
                f"The SEI falls {-slope} points per period, more than the tolerated "
                f"{_num(policy.max_decline)}: the amount is cut by at least "
                f"{_pct(policy.trend_cut)}",
            )
        )
    with localcontext(CTX):
        amount = q(current * share)
    if amount == current:
        return result(Renewal.RENEW, amount, share)
    reasons.append(
        Reason(
            "reduced",
            f"续约金额 = {current} × {_pct(share)} = {amount} 万元",
            f"Renewal amount = {current} × {_pct(share)} = {amount} 万元",
        )
    )
    return result(Renewal.RENEW_REDUCED, amount, share)
