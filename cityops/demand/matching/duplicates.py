"""Duplicate needs across departments (brief §2, Chengdu's intensive procurement): pairs of needs
filed by different departments that ask for the same thing, and merge proposals for one
intensive (集约化) procurement.

Similarity
----------
Each need is a TF-IDF vector over its tokens (text.py; title and tags count ``TITLE_REPEAT``
times), with sublinear tf (1 + ln tf), smooth idf (ln((1 + N) / (1 + df)) + 1) and L2 norm, so
``text_similarity`` is the cosine in [0, 1]. The pair's ``similarity`` adds the category::

    similarity = TEXT_WEIGHT × cosine + (1 − TEXT_WEIGHT) × [same operation object]

A pair is reported when ``similarity ≥ threshold`` and the departments differ (a department
re-filing its own need is another problem). ``DEFAULT_THRESHOLD`` = 0.35 and ``TEXT_WEIGHT`` =
0.8 give the best F1 on the whole labelled set (so that figure is optimistic); tuned on one half
and measured on the other, both ways round, the held-out F1 is lower (evaluate.py prints both).

Scale
-----
Not all N²/2 pairs: candidates come from an inverted index over the *rare* terms (document
frequency ≤ ``max(RARE_DF_FLOOR, RARE_DF_SHARE × N)``), scored in blocks of needs with one
gather and one ``np.bincount`` (the sparse product without scipy); a candidate whose rare-term
cosine is at least ``CANDIDATE_SHARE`` of the cosine the threshold needs is then scored exactly
over all its terms. Common terms (in more than 2% of needs) are low-idf and carry little of a
cosine, so this is the usual approximation of candidate generation: a pair that shares only
common words can be missed, which is the kind of pair the threshold rejects anyway.

Indicators
----------
Each pair says which of the 12 quantified indicators agree (``IndicatorComparison``), and
``group_duplicates`` joins pairs into connected groups, each a ``MergeProposal`` with the
total budget and the most demanding value of each indicator.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from . import text as textmod
from .data import NeedText, validate_need

DEFAULT_THRESHOLD = 0.35
TEXT_WEIGHT = 0.8
TITLE_REPEAT = 2
RARE_DF_SHARE = 0.02
RARE_DF_FLOOR = 20
CANDIDATE_SHARE = 0.6
MAX_SHARED_TERMS = 10
BUDGET_AGREES = Decimal("0.5")  # budgets agree when the smaller is at least half the larger


@dataclass(frozen=True)
class IndicatorComparison:
    name: str  # a NeedText field
    value_a: object
    value_b: object
    agrees: bool
    note: str = ""  # e.g. the budget ratio


@dataclass(frozen=True)
class DuplicatePair:
    a: NeedText  # the earlier-filed need (then by id)
    b: NeedText
    similarity: float  # 0..1
    text_similarity: float  # TF-IDF cosine, 0..1
    same_category: bool
    shared_terms: tuple[str, ...]  # the terms that weigh most in the cosine, best first
    indicators: tuple[IndicatorComparison, ...]

    @property
    def ids(self) -> tuple[str, str]:
        return (self.a.id, self.b.id)

    @property
    def differing(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.indicators if not c.agrees)


@dataclass(frozen=True)
class MergeProposal:
    """One intensive procurement for a connected group of duplicate needs."""

    needs: tuple[NeedText, ...]  # by filing date, then id
    departments: tuple[str, ...]
    pairs: tuple[DuplicatePair, ...]
    min_similarity: float
    total_budget_wan: Decimal
    category: str  # the most common category of the group
    technical_standard: str  # every standard any need names, "；"-separated
    implementation_days: int  # the shortest period asked (0 = none asked)
    availability_pct: Decimal  # the highest
    response_minutes: int  # the fastest asked (0 = none asked)
    data_interfaces: int  # sum: each department's interfaces are its own (their union)
    security_level: int  # the highest
    user_scale: int  # sum of the users served
    integration_points: int  # sum: each department integrates its own systems
    xinchuang_required: bool  # any need requires it
    acceptance_criteria: str  # every need's criteria, "；"-separated
    operations_months: int  # the longest

    @property
    def need_ids(self) -> tuple[str, ...]:
        return tuple(n.id for n in self.needs)


# --- vectors -----------------------------------------------------------------------------------


def need_tokens(need: NeedText, mode: str = textmod.DEFAULT_MODE) -> list[str]:
    title = textmod.tokenize(need.title, mode)
    tags = textmod.tokenize(" ".join(need.tags), mode) + textmod.tokenize_tags(need.tags)
    return title * TITLE_REPEAT + textmod.tokenize(need.description, mode) + tags * TITLE_REPEAT


class NeedVectors:
    """L2-normalised TF-IDF vectors of needs, need-major (CSR) and term-major (postings)."""

    def __init__(self, token_lists: Sequence[Sequence[str]]):
        n = len(token_lists)
        vocab: dict[str, int] = {}
        ids: list[int] = []
        lens = []
        for tokens in token_lists:
            # setdefault's default is evaluated first: a new term gets the next id
            ids.extend([vocab.setdefault(t, len(vocab)) for t in tokens])
            lens.append(len(tokens))
        self.vocab = vocab
        self.terms = list(vocab)
        self.n = n
        n_terms = max(len(vocab), 1)
        rows_all = np.repeat(np.arange(n, dtype=np.int64), lens)
        # one (need, term) key per token; np.unique sorts them need-major and counts tf
        keys, tf = np.unique(rows_all * n_terms + np.array(ids, dtype=np.int64),
                             return_counts=True)  # fmt: skip
        rows, tids = keys // n_terms, keys % n_terms
        tf = tf.astype(np.float64)
        self.ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=self.ptr[1:])
        df = np.bincount(tids, minlength=len(vocab))
        self.df = df
        idf = np.log((1 + n) / (1 + df)) + 1
        w = (1 + np.log(tf)) * idf[tids]
        norms = np.sqrt(np.bincount(rows, weights=w * w, minlength=n))
        w = w / np.where(norms > 0, norms, 1)[rows]
        self.tids, self.w, self.rows, self.keys = tids, w, rows, keys
        # term-major postings
        by_term = np.argsort(self.tids, kind="stable")
        self.post_ptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=self.post_ptr[1:])
        self.post_rows = self.rows[by_term]
        self.post_w = self.w[by_term]

    def weights_of(self, rows: np.ndarray, tids: np.ndarray) -> np.ndarray:
        """w(row, term) for arrays of pairs, 0 where the need lacks the term."""
        keys = rows * max(len(self.vocab), 1) + tids
        pos = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        return np.where(self.keys[pos] == keys, self.w[pos], 0.0)

    def cosine(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Exact cosine of pairs (a[k], b[k]): each of a's terms looked up in b."""
        if not len(a):
            return np.zeros(0)
        lens = self.ptr[a + 1] - self.ptr[a]
        starts = np.repeat(self.ptr[a] - (np.cumsum(lens) - lens), lens)
        idx = np.arange(int(lens.sum())) + starts
        other = np.repeat(b, lens)
        prod = self.w[idx] * self.weights_of(other, self.tids[idx])
        pair = np.repeat(np.arange(len(a)), lens)
        return np.bincount(pair, weights=prod, minlength=len(a))


