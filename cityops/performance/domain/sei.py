"""Service-effectiveness index (服务效能指数, SEI): per contract and period, 0–100 from its KPIs.

Normalisation (one KPI → a score 0–100)
---------------------------------------
T is the KPI's target, F its floor (the worst acceptable value, written into the contract), L
its zero-score value (``Kpi.limit``: ``zero_at``, or one target–floor span beyond the floor,
L = F − (T − F)). For a higher-is-better KPI (T > F > L)::

    v ≥ T        → 100
    F ≤ v < T    → 60 + 40 × (v − F) / (T − F)
    L < v < F    → 60 × (v − L) / (F − L)
    v ≤ L        → 0

and the mirror image for a lower-is-better KPI (T < F < L): at or below the target 100, at
the floor 60, at or above L 0, linear in between.

Why these numbers: 60 is the pass mark (及格) of Chinese grading, and the floor is the contract's
pass mark, so a supplier exactly at the floor "passes" with 60 and exactly at the target gets
full marks. Below the floor the score falls 60 points over one target–floor span, where above it
rose only 40: missing the floor costs 1.5 times as much per unit as falling short of the target,
because a failing service hurts citizens more than a merely imperfect one. Beyond the target
there is no extra credit: over-performing on one KPI must not buy cover for failing another (the
bonus band of the payment curve rewards value-added services instead).

A value outside what the unit allows (a percentage above 100, a negative time or count) is first
clamped to that range: it can never earn more than the best possible real value, and
``measurements.py`` flags it for the owner department to correct. NaN and ±inf are refused.

Weighting
---------
SEI = Σ wᵢ·sᵢ ÷ Σ wᵢ over the assessed KPIs, clamped to 0..100 (weights sum to 1 ± 1e-9, so
without excused KPIs the divisor is 1 up to rounding). The SEI is reported to 0.01 (Decimal,
ROUND_HALF_UP of the float's exact value); the payment curve reads this reported figure, so a
payment can be recomputed by hand from what the page shows. A KPI's *contribution* is
wᵢ·sᵢ ÷ Σ wᵢ: the contributions add up to the SEI (to float rounding).

Missing values
--------------
A KPI with no value for the period scores 0 and is flagged "missing". It is *not* dropped with
the weights re-scaled over the rest: re-weighting would let a supplier withhold its worst KPI
and be judged on its best ones. Only the owner department can *excuse* a KPI for a period
(resolution time in a month without incidents, a survey not run): an excused KPI leaves the
weighting and the others are re-scaled. A period in which every KPI is excused has no SEI.

Two paths give bit-for-bit the same numbers: ``service_effectiveness_index`` (one contract and
period, with the drill-down) and ``sei_vectorised`` (numpy, many contracts × periods). Both
evaluate the same float expressions in the same order (the weighted sum left to right over the
KPIs), and IEEE arithmetic is correctly rounded elementwise, so the results are identical, not
merely close (tested).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from numbers import Real

import numpy as np

from .errors import PerformanceInputError
from .kpi import Direction, Kpi, KpiSet, format_with_unit, kpi_set

CENT = Decimal("0.01")
PASS_SCORE = 60.0  # the score at the floor (及格)
FULL_SCORE = 100.0
_TIE_TOL = 1e-9  # hundredths: a float SEI this close to x.xx5 is rounded through Decimal


class KpiStatus(StrEnum):
    MEASURED = "measured"
    MISSING = "missing"  # no value for the period: scores 0
    EXCUSED = "excused"  # excused by the owner department: left out of the weighting


# --- plain-language texts, for the page that shows the index ------------------------------------

NORMALISATION_TEXT: dict[Direction, tuple[str, str]] = {
    Direction.HIGHER: (
        "数值越高越好：达到或超过目标值得 100 分；恰好达到底线值得 60 分（及格）；两者之间按比例"
        "线性计分。低于底线值后分数线性下降，至零分值（底线值再向下一个“目标值－底线值”的距离，"
        "或合同约定的零分值）时为 0 分，更低也为 0 分。超过目标值不额外加分。",
        "Higher is better: at or above the target scores 100; exactly at the floor scores 60 "
        "(the pass mark); linear in between. Below the floor the score falls linearly to 0 at the "
        "zero-score value (one target–floor span below the floor, unless the contract states "
        "another), and stays 0 beyond it. Doing better than the target earns nothing extra.",
    ),
    Direction.LOWER: (
        "数值越低越好：达到或低于目标值得 100 分；恰好等于底线值得 60 分（及格）；两者之间按比例"
        "线性计分。高于底线值后分数线性下降，至零分值（底线值再向上一个“底线值－目标值”的距离，"
        "或合同约定的零分值）时为 0 分，更高也为 0 分。优于目标值不额外加分。",
        "Lower is better: at or below the target scores 100; exactly at the floor scores 60 "
        "(the pass mark); linear in between. Above the floor the score falls linearly to 0 at the "
        "zero-score value (one floor–target span above the floor, unless the contract states "
        "another), and stays 0 beyond it. Doing better than the target earns nothing extra.",
    ),
}

WEIGHTING_TEXT = (
    "服务效能指数 = Σ(各指标权重 × 指标得分) ÷ 参评指标权重之和，取值 0–100，保留两位小数"
    "（四舍五入）。权重之和为 1；某指标的贡献 = 权重 × 得分 ÷ 参评权重之和。",
    "SEI = Σ(weight × score) ÷ the sum of the assessed KPIs' weights, from 0 to 100, shown to "
    "two decimals (rounded half up). The weights sum to 1; a KPI's contribution is weight × "
    "score ÷ the assessed weights.",
)

MISSING_TEXT = (
    "当期未报送数值的指标按 0 分计并标记为“缺报”，其权重不转移给其他指标，以免服务商通过不报送"
    "不利数据提高得分。只有需求单位可以对个别指标作“当期免考”（如当月无故障时的故障解决时间），"
    "免考指标不参与加权。",
    "A KPI with no value for the period scores 0 and is flagged 'missing'; its weight is not "
    "moved to the other KPIs, so a supplier cannot raise its index by withholding bad data. Only "
    "the owner department can excuse a KPI for a period (e.g. resolution time in a month with no "
    "incident); an excused KPI is left out of the weighting.",
)

OUT_OF_RANGE_TEXT = (
    "超出单位可能范围的数值（如大于 100% 的百分比、负的时长或次数）按最接近的可能值计分并标记，"
    "由需求单位核实更正。",
    "A value outside what its unit allows (a percentage above 100, a negative time or count) is "
    "scored as the nearest possible value and flagged for the owner department to correct.",
)


def with_unit(kpi: Kpi, x: float, lang: str = "en") -> str:
    return format_with_unit(kpi.unit, x, lang)


def explain_normalisation(kpi: Kpi) -> tuple[str, str]:
    """(zh, en) of how this KPI is scored, with its own numbers."""
    t, f, lim = kpi.target, kpi.floor, kpi.limit
    tz, fz, lz = (with_unit(kpi, x, "zh") for x in (t, f, lim))
    te, fe, le = (with_unit(kpi, x, "en") for x in (t, f, lim))
    if kpi.direction == Direction.HIGHER:
        return (
            f"{kpi.name_zh}：≥ {tz} 得 100 分；= {fz}（底线）得 60 分；其间线性；"
            f"低于底线线性下降，≤ {lz} 得 0 分。",
            f"{kpi.name_en}: ≥ {te} scores 100; {fe} (the floor) scores 60; linear in between; "
            f"below the floor falling linearly to 0 at ≤ {le}.",
        )
    return (
        f"{kpi.name_zh}：≤ {tz} 得 100 分；= {fz}（底线）得 60 分；其间线性；"
        f"高于底线线性下降，≥ {lz} 得 0 分。",
        f"{kpi.name_en}: ≤ {te} scores 100; {fe} (the floor) scores 60; linear in between; "
        f"above the floor falling linearly to 0 at ≥ {le}.",
    )


# --- one KPI --------------------------------------------------------------------------------------


def _value(raw, field: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, Real | Decimal):
        raise PerformanceInputError(field, "The value must be a number.", "数值必须是数字。")
    try:
        value = float(raw)
    except OverflowError:  # a Decimal beyond float: refuse rather than guess
        value = math.nan
    if not math.isfinite(value):
        raise PerformanceInputError(
            field,
            "The value is not a finite number (NaN or infinity).",
            "数值不是有限数（NaN 或无穷大）。",
        )
    return value


def normalised_score(kpi: Kpi, value: float) -> float:
    """The KPI's score 0–100 for a finite ``value`` (see the module docstring). ``kpi`` is
    assumed valid (it comes from a KpiSet)."""
    lo, hi = kpi.plausible_range
    v = min(max(value, lo), hi)  # clamp to what the unit allows
    t, f, lim = kpi.target, kpi.floor, kpi.limit
    # The expressions (and their grouping) are those of sei_vectorised: keep them identical.
    if kpi.direction == Direction.HIGHER:
        v = min(max(v, lim), t)
        if v >= f:
            return 60.0 + 40.0 * ((v - f) / (t - f))
        return 60.0 * ((v - lim) / (f - lim))
    v = min(max(v, t), lim)
    if v <= f:
        return 60.0 + 40.0 * ((f - v) / (f - t))
    return 60.0 * ((lim - v) / (lim - f))


def quantize_sei(raw: float) -> Decimal:
    """The reported SEI: the float's exact value rounded half up to 0.01."""
    return Decimal(raw).quantize(CENT, rounding=ROUND_HALF_UP)


