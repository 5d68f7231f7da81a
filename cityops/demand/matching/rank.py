"""Suppliers ranked for a need, each with why it matched and which hard requirements it meets.

Hard requirements
-----------------
Qualification rules (``QUALIFICATION_RULES``; a rule applies when its condition holds for the
need, and passes when the supplier holds any accepted qualification valid on the need's date):

| code          | applies when                                   | accepted qualification (valid on the date) |
|---------------|------------------------------------------------|--------------------------------------------|
| iso27001      | security_level ≥ 3 (等保三级及以上)             | iso27001                                   |
| djcp_service  | category = security, or tag 等保测评           | djcp_service (等保测评/安全服务资质)        |
| xinchuang     | xinchuang_required                             | xinchuang (信创适配认证)                    |
| maturity      | budget_wan ≥ 500                               | cmmi level ≥ 3, or its (ITSS) level ≤ 3    |

ITSS levels run the other way from CMMI: 一级 is the highest, 四级 the lowest, so "ITSS 三级或以上"
is a level number ≤ 3. A qualification is valid through its expiry date; one that expired before
the need's date (``as_of``, default ``need.filed_on``) fails with code ``expiry`` and names the
date. Besides the qualifications, every need checks:

- ``region``: the supplier serves the need's region (one of ``regions_served`` is a prefix of
  ``need.region_code``; "" serves the whole country);
- ``capacity``: free capacity ``capacity_wan − load_wan`` ≥ ``budget_wan``.

Score
-----
``score = 100 × (W_TEXT × text_part + W_TAGS × tag_part)``, where ``text_part`` = BM25 of the
need against the supplier's texts ÷ the BM25 upper bound of the need (bm25.py), in [0, 1), and
``tag_part`` = the share of the need's tags among the supplier's tags. The need's query weighs
its title and tags ``TITLE_WEIGHT`` / ``TAG_WEIGHT`` times its description.

Order
-----
``rank_suppliers`` returns the ``top`` best-scoring suppliers that pass every hard check, then
the suppliers among the ``top`` best-scoring overall that fail one, with the failures explained
(a user looking for a known supplier learns why it is not eligible). Suppliers whose score is 0
(nothing in common with the need) are left out. Equal scores keep the suppliers' given order.
``rank_all`` gives the same lists for many needs, with the index built once and the scoring
vectorised over blocks of needs.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

import numpy as np

from . import text as textmod
from .bm25 import BM25Index
from .data import (
    QUALIFICATION_NAMES,
    NeedText,
    Qualification,
    SupplierCapability,
    validate_need,
    validate_supplier,
)

W_TEXT = 0.8
W_TAGS = 0.2
TITLE_WEIGHT = 2.0
TAG_WEIGHT = 2.0
DESCRIPTION_WEIGHT = 1.0
MAX_TERMS = 12  # matched terms shown per supplier

# Which supplier text a matched term was found in (bits of BM25Index attrs).
FIELD_BITS = {"capabilities": 1, "tags": 2, "references": 4}

_FIELD_NAMES = {bits: tuple(f for f, bit in FIELD_BITS.items() if bits & bit) for bits in range(8)}

_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq}


@dataclass(frozen=True)
class Condition:
    """``need.<field> <op> <value>``; op "has" tests a tag (normalised) in ``need.tags``."""

    field: str
    op: str
    value: object

    def holds(self, need: NeedText) -> bool:
        if self.op == "has":
            return self.value in {textmod.normalise(t) for t in need.tags}
        return _OPS[self.op](getattr(need, self.field), self.value)


@dataclass(frozen=True)
class Accept:
    """A qualification kind, with an optional level test (``op`` against ``level``)."""

    kind: str
    op: str | None = None
    level: int | None = None

    def accepts(self, kind: str, level: int | None) -> bool:
        if kind != self.kind:
            return False
        return self.op is None or (level is not None and _OPS[self.op](level, self.level))


@dataclass(frozen=True)
class QualificationRule:
    code: str
    when: tuple[Condition, ...]  # any of them
    accept: tuple[Accept, ...]  # any of them
    why_zh: str
    why_en: str
    needs_zh: str
    needs_en: str


QUALIFICATION_RULES: tuple[QualificationRule, ...] = (
    QualificationRule(
        "iso27001",
        (Condition("security_level", ">=", 3),),
        (Accept("iso27001"),),
        "等保三级及以上需求", "a need at 等保 level 3 or above",
        "ISO/IEC 27001 信息安全管理体系认证", "an ISO/IEC 27001 certification",
    ),
    QualificationRule(
        "djcp_service",
        (Condition("category", "==", "security"), Condition("tags", "has", "等保测评")),
        (Accept("djcp_service"),),
        "网络安全/等保测评需求", "a security or 等保 assessment need",
        "等保测评/安全服务资质", "an MLPS (等保) assessment qualification",
    ),
    QualificationRule(
        "xinchuang",
        (Condition("xinchuang_required", "==", True),),
        (Accept("xinchuang"),),
        "要求信创的需求", "a need requiring domestic technology (信创)",
        "信创适配认证", "a domestic-technology (信创) certification",
    ),
    QualificationRule(
        "maturity",
        (Condition("budget_wan", ">=", Decimal(500)),),
        (Accept("cmmi", ">=", 3), Accept("its", "<=", 3)),
        "预算 500 万元及以上的需求", "a need with a budget of 500万 or more",
        "CMMI 三级及以上或 ITSS 三级及以上资质", "CMMI level 3+ or ITSS level 3 or better",
    ),
)  # fmt: skip


class RequirementCheck(NamedTuple):  # a tuple: hundreds of thousands are made per batch
    code: str  # "qualification" | "expiry" | "region" | "capacity"
    rule: str  # the qualification rule's code, or "region" / "capacity"
    passed: bool
    message_zh: str
    message_en: str


class MatchedTerm(NamedTuple):
    term: str  # as shown to people (a bigram without its marker)
    weight: float  # its contribution to the BM25 score
    fields: tuple[str, ...]  # supplier texts it occurs in: capabilities, tags, references


@dataclass(frozen=True)
class SupplierMatch:
    supplier_id: str
    supplier_name: str
    rank: int  # 1-based position in the returned list
    score: float  # 0..100
    bm25: float  # raw BM25 score
    text_part: float  # bm25 ÷ the need's upper bound, 0..1
    tag_part: float  # share of the need's tags the supplier has, 0..1
    eligible: bool  # every hard requirement passed
    matched_terms: tuple[MatchedTerm, ...]
    matched_tags: tuple[str, ...]
    requirements: tuple[RequirementCheck, ...]

    @property
    def failures(self) -> tuple[RequirementCheck, ...]:
        return tuple(r for r in self.requirements if not r.passed)


# --- the index ---------------------------------------------------------------------------------

_NO_EXPIRY = dt.date.max.toordinal()


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


class SupplierIndex:
    """Everything about the suppliers that does not depend on the need: built once, reused for
    every need (BM25 over their texts, their tags, and the arrays of the hard checks)."""

    def __init__(self, suppliers: Sequence[SupplierCapability], *, mode: str = textmod.DEFAULT_MODE):
        self.suppliers = tuple(validate_supplier(s) for s in suppliers)
        self.mode = mode
        docs, attrs = [], []
        for s in self.suppliers:
            parts = {
                "capabilities": textmod.tokenize(s.capabilities, mode),
                "tags": textmod.tokenize(" ".join(s.tags), mode) + textmod.tokenize_tags(s.tags),
                "references": textmod.tokenize(" ".join(s.references), mode),
            }
            bits: dict[str, int] = {}
            for field, tokens in parts.items():
                for t in tokens:
                    bits[t] = bits.get(t, 0) | FIELD_BITS[field]
            docs.append([t for tokens in parts.values() for t in tokens])
            attrs.append(bits)
        self.bm25 = BM25Index(docs, attrs=attrs)
        # tags: tag -> supplier positions
        self.tag_sets = [frozenset(textmod.tokenize_tags(s.tags)) for s in self.suppliers]
        postings: dict[str, list[int]] = {}
        for i, tags in enumerate(self.tag_sets):
            for t in tags:
                postings.setdefault(t, []).append(i)
        self.tag_postings = {t: np.array(v, dtype=np.int64) for t, v in postings.items()}
        # hard checks
        self.free_cents = np.array(
            [_cents(s.capacity_wan - s.load_wan) for s in self.suppliers], dtype=np.int64
        )
        self.best_expiry = {}  # rule code -> latest expiry ordinal of an accepted qualification
        self.accepted = [{} for _ in self.suppliers]  # per supplier: rule code -> qualifications
        for rule in QUALIFICATION_RULES:
            best = np.full(len(self.suppliers), -1, dtype=np.int64)
            for i, s in enumerate(self.suppliers):
                held = tuple(q for q in s.qualifications
                             if any(a.accepts(q.kind, q.level) for a in rule.accept))  # fmt: skip
                self.accepted[i][rule.code] = held
                for q in held:
                    day = q.expires_on.toordinal() if q.expires_on else _NO_EXPIRY
                    best[i] = max(best[i], day)
            self.best_expiry[rule.code] = best
        self._region_masks: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.suppliers)

    def region_mask(self, region_code: str) -> np.ndarray:
        mask = self._region_masks.get(region_code)
        if mask is None:
            mask = np.array(
                [any(region_code.startswith(p) for p in s.regions_served) for s in self.suppliers],
                dtype=bool,
            )
            self._region_masks[region_code] = mask
        return mask


def build_index(
    suppliers: Sequence[SupplierCapability], *, mode: str = textmod.DEFAULT_MODE
) -> SupplierIndex:
    return SupplierIndex(suppliers, mode=mode)


# --- the need side -----------------------------------------------------------------------------


def need_query(need: NeedText, mode: str = textmod.DEFAULT_MODE) -> dict[str, float]:
    """The need's BM25 query: term -> weight (title and tags weigh more than the description)."""
    query: dict[str, float] = {}
    fields = (
        (TITLE_WEIGHT, textmod.tokenize(need.title, mode)),
        (DESCRIPTION_WEIGHT, textmod.tokenize(need.description, mode)),
        (TAG_WEIGHT, textmod.tokenize(" ".join(need.tags), mode) + textmod.tokenize_tags(need.tags)),
    )
    for weight, tokens in fields:
        for t in dict.fromkeys(tokens):  # once per field, in order
            query[t] = query.get(t, 0.0) + weight
    return query