def _candidates(vec: NeedVectors, departments: np.ndarray, min_cos: float, block: int = 512):
    """Pairs (i < j, different departments) whose rare-term cosine reaches ``min_cos``."""
    n = vec.n
    max_df = max(RARE_DF_FLOOR, int(RARE_DF_SHARE * n))
    rare = vec.df <= max_df
    out_i, out_j = [], []
    for start in range(0, n, block):
        stop = min(n, start + block)
        lo, hi = vec.ptr[start], vec.ptr[stop]
        tids, w, rows = vec.tids[lo:hi], vec.w[lo:hi], vec.rows[lo:hi] - start
        keep = rare[tids]
        tids, w, rows = tids[keep], w[keep], rows[keep]
        starts = vec.post_ptr[tids]
        lens = vec.post_ptr[tids + 1] - starts
        total = int(lens.sum())
        if not total:
            continue
        ends = np.cumsum(lens)
        idx = np.arange(total, dtype=np.int64) - np.repeat(ends - lens - starts, lens)
        other = vec.post_rows[idx]
        prod = vec.post_w[idx] * np.repeat(w, lens)
        row = np.repeat(rows, lens)
        upper = other > row + start  # each pair once, i < j
        flat = row[upper] * n + other[upper]
        partial = np.bincount(flat, weights=prod[upper], minlength=(stop - start) * n)
        hit = np.flatnonzero(partial >= min_cos)
        i, j = hit // n + start, hit % n
        cross = departments[i] != departments[j]
        out_i.append(i[cross])
        out_j.append(j[cross])
    if not out_i:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(out_i), np.concatenate(out_j)