# --- one contract and period, with the drill-down -----------------------------------------------


@dataclass(frozen=True)
class KpiScore:
    """One line of the drill-down: every input and the KPI's share of the index."""

    code: str
    name_zh: str
    name_en: str
    unit: str
    direction: str
    value: float | None  # as submitted (None: missing)
    scored_value: float | None  # after clamping to the unit's possible range
    target: float
    floor: float
    limit: float  # the value that scores 0
    weight: float  # as in the contract
    effective_weight: float  # weight ÷ assessed weights; 0 when excused
    score: float | None  # 0–100; None when excused
    contribution: float  # points of the SEI: effective_weight × score
    status: KpiStatus
    out_of_range: bool  # the value was outside the unit's range and was clamped

    @property
    def below_floor(self) -> bool:
        """Measured and worse than the floor (score below 60)."""
        return self.status == KpiStatus.MEASURED and self.score is not None and self.score < 60

    def to_dict(self) -> dict:
        return {
            "code": self.code,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "unit": self.unit,
            "direction": self.direction,
            "value": self.value,
            "scored_value": self.scored_value,
            "target": self.target,
            "floor": self.floor,
            "limit": self.limit,
            "weight": self.weight,
            "effective_weight": self.effective_weight,
            "score": self.score,
            "contribution": self.contribution,
            "status": str(self.status),
            "out_of_range": self.out_of_range,
            "below_floor": self.below_floor,
        }