def applicable_rules(need: NeedText) -> tuple[QualificationRule, ...]:
    return tuple(r for r in QUALIFICATION_RULES if any(c.holds(need) for c in r.when))


def check_requirements(
    need: NeedText,
    supplier: SupplierCapability,
    as_of: dt.date | None = None,
    *,
    rules: Sequence[QualificationRule] | None = None,
    accepted: Mapping[str, tuple[Qualification, ...]] | None = None,
) -> tuple[RequirementCheck, ...]:
    """The hard checks of one supplier for one need, in the order of the module's table
    (``rules``: the need's applicable rules, ``accepted``: the supplier's qualifications each
    rule accepts, when the caller has them already)."""
    day = as_of or need.filed_on
    checks = []
    for rule in applicable_rules(need) if rules is None else rules:
        if accepted is not None:
            held = accepted[rule.code]
        else:
            held = [
                q for q in supplier.qualifications
                if any(a.accepts(q.kind, q.level) for a in rule.accept)
            ]  # fmt: skip
        valid = [q for q in held if q.valid_on(day)]
        if valid:
            best = max(valid, key=lambda q: q.expires_on or dt.date.max)
            until = best.expires_on.isoformat() if best.expires_on else None
            name_zh, name_en = QUALIFICATION_NAMES[best.kind]
            checks.append(RequirementCheck(
                "qualification", rule.code, True,
                f"持有有效的{name_zh}" + (f"（有效期至 {until}）" if until else "") + "。",
                f"Holds a valid {name_en}" + (f" (valid until {until})" if until else "") + ".",
            ))  # fmt: skip
        elif held:
            last = max(held, key=lambda q: q.expires_on)  # all held ones expired: dates exist
            name_zh, name_en = QUALIFICATION_NAMES[last.kind]
            expired = last.expires_on.isoformat()
            checks.append(RequirementCheck(
                "expiry", rule.code, False,
                f"{name_zh}已于 {expired} 到期，需求日期 {day.isoformat()} 时无效"
                f"（{rule.why_zh}须具备{rule.needs_zh}）。",
                f"The {name_en} expired on {expired}, before the need's date {day.isoformat()} "
                f"({rule.why_en} needs {rule.needs_en}).",
            ))  # fmt: skip
        else:
            checks.append(RequirementCheck(
                "qualification", rule.code, False,
                f"缺少{rule.needs_zh}（{rule.why_zh}须具备）。",
                f"Lacks {rule.needs_en} ({rule.why_en} needs it).",
            ))  # fmt: skip
    served = [p for p in supplier.regions_served if need.region_code.startswith(p)]
    regions = "、".join(p or "全国" for p in supplier.regions_served)
    regions_en = ", ".join(p or "national" for p in supplier.regions_served)
    if served:
        checks.append(RequirementCheck(
            "region", "region", True,
            f"服务区域 {regions} 覆盖需求所在地 {need.region_code}。",
            f"Serves {regions_en}, which covers the need's region {need.region_code}.",
        ))  # fmt: skip
    else:
        checks.append(RequirementCheck(
            "region", "region", False,
            f"服务区域 {regions} 不覆盖需求所在地 {need.region_code}。",
            f"Serves {regions_en} only, not the need's region {need.region_code}.",
        ))  # fmt: skip
    free = supplier.capacity_wan - supplier.load_wan
    if _cents(free) >= _cents(need.budget_wan):  # to the cent, as the vectorised path
        checks.append(RequirementCheck(
            "capacity", "capacity", True,
            f"剩余服务能力 {free} 万元 ≥ 需求预算 {need.budget_wan} 万元。",
            f"Free capacity {free}万 ≥ the need's budget {need.budget_wan}万.",
        ))  # fmt: skip
    else:
        checks.append(RequirementCheck(
            "capacity", "capacity", False,
            f"剩余服务能力 {free} 万元（年能力 {supplier.capacity_wan} − 在手 {supplier.load_wan}）"
            f"低于需求预算 {need.budget_wan} 万元。",
            f"Free capacity {free}万 (capacity {supplier.capacity_wan} − load "
            f"{supplier.load_wan}) is below the need's budget {need.budget_wan}万.",
        ))  # fmt: skip
    return tuple(checks)


