"""Decimal helpers shared by the engines: amounts in 万元 and reported SEIs to 0.01 (half up)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

from .errors import PerformanceInputError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT_WAN = Decimal(10**9)  # 10万亿元: a sanity bound that keeps cents exact in float64

# Decimal arithmetic in its own context, whatever the caller's context is.
CTX = Context(prec=34)


def q(value: Decimal) -> Decimal:
    """Quantized to 0.01, ROUND_HALF_UP (四舍五入)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=CTX)


def decimal_of(value, field: str, en: str, zh: str) -> Decimal:
    """A finite Decimal from a Decimal, int, str or float (a float through its shortest repr,
    so 0.9 is 0.9); bools refused."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise PerformanceInputError(field, f"The {en} must be a number.", f"{zh}必须是数值。")
    try:
        number = Decimal(str(value)) if isinstance(value, float | str) else Decimal(value)
    except InvalidOperation:
        raise PerformanceInputError(
            field, f"The {en} must be a number.", f"{zh}必须是数值。"
        ) from None
    if not number.is_finite():
        raise PerformanceInputError(
            field, f"The {en} must be a finite number.", f"{zh}必须是有限数值。"
        )
    return number


def sei_of(value, field: str = "sei") -> Decimal:
    """A reported SEI: 0–100, quantized to 0.01."""
    sei = decimal_of(value, field, "SEI", "服务效能指数")
    if not 0 <= sei <= 100:
        raise PerformanceInputError(
            field, "The SEI must be between 0 and 100.", "服务效能指数须在 0 到 100 之间。"
        )
    return q(sei)


def amount_of(value, field: str, en: str, zh: str) -> Decimal:
    """An amount in 万元: 0 to 10万亿元, quantized to 0.01."""
    amount = decimal_of(value, field, en, zh)
    if amount < 0:
        raise PerformanceInputError(field, f"The {en} is negative.", f"{zh}不能为负数。")
    if amount > MAX_AMOUNT_WAN:
        raise PerformanceInputError(
            field,
            f"The {en} is above 10万亿元; check the unit (万元).",
            f"{zh}超过 10 万亿元，请检查单位（万元）。",
        )
    return q(amount)


def mean_of(values: Sequence[Decimal]) -> Decimal:
    """The mean, quantized to 0.01."""
    with localcontext(CTX):
        return q(sum(values, Decimal(0)) / len(values))