@dataclass(frozen=True)
class SEIResult:
    sei: Decimal  # reported, 0.01
    sei_raw: float  # before rounding
    kpis: tuple[KpiScore, ...]
    contract_id: str = ""
    period: str = ""

    def kpi(self, code: str) -> KpiScore:
        for k in self.kpis:
            if k.code == code:
                return k
        raise KeyError(code)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(k.code for k in self.kpis if k.status == KpiStatus.MISSING)

    @property
    def excused(self) -> tuple[str, ...]:
        return tuple(k.code for k in self.kpis if k.status == KpiStatus.EXCUSED)

    @property
    def below_floor(self) -> tuple[str, ...]:
        return tuple(k.code for k in self.kpis if k.below_floor)

    def to_dict(self) -> dict:
        return {
            "contract_id": self.contract_id,
            "period": self.period,
            "sei": str(self.sei),
            "sei_raw": self.sei_raw,
            "kpis": [k.to_dict() for k in self.kpis],
            "missing": list(self.missing),
            "excused": list(self.excused),
            "below_floor": list(self.below_floor),
        }


def service_effectiveness_index(
    kpis: KpiSet | Iterable[Kpi],
    values: Mapping[str, float | int | Decimal | None],
    *,
    excused: Iterable[str] = (),
    contract_id: str = "",
    period: str = "",
) -> SEIResult:
    """The SEI of one contract for one period, with the drill-down.

    ``values`` maps KPI codes to the period's values; a code absent or mapped to None is
    missing (scores 0). ``excused``: codes the owner department excused for the period.
    A value that is not a finite number, a code not in the set, or excusing every KPI raises
    PerformanceInputError.
    """
    ks = kpi_set(kpis)
    codes = set(ks.codes)
    for code in values:
        if code not in codes:
            raise PerformanceInputError(
                f"values.{code}",
                f"{code} is not a KPI of this contract.",
                f"{code} 不是本合同的考核指标。",
            )
    excused_set = set(excused)
    for code in excused_set:
        if code not in codes:
            raise PerformanceInputError(
                "excused",
                f"{code} is not a KPI of this contract.",
                f"{code} 不是本合同的考核指标。",
            )
    num = 0.0
    den = 0.0
    scored: list[tuple[Kpi, float | None, float | None, float | None, KpiStatus, bool]] = []
    for kpi in ks:
        raw = values.get(kpi.code)
        value = None if raw is None else _value(raw, f"values.{kpi.code}")
        if kpi.code in excused_set:
            scored.append((kpi, value, None, None, KpiStatus.EXCUSED, False))
            continue
        den = den + kpi.weight
        if value is None:
            score, clamped, status, out = 0.0, None, KpiStatus.MISSING, False
        else:
            lo, hi = kpi.plausible_range
            clamped = min(max(value, lo), hi)
            score, status, out = normalised_score(kpi, value), KpiStatus.MEASURED, clamped != value
        num = num + kpi.weight * score
        scored.append((kpi, value, clamped, score, status, out))
    if den == 0.0:
        raise PerformanceInputError(
            "excused",
            "Every KPI is excused: the period has nothing to assess.",
            "所有指标均被免考：本期没有可评估的指标。",
        )
    raw_sei = min(FULL_SCORE, max(0.0, num / den))
    lines = []
    for kpi, value, clamped, score, status, out in scored:
        effective = 0.0 if status == KpiStatus.EXCUSED else kpi.weight / den
        lines.append(
            KpiScore(
                code=kpi.code,
                name_zh=kpi.name_zh,
                name_en=kpi.name_en,
                unit=str(kpi.unit),
                direction=str(kpi.direction),
                value=value,
                scored_value=clamped,
                target=kpi.target,
                floor=kpi.floor,
                limit=kpi.limit,
                weight=kpi.weight,
                effective_weight=effective,
                score=score,
                contribution=effective * score if score is not None else 0.0,
                status=status,
                out_of_range=out,
            )
        )
    return SEIResult(
        sei=quantize_sei(raw_sei),
        sei_raw=raw_sei,
        kpis=tuple(lines),
        contract_id=contract_id,
        period=period,
    )


