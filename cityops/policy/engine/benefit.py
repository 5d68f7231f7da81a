"""Estimated benefits of a matched (enterprise, policy) pair, in 万元.

A policy's estimate is the sum of its benefits that have an amount formula, each clamped at 0
(a benefit is never negative) and then at its cap; rounded half up to 0.0001 万元 (one yuan).
An unknown input makes the estimate unknown (None / null), never 0. A policy whose benefits are
all non-monetary (land, a talent card) estimates 0.

The scalar path (one enterprise) and the array path (all matched pairs of a policy at once) do
the same float operations in the same order, so they agree to the bit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .formula import formula_array, formula_value

ROUND_DIGITS = 4  # 万元 to 0.0001 = one yuan
_SCALE = float(10**ROUND_DIGITS)


def benefit_amount(benefit, values: Mapping[str, object]) -> float | None:
    """One benefit's amount (clamped and capped), None if unknown or non-monetary."""
    if benefit.amount is None:
        return None
    a = formula_value(benefit.amount.expr, values)
    if a is None:
        return None
    a = a if a > 0 else 0.0
    if benefit.cap_wan is not None and a > benefit.cap_wan:
        a = benefit.cap_wan
    return a


def policy_benefit(policy, values: Mapping[str, object]) -> float | None:
    total = 0.0
    for b in policy.benefits:
        if b.amount is None:
            continue
        a = benefit_amount(b, values)
        if a is None:
            return None
        total = total + a
    return float(math.floor(total * _SCALE + 0.5)) / _SCALE


def benefit_attributes(policy) -> tuple[str, ...]:
    return tuple(sorted({a for b in policy.benefits if b.amount for a in b.amount.attributes}))


def policy_benefit_array(policy, columns: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """The estimate for ``n`` matched enterprises whose attributes are ``columns`` (float64,
    NaN unknown): float64 with NaN where unknown."""
    total = np.zeros(n)
    with np.errstate(all="ignore"):
        for b in policy.benefits:
            if b.amount is None:
                continue
            a = np.maximum(formula_array(b.amount.expr, columns, n), 0.0)
            if b.cap_wan is not None:
                a = np.minimum(a, b.cap_wan)
            total = total + a
        return np.floor(total * _SCALE + 0.5) / _SCALE