# --- pairs -------------------------------------------------------------------------------------


def _ratio(x, y) -> Decimal:
    x, y = Decimal(x), Decimal(y)
    hi = max(x, y)
    return Decimal(1) if hi == 0 else min(x, y) / hi


def _standards(value: str) -> list[str]:
    return [s.strip() for s in re.split(r"[；;，,\n]+", value) if s.strip()]


def compare_indicators(a: NeedText, b: NeedText) -> tuple[IndicatorComparison, ...]:
    """Which quantified indicators of two needs agree (equal, or within a factor of two)."""
    out = [IndicatorComparison("category", a.category, b.category, a.category == b.category)]
    budget = _ratio(a.budget_wan, b.budget_wan)
    out.append(IndicatorComparison("budget_wan", a.budget_wan, b.budget_wan,
                                   budget >= BUDGET_AGREES, f"ratio {budget:.2f}"))  # fmt: skip
    for name in ("security_level", "xinchuang_required", "availability_pct"):
        va, vb = getattr(a, name), getattr(b, name)
        out.append(IndicatorComparison(name, va, vb, va == vb))
    for name in ("implementation_days", "response_minutes", "operations_months",
                 "data_interfaces", "user_scale", "integration_points"):  # fmt: skip
        va, vb = getattr(a, name), getattr(b, name)
        r = _ratio(va, vb)
        out.append(IndicatorComparison(name, va, vb, r >= Decimal("0.5"), f"ratio {r:.2f}"))
    sa, sb = set(_standards(a.technical_standard)), set(_standards(b.technical_standard))
    out.append(IndicatorComparison("technical_standard", a.technical_standard,
                                   b.technical_standard, sa == sb,
                                   "shared: " + "；".join(sorted(sa & sb))))  # fmt: skip
    return tuple(out)


def _shared_terms(vec: NeedVectors, i: int, j: int) -> tuple[str, ...]:
    lo, hi = vec.ptr[i], vec.ptr[i + 1]
    tids = vec.tids[lo:hi]
    prod = vec.w[lo:hi] * vec.weights_of(np.full(len(tids), j), tids)
    shown: dict[str, float] = {}
    for k in np.flatnonzero(prod > 0):
        term = vec.terms[tids[k]]
        # words first: a bigram inside a word already shown adds nothing for a reader
        shown[textmod.display_term(term)] = shown.get(textmod.display_term(term), 0) + prod[k]
    kept: list[str] = []
    for t in sorted(shown, key=lambda t: (-shown[t], t)):
        bare = t.strip("〈〉")
        if not any(bare in other or other.strip("〈〉") in bare for other in kept):
            kept.append(t)
        if len(kept) == MAX_SHARED_TERMS:
            break
    return tuple(kept)