# --- many contracts × periods (numpy) -----------------------------------------------------------


@dataclass(frozen=True, eq=False)
class KpiArrays:
    """The KPI parameters as float arrays whose last axis is the KPI slot (K).

    Shape (K,): one KPI set for every row. Shape (n, K): one set per contract, for values of
    shape (n, K) or (n, periods, K). Build with ``from_set`` or ``stack``: the sets are
    validated, and stacked sets must have the same number of KPIs (slot k of one contract need
    not be the same KPI as slot k of another).
    """

    target: np.ndarray
    floor: np.ndarray
    limit: np.ndarray
    weight: np.ndarray
    higher: np.ndarray  # bool
    lo: np.ndarray  # the unit's possible range
    hi: np.ndarray

    @classmethod
    def from_set(cls, kpis: KpiSet | Iterable[Kpi]) -> KpiArrays:
        return cls.stack([kpi_set(kpis)]).squeeze()

    @classmethod
    def stack(cls, sets: Sequence[KpiSet | Iterable[Kpi]]) -> KpiArrays:
        checked = [kpi_set(s) for s in sets]
        if not checked:
            raise PerformanceInputError("kpis", "No KPI sets.", "没有考核指标集。")
        width = len(checked[0])
        for i, s in enumerate(checked):
            if len(s) != width:
                raise PerformanceInputError(
                    f"kpis[{i}]",
                    f"Every set must have {width} KPIs to be stacked; this one has {len(s)}.",
                    f"堆叠的指标集须均为 {width} 个指标；该集为 {len(s)} 个。",
                )

        # contracts often share a set (the templates of their operation object): build each
        # distinct set once, then index
        slot: dict[int, int] = {}
        distinct: list[KpiSet] = []
        rows = []
        for s in checked:
            if id(s) not in slot:
                slot[id(s)] = len(distinct)
                distinct.append(s)
            rows.append(slot[id(s)])
        take = np.array(rows, dtype=np.intp)

        def column(get, dtype=np.float64):
            return np.array([[get(k) for k in s] for s in distinct], dtype=dtype)[take]

        return cls(
            target=column(lambda k: k.target),
            floor=column(lambda k: k.floor),
            limit=column(lambda k: k.limit),
            weight=column(lambda k: k.weight),
            higher=column(lambda k: k.direction == Direction.HIGHER, bool),
            lo=column(lambda k: k.plausible_range[0]),
            hi=column(lambda k: k.plausible_range[1]),
        )

    def squeeze(self) -> KpiArrays:
        """(1, K) → (K,)."""
        return KpiArrays(*(a[0] for a in self._arrays()))

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return (self.target, self.floor, self.limit, self.weight, self.higher, self.lo, self.hi)

    @property
    def width(self) -> int:
        return self.target.shape[-1]

    def fitted(self, ndim: int) -> KpiArrays:
        """Per-contract arrays (n, K) reshaped to (n, 1, …, K) for values with ``ndim`` axes."""
        if self.target.ndim <= 1 or self.target.ndim == ndim:
            return self
        extra = (1,) * (ndim - self.target.ndim)
        return KpiArrays(*(a.reshape(a.shape[:-1] + extra + a.shape[-1:]) for a in self._arrays()))


