"""Precision and recall of matching and duplicate detection against the hand-labelled set
``cityops/demand/data/labelled.yaml``.

Run ``python -m cityops.demand.matching.evaluate`` for the table (``--modes`` also compares the
tokenisation modes of text.py, ``--sweep`` prints the whole threshold sweep).

Duplicates: precision, recall and F1 of ``find_duplicates`` over cross-department pairs, a pair
labelled in ``duplicate_pairs`` being a duplicate and every other one not. The threshold (and
the text/category weight) are tuned on one half of the set and measured on the other, both ways
round (2-fold), so the held-out figures are not flattered by the tuning; the halves keep each
labelled group of duplicates whole (``split_halves``).

Matching: for each need, its labelled right suppliers against ``rank_all``'s list (eligible
suppliers first): precision@3 = right among the first 3 ÷ min(3, number of right suppliers) (so
a perfect ranking scores 1 whatever the number of right suppliers), recall@5 = right among the
first 5 ÷ right, hit@1 = the first is right, MRR = mean of 1 ÷ the rank of the first right one.
Matching has no threshold; its weights were set by hand, and the tokenisation mode chosen on the
whole set (``--modes``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import duplicates as dup
from . import text as textmod
from .data import (
    MatchingInputError,
    NeedText,
    SupplierCapability,
    need_from_dict,
    supplier_from_dict,
)
from .rank import build_index, check_requirements, rank_all

LABELLED_PATH = Path(__file__).resolve().parents[1] / "data" / "labelled.yaml"
THRESHOLDS = tuple(round(0.30 + 0.025 * k, 3) for k in range(25))  # 0.30 .. 0.90
TEXT_WEIGHTS = (0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True)
class LabelledSet:
    needs: tuple[NeedText, ...]
    suppliers: tuple[SupplierCapability, ...]
    right_suppliers: dict[str, tuple[str, ...]]  # need id -> supplier ids
    duplicate_pairs: frozenset[tuple[str, str]]  # sorted id pairs

    def need(self, need_id: str) -> NeedText:
        return next(n for n in self.needs if n.id == need_id)


def load_labelled(path: Path = LABELLED_PATH) -> LabelledSet:
    """Read and check the labelled set; MatchingInputError names the entry that is wrong."""
    with open(path, encoding="utf-8") as f:
        raw: dict[str, Any] = yaml.safe_load(f)
    suppliers = []
    for i, entry in enumerate(raw["suppliers"]):
        try:
            suppliers.append(supplier_from_dict(entry))
        except MatchingInputError as e:
            raise MatchingInputError(f"suppliers[{i}].{e.field}", e.en, e.zh) from None
    supplier_ids = {s.id for s in suppliers}
    if len(supplier_ids) != len(suppliers):
        raise MatchingInputError("suppliers", "Duplicate supplier id.", "服务商编号重复。")
    needs, right = [], {}
    for i, entry in enumerate(raw["needs"]):
        entry = dict(entry)
        labels = tuple(entry.pop("suppliers", ()))
        try:
            need = need_from_dict(entry)
        except MatchingInputError as e:
            raise MatchingInputError(f"needs[{i}].{e.field}", e.en, e.zh) from None
        unknown = [s for s in labels if s not in supplier_ids]
        if not 1 <= len(labels) <= 4 or unknown:
            raise MatchingInputError(
                f"needs[{i}].suppliers",
                f"Need {need.id}: 1–4 known suppliers expected, got {list(labels)}.",
                f"需求 {need.id}：应标注 1–4 个已知服务商，实际为 {list(labels)}。",
            )
        needs.append(need)
        right[need.id] = labels
    by_id = {n.id: n for n in needs}
    if len(by_id) != len(needs):
        raise MatchingInputError("needs", "Duplicate need id.", "需求编号重复。")
    pairs = set()
    for k, (a, b) in enumerate(raw["duplicate_pairs"]):
        if a not in by_id or b not in by_id or by_id[a].department == by_id[b].department:
            raise MatchingInputError(
                f"duplicate_pairs[{k}]",
                f"{a}, {b}: both must be needs, of different departments.",
                f"{a}、{b}：必须是不同部门的需求。",
            )
        pairs.add(dup.pair_key(a, b))
    return LabelledSet(tuple(needs), tuple(suppliers), right, frozenset(pairs))


# --- duplicates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateScores:
    threshold: float
    text_weight: float
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        truth = self.true_positives + self.false_negatives
        return self.true_positives / truth if truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def split_halves(labelled: LabelledSet) -> tuple[frozenset[str], frozenset[str]]:
    """Two halves of the needs that keep every labelled duplicate group whole: the groups (and
    the needs with no duplicate), in order of their first need, alternate between the halves."""
    parent = {n.id: n.id for n in labelled.needs}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in sorted(labelled.duplicate_pairs):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[str, list[str]] = {}
    for n in labelled.needs:
        groups.setdefault(find(n.id), []).append(n.id)
    halves: tuple[set[str], set[str]] = (set(), set())
    # duplicate groups first, alternating, then the singletons, alternating
    ordered = sorted(groups.values(), key=lambda g: (len(g) == 1, g[0]))
    for k, group in enumerate(ordered):
        halves[k % 2].update(group)
    return frozenset(halves[0]), frozenset(halves[1])


def duplicate_sweep(
    labelled: LabelledSet,
    need_ids: Iterable[str] | None = None,
    *,
    thresholds: Sequence[float] = THRESHOLDS,
    text_weight: float = dup.TEXT_WEIGHT,
    mode: str = textmod.DEFAULT_MODE,
) -> list[DuplicateScores]:
    """Scores of find_duplicates at each threshold on the given needs (default: all)."""
    ids = set(need_ids) if need_ids is not None else {n.id for n in labelled.needs}
    needs = [n for n in labelled.needs if n.id in ids]
    truth = {p for p in labelled.duplicate_pairs if p[0] in ids and p[1] in ids}
    found = dup.find_duplicates(needs, min(thresholds), text_weight=text_weight, mode=mode)
    scored = [(dup.pair_key(*p.ids), p.similarity) for p in found]
    out = []
    for t in thresholds:
        hits = {key for key, s in scored if s >= t - 1e-9}
        tp = len(hits & truth)
        out.append(DuplicateScores(t, text_weight, tp, len(hits) - tp, len(truth) - tp))
    return out


def tune(labelled: LabelledSet, need_ids: Iterable[str], mode: str = textmod.DEFAULT_MODE):
    """The (threshold, text weight) with the best F1 on ``need_ids``; among equals, the middle
    of the widest best threshold run (the most robust choice), then the higher weight."""
    need_ids = list(need_ids)
    best: tuple[float, float, float] | None = None  # (f1, -weight, ...) chosen below
    choice = None
    for weight in TEXT_WEIGHTS:
        sweep = duplicate_sweep(labelled, need_ids, text_weight=weight, mode=mode)
        top = max(s.f1 for s in sweep)
        runs, run = [], []
        for s in sweep:
            if abs(s.f1 - top) < 1e-12:
                run.append(s)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
        widest = max(runs, key=len)
        middle = widest[(len(widest) - 1) // 2]
        key = (top, len(widest), weight)
        if best is None or key > best:
            best, choice = key, middle
    return choice


# --- matching ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchingScores:
    needs: int
    precision_at_3: float
    recall_at_5: float
    hit_at_1: float
    mrr: float
    ineligible_labels: int  # labelled right suppliers that fail a hard check (should be 0)


def evaluate_matching(
    labelled: LabelledSet,
    need_ids: Iterable[str] | None = None,
    *,
    mode: str = textmod.DEFAULT_MODE,
) -> MatchingScores:
    ids = set(need_ids) if need_ids is not None else {n.id for n in labelled.needs}
    needs = [n for n in labelled.needs if n.id in ids]
    index = build_index(labelled.suppliers, mode=mode)
    ranked = rank_all(needs, labelled.suppliers, top=10, index=index)
    by_id = {s.id: s for s in labelled.suppliers}
    p3 = r5 = h1 = rr = 0.0
    ineligible = 0
    for need in needs:
        right = set(labelled.right_suppliers[need.id])
        order = [m.supplier_id for m in ranked[need.id]]
        p3 += len(right & set(order[:3])) / min(3, len(right))
        r5 += len(right & set(order[:5])) / len(right)
        h1 += bool(order) and order[0] in right
        first = next((k for k, s in enumerate(order, 1) if s in right), None)
        rr += 1 / first if first else 0.0
        for s in right:
            if not all(c.passed for c in check_requirements(need, by_id[s])):
                ineligible += 1
    n = max(len(needs), 1)
    return MatchingScores(len(needs), p3 / n, r5 / n, h1 / n, rr / n, ineligible)


# --- the table ---------------------------------------------------------------------------------


def _dup_line(label: str, s: DuplicateScores) -> str:
    return (f"{label:<34} t={s.threshold:.3f} w={s.text_weight:.1f}  P={s.precision:.3f} "
            f"R={s.recall:.3f} F1={s.f1:.3f}  (tp {s.true_positives}, fp {s.false_positives}, "
            f"fn {s.false_negatives})")  # fmt: skip


def _match_line(label: str, m: MatchingScores) -> str:
    return (f"{label:<34} n={m.needs:<3} P@3={m.precision_at_3:.3f} R@5={m.recall_at_5:.3f} "
            f"hit@1={m.hit_at_1:.3f} MRR={m.mrr:.3f}  ineligible labels {m.ineligible_labels}")  # fmt: skip


def held_out(labelled: LabelledSet, mode: str = textmod.DEFAULT_MODE):
    """2-fold: tune on one half, score on the other; returns [(tuned, held-out scores), ...]."""
    out = []
    for tune_ids, test_ids in (split_halves(labelled), split_halves(labelled)[::-1]):
        tuned = tune(labelled, tune_ids, mode)
        test = duplicate_sweep(labelled, test_ids, thresholds=[tuned.threshold],
                               text_weight=tuned.text_weight, mode=mode)[0]  # fmt: skip
        out.append((tuned, test))
    return out


def report(labelled: LabelledSet, *, modes: bool = False, sweep: bool = False) -> str:
    lines = []
    a, b = split_halves(labelled)
    n_dept = len({n.department for n in labelled.needs})
    lines.append(f"labelled set: {len(labelled.needs)} needs from {n_dept} departments, "
                 f"{len(labelled.suppliers)} suppliers, {len(labelled.duplicate_pairs)} "
                 f"duplicate pairs; halves of {len(a)} and {len(b)} needs")  # fmt: skip
    lines.append("")
    lines.append(f"duplicate detection (mode {textmod.DEFAULT_MODE})")
    folds = held_out(labelled)
    for k, (tuned, test) in enumerate(folds):
        lines.append(_dup_line(f"  fold {k + 1}: tuned on half {'AB'[k]}", tuned))
        lines.append(_dup_line(f"  fold {k + 1}: held out, half {'BA'[k]}", test))
    tp = sum(t.true_positives for _, t in folds)
    fp = sum(t.false_positives for _, t in folds)
    fn = sum(t.false_negatives for _, t in folds)
    pooled = DuplicateScores(float("nan"), float("nan"), tp, fp, fn)
    lines.append(f"  {'held out, both halves pooled':<32} P={pooled.precision:.3f} "
                 f"R={pooled.recall:.3f} F1={pooled.f1:.3f}  (tp {tp}, fp {fp}, fn {fn})")  # fmt: skip
    whole = duplicate_sweep(labelled, thresholds=[dup.DEFAULT_THRESHOLD])[0]
    lines.append(_dup_line("  whole set at the defaults", whole))
    if sweep:
        lines.append(f"  sweep on the whole set (text weight {dup.TEXT_WEIGHT:.1f}):")
        for s in duplicate_sweep(labelled):
            lines.append(_dup_line("", s))
    lines.append("")
    lines.append(f"supplier matching (mode {textmod.DEFAULT_MODE})")
    lines.append(_match_line("  all needs", evaluate_matching(labelled)))
    lines.append(_match_line("  half A", evaluate_matching(labelled, a)))
    lines.append(_match_line("  half B", evaluate_matching(labelled, b)))
    if modes:
        lines.append("")
        lines.append("tokenisation modes (whole set; duplicates at each mode's best threshold)")
        for mode in textmod.MODES:
            best = max(duplicate_sweep(labelled, mode=mode), key=lambda s: s.f1)
            lines.append(_dup_line(f"  {mode}: duplicates", best))
            lines.append(_match_line(f"  {mode}: matching", evaluate_matching(labelled, mode=mode)))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cityops.demand.matching.evaluate")
    parser.add_argument("--modes", action="store_true", help="compare the tokenisation modes")
    parser.add_argument("--sweep", action="store_true", help="print the threshold sweep")
    parser.add_argument("--path", type=Path, default=LABELLED_PATH)
    args = parser.parse_args(argv)
    print(report(load_labelled(args.path), modes=args.modes, sweep=args.sweep))
    return 0


if __name__ == "__main__":
    sys.exit(main())