# --- ranking -----------------------------------------------------------------------------------


def _eligible_block(index: SupplierIndex, needs, days, rules):
    """Boolean (len(needs), n_suppliers): every hard check passes (vectorised check_requirements)."""
    n = len(index)
    out = np.empty((len(needs), n), dtype=bool)
    for row, (need, day) in enumerate(zip(needs, days, strict=True)):
        mask = index.region_mask(need.region_code) & (index.free_cents >= _cents(need.budget_wan))
        ordinal = day.toordinal()
        for rule in rules[row]:
            mask = mask & (index.best_expiry[rule.code] >= ordinal)
        out[row] = mask
    return out


def _tag_counts(index: SupplierIndex, tag_lists: Sequence[Sequence[str]]) -> np.ndarray:
    counts = np.zeros((len(tag_lists), len(index)), dtype=np.float64)
    for row, tags in enumerate(tag_lists):
        for t in tags:
            docs = index.tag_postings.get(t)
            if docs is not None:
                counts[row, docs] += 1
    return counts


def _top(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k largest positive values, best first, ties by index (stable)."""
    candidates = np.flatnonzero(values > 0)
    if len(candidates) > k:
        # partition on the k-th largest, then keep every value tied with it (stable ties)
        kth = np.partition(values[candidates], len(candidates) - k)[len(candidates) - k]
        candidates = candidates[values[candidates] >= kth]
    order = np.lexsort((candidates, -values[candidates]))
    return candidates[order][:k]


def _rank_block(
    index: SupplierIndex,
    needs: Sequence[NeedText],
    top: int,
    as_of: dt.date | None,
) -> list[list[SupplierMatch]]:
    queries = [need_query(n, index.mode) for n in needs]
    resolved = [index.bm25.resolve(q) for q in queries]
    tag_lists = [list(dict.fromkeys(textmod.tokenize_tags(n.tags))) for n in needs]
    bm25 = index.bm25.scores_batch(resolved)
    bounds = np.array([index.bm25.upper_bound(r) or 1.0 for r in resolved])
    text_part = bm25 / bounds[:, None]
    n_tags = np.array([max(len(t), 1) for t in tag_lists], dtype=np.float64)
    tag_part = _tag_counts(index, tag_lists) / n_tags[:, None]
    score = 100 * (W_TEXT * text_part + W_TAGS * tag_part)
    days = [as_of or n.filed_on for n in needs]
    rules = [applicable_rules(n) for n in needs]
    eligible = _eligible_block(index, needs, days, rules)
    results = []
    for row, need in enumerate(needs):
        s = score[row]
        passing = _top(np.where(eligible[row], s, 0.0), top)
        failing = [i for i in _top(s, top) if not eligible[row, i]]
        chosen = list(passing) + failing
        results.append(
            _explain(index, need, queries[row], resolved[row], tag_lists[row], chosen, row,
                     score, bm25, text_part, tag_part, eligible, days[row], rules[row])
        )  # fmt: skip
    return results


def _explain(index, need, query, resolved, tags, chosen, row, score, bm25, text_part, tag_part,
             eligible, day, rules) -> list[SupplierMatch]:  # fmt: skip
    if not chosen:
        return []
    ids, q_w = resolved
    known = np.flatnonzero(ids >= 0)  # a term no supplier has cannot match
    terms = list(query)
    n_terms = len(known)
    docs = np.repeat(np.array(chosen, dtype=np.int64), n_terms)
    found, weights, attrs = index.bm25.lookup(docs, np.tile(ids[known], len(chosen)))
    contrib = (weights * np.tile(q_w[known], len(chosen))).reshape(len(chosen), n_terms)
    attrs = attrs.reshape(len(chosen), n_terms)
    # per supplier, only the strongest few terms go to Python (a word, its bigrams and its
    # concept merge into one line, so take a few more than are shown)
    keep = min(n_terms, 3 * MAX_TERMS)
    if keep < n_terms:
        top = np.argpartition(-contrib, keep - 1, axis=1)[:, :keep]
    else:
        top = np.broadcast_to(np.arange(n_terms), (len(chosen), n_terms))
    top_w = np.take_along_axis(contrib, top, axis=1).tolist()
    top_a = np.take_along_axis(attrs, top, axis=1).tolist()
    top_t = known[top].tolist()
    shown: dict[int, str] = {}  # term index -> as shown, for the terms that are shown
    field_names = _FIELD_NAMES
    out = []
    for pos, i in enumerate(chosen):
        supplier = index.suppliers[i]
        hits: dict[str, list] = {}  # shown term -> [weight, field bits]
        for j, w, a in zip(top_t[pos], top_w[pos], top_a[pos], strict=True):
            if w <= 0:
                continue
            name = shown.get(j)
            if name is None:
                name = shown[j] = textmod.display_term(terms[j])
            hit = hits.get(name)
            if hit is None:
                hits[name] = [w, a]
            else:  # a word and its bigram, or a word and its concept: one line for a reader
                hit[0] += w
                hit[1] |= a
        best = sorted(hits.items(), key=lambda kv: (-kv[1][0], kv[0]))[:MAX_TERMS]
        matched_terms = tuple(
            MatchedTerm(term, round(w, 4), field_names[a & 7]) for term, (w, a) in best
        )
        tag_set = index.tag_sets[i]
        out.append(
            SupplierMatch(
                supplier_id=supplier.id,
                supplier_name=supplier.name,
                rank=pos + 1,
                score=round(float(score[row, i]), 2),
                bm25=round(float(bm25[row, i]), 4),
                text_part=round(float(text_part[row, i]), 4),
                tag_part=round(float(tag_part[row, i]), 4),
                eligible=bool(eligible[row, i]),
                matched_terms=matched_terms,
                matched_tags=tuple(t for t in tags if t in tag_set),
                requirements=check_requirements(need, supplier, day, rules=rules,
                                                accepted=index.accepted[i]),
            )
        )
    return out


def _index_for(suppliers: Sequence[SupplierCapability], index: SupplierIndex | None):
    if index is None:
        return build_index(suppliers)
    if index.suppliers is not suppliers and [s.id for s in index.suppliers] != [
        s.id for s in suppliers
    ]:
        raise ValueError("index: built over other suppliers than the ones given")
    return index


def rank_suppliers(
    need: NeedText,
    suppliers: Sequence[SupplierCapability],
    index: SupplierIndex | None = None,
    top: int = 10,
    as_of: dt.date | None = None,
) -> list[SupplierMatch]:
    """Suppliers for ``need``: the ``top`` eligible ones best first, then the ones among the
    ``top`` best-scoring that fail a hard requirement (see the module's docstring)."""
    index = _index_for(suppliers, index)
    return _rank_block(index, [validate_need(need)], top, as_of)[0]


def rank_all(
    needs: Sequence[NeedText],
    suppliers: Sequence[SupplierCapability],
    top: int = 10,
    *,
    index: SupplierIndex | None = None,
    as_of: dt.date | None = None,
    block: int = 256,
) -> dict[str, list[SupplierMatch]]:
    """``rank_suppliers`` for every need (need id -> its list), the index built once and the
    scores computed ``block`` needs at a time."""
    index = _index_for(suppliers, index)
    needs = [validate_need(n) for n in needs]
    out: dict[str, list[SupplierMatch]] = {}
    for start in range(0, len(needs), block):
        chunk = needs[start : start + block]
        for need, matches in zip(chunk, _rank_block(index, chunk, top, as_of), strict=True):
            out[need.id] = matches
    return out


def matches_by_id(matches: Sequence[SupplierMatch]) -> Mapping[str, SupplierMatch]:
    return {m.supplier_id: m for m in matches}