@dataclass(frozen=True, eq=False)
class SEIBatch:
    """Results of ``sei_vectorised``: arrays over the rows (contracts × periods)."""

    scores: np.ndarray  # (..., K) 0–100; 0 where missing, NaN where excused
    sei_raw: np.ndarray  # (...)
    sei_centi: np.ndarray  # (...) int64: the reported SEI in hundredths (8735 = 87.35)
    missing: np.ndarray  # (..., K) bool
    below_floor: np.ndarray  # (..., K) bool: measured and scored below 60

    def sei(self) -> np.ndarray:
        """The reported SEI as floats (for charts; use ``sei_centi`` for exact work)."""
        return self.sei_centi / 100.0


def quantize_sei_centi(raw: np.ndarray) -> np.ndarray:
    """``quantize_sei`` over an array, in hundredths (int64): floats, and Decimal for the few
    values within float error of a tie."""
    y = raw * 100.0
    f = y + 0.5
    c = np.floor(f)
    r = f - c
    out = c.astype(np.int64)
    near = (r < _TIE_TOL) | (r > 1.0 - _TIE_TOL)
    if near.any():
        idx = np.nonzero(near)
        out[idx] = [int(quantize_sei(float(x)).scaleb(2)) for x in raw[idx]]
    return out


def sei_vectorised(
    kpis: KpiArrays | KpiSet | Iterable[Kpi],
    values: np.ndarray,
    present: np.ndarray | None = None,
    excused: np.ndarray | None = None,
) -> SEIBatch:
    """The SEI of many rows at once; identical to ``service_effectiveness_index`` row by row.

    ``values``: float array (..., K), the KPI slot last. ``present``: bool mask of the values
    that were submitted (default: all); a missing value scores 0 and whatever it holds is ignored.
    ``excused``: bool mask of the KPIs excused by the owner department. A present value that is
    NaN or infinite, or a row with every KPI excused, raises PerformanceInputError naming the
    first such row.
    """
    p = kpis if isinstance(kpis, KpiArrays) else KpiArrays.from_set(kpis)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim < 1 or values.shape[-1] != p.width:
        raise PerformanceInputError(
            "values",
            f"The last axis must hold the {p.width} KPIs; the shape is {values.shape}.",
            f"最后一维须为 {p.width} 个指标；当前形状为 {values.shape}。",
        )
    single = values.ndim == 1  # one row: computed as (1, K)
    if single:
        values = values[None, :]
    p = p.fitted(values.ndim)
    present = (
        np.ones(values.shape, dtype=bool)
        if present is None
        else np.broadcast_to(np.asarray(present, dtype=bool), values.shape)
    )
    excused = (
        np.zeros(values.shape, dtype=bool)
        if excused is None
        else np.broadcast_to(np.asarray(excused, dtype=bool), values.shape)
    )
    assessed = present & ~excused
    bad = present & ~np.isfinite(values)  # as the scalar path: refused even if excused
    if bad.any():
        where = tuple(int(i[0]) for i in np.nonzero(bad))
        raise PerformanceInputError(
            "values",
            f"The value at {where} is not a finite number (NaN or infinity).",
            f"位置 {where} 的数值不是有限数（NaN 或无穷大）。",
        )
    # Missing cells take the target (any finite number would do): their score is replaced by 0.
    v = np.where(assessed, values, p.target)
    v = np.minimum(np.maximum(v, p.lo), p.hi)
    t, f, lim = p.target, p.floor, p.limit
    up = np.minimum(np.maximum(v, lim), t)
    down = np.minimum(np.maximum(v, t), lim)
    with np.errstate(invalid="ignore", divide="ignore"):  # the branch not taken may divide 0/0
        s_up = np.where(
            up >= f, 60.0 + 40.0 * ((up - f) / (t - f)), 60.0 * ((up - lim) / (f - lim))
        )
        s_down = np.where(
            down <= f, 60.0 + 40.0 * ((f - down) / (f - t)), 60.0 * ((lim - down) / (lim - f))
        )
    score = np.where(p.higher, s_up, s_down)
    score = np.where(present, score, 0.0)
    weight = np.broadcast_to(p.weight, values.shape)
    num = np.zeros(values.shape[:-1])
    den = np.zeros(values.shape[:-1])
    for k in range(values.shape[-1]):  # left to right, as the scalar loop
        w = np.where(excused[..., k], 0.0, weight[..., k])
        den = den + w
        num = num + w * np.where(excused[..., k], 0.0, score[..., k])
    if (den == 0.0).any():
        where = tuple(int(i[0]) for i in np.nonzero(den == 0.0))
        raise PerformanceInputError(
            "excused",
            f"Every KPI of row {where} is excused: it has nothing to assess.",
            f"第 {where} 行所有指标均被免考：没有可评估的指标。",
        )
    raw = np.minimum(FULL_SCORE, np.maximum(0.0, num / den))
    parts = (
        np.where(excused, np.nan, score),
        raw,
        quantize_sei_centi(raw),
        ~present & ~excused,
        assessed & (score < PASS_SCORE),
    )
    return SEIBatch(*(a[0] for a in parts) if single else parts)