def find_duplicates(
    needs: Sequence[NeedText],
    threshold: float = DEFAULT_THRESHOLD,
    *,
    text_weight: float = TEXT_WEIGHT,
    mode: str = textmod.DEFAULT_MODE,
) -> list[DuplicatePair]:
    """Pairs of needs from different departments with ``similarity ≥ threshold``, most similar
    first (ties by the needs' ids)."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold: must be in (0, 1], got {threshold}")
    needs = [validate_need(n) for n in needs]
    if len(needs) < 2:
        return []
    vec = NeedVectors([need_tokens(n, mode) for n in needs])
    departments = np.array([n.department for n in needs])
    # the cosine a pair needs when its categories agree (the most favourable case)
    min_cos = max((threshold - (1 - text_weight)) / text_weight, 0.0) if text_weight else 0.0
    i, j = _candidates(vec, departments, min_cos * CANDIDATE_SHARE)
    cos = vec.cosine(i, j)
    categories = np.array([n.category for n in needs])
    same = categories[i] == categories[j]
    sim = text_weight * cos + (1 - text_weight) * same
    keep = sim >= threshold - 1e-12
    pairs = []
    for a, b, c, s, sc in zip(i[keep], j[keep], cos[keep], sim[keep], same[keep], strict=True):
        na, nb = needs[a], needs[b]
        if (nb.filed_on, nb.id) < (na.filed_on, na.id):
            na, nb, a, b = nb, na, b, a
        pairs.append(
            DuplicatePair(
                a=na,
                b=nb,
                similarity=round(float(min(s, 1.0)), 4),
                text_similarity=round(float(min(c, 1.0)), 4),
                same_category=bool(sc),
                shared_terms=_shared_terms(vec, int(a), int(b)),
                indicators=compare_indicators(na, nb),
            )
        )
    pairs.sort(key=lambda p: (-p.similarity, p.a.id, p.b.id))
    return pairs


# --- groups ------------------------------------------------------------------------------------


def group_duplicates(pairs: Sequence[DuplicatePair]) -> list[MergeProposal]:
    """Connected groups of duplicate pairs, each a merge proposal with the most demanding value
    of each indicator; largest total budget first."""
    parent: dict[str, str] = {}
    by_id: dict[str, NeedText] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for p in pairs:
        for n in (p.a, p.b):
            by_id.setdefault(n.id, n)
            parent.setdefault(n.id, n.id)
        ra, rb = find(p.a.id), find(p.b.id)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[NeedText]] = {}
    for need_id, need in by_id.items():
        members.setdefault(find(need_id), []).append(need)
    group_pairs: dict[str, list[DuplicatePair]] = {}
    for p in pairs:
        group_pairs.setdefault(find(p.a.id), []).append(p)
    proposals = [_merge(members[root], group_pairs[root]) for root in members]
    proposals.sort(key=lambda g: (-g.total_budget_wan, g.need_ids))
    return proposals


def _positive_min(values) -> int:
    asked = [v for v in values if v > 0]
    return min(asked) if asked else 0


def _merge(needs: list[NeedText], pairs: list[DuplicatePair]) -> MergeProposal:
    needs = sorted(needs, key=lambda n: (n.filed_on, n.id))
    categories = Counter(n.category for n in needs)
    top = max(categories.values())
    standards: list[str] = []
    criteria: list[str] = []
    for n in needs:
        for s in _standards(n.technical_standard):
            if s not in standards:
                standards.append(s)
        if n.acceptance_criteria.strip() and n.acceptance_criteria.strip() not in criteria:
            criteria.append(n.acceptance_criteria.strip())
    return MergeProposal(
        needs=tuple(needs),
        departments=tuple(sorted({n.department for n in needs})),
        pairs=tuple(sorted(pairs, key=lambda p: (-p.similarity, p.ids))),
        min_similarity=min(p.similarity for p in pairs),
        total_budget_wan=sum((n.budget_wan for n in needs), Decimal(0)),
        category=next(n.category for n in needs if categories[n.category] == top),
        technical_standard="；".join(standards),
        implementation_days=_positive_min(n.implementation_days for n in needs),
        availability_pct=max(n.availability_pct for n in needs),
        response_minutes=_positive_min(n.response_minutes for n in needs),
        data_interfaces=sum(n.data_interfaces for n in needs),
        security_level=max(n.security_level for n in needs),
        user_scale=sum(n.user_scale for n in needs),
        integration_points=sum(n.integration_points for n in needs),
        xinchuang_required=any(n.xinchuang_required for n in needs),
        acceptance_criteria="；".join(criteria),
        operations_months=max(n.operations_months for n in needs),
    )


def pair_key(a: str, b: str) -> tuple[str, str]:
    """An unordered pair of need ids as a sorted tuple."""
    return (a, b) if a <= b else (b, a)

