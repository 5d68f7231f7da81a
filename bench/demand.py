"""Demand benchmarks (pure Python, no database): supplier matching and duplicate detection for
10,000 needs against 5,000 suppliers, each beside a named baseline measured in the same run.

Run alone: ``.venv/bin/python -m bench.demand`` (prints the rows as JSON); ``rows()`` returns them
for bench/__main__.py.

Data: ``cityops.demo.demand.scaled_needs(10_000)`` (300 departments, 5% planted re-filings) and
``scaled_capabilities(5_000)``: the demo catalogue with filler words from jieba's dictionary, so
the vocabulary is realistic (about 270,000 distinct tokens). Generating the data is not timed;
loading jieba's dictionary is done before the clock starts.

Each measurement runs in a child process of its own, so ``peak_mb`` is that child's RSS
high-water mark (VmHWM from /proc/self/status): the interpreter, jieba's dictionary, the data
and the work, nothing left over from other benchmarks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

N_NEEDS = 10_000
N_SUPPLIERS = 5_000
LOOP_SAMPLE = 300  # needs ranked one call at a time for the baseline
PAIRS_SAMPLE = 1_500  # needs whose all pairs are scored for the baseline
ROOT = Path(__file__).resolve().parents[1]


def _vmhwm_mb() -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource  # not Linux: ru_maxrss is the same high-water mark (kB on Linux, B on macOS)

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _data():
    from cityops.demand.matching import text
    from cityops.demo.demand import scaled_capabilities, scaled_needs

    needs, planted = scaled_needs(N_NEEDS)
    suppliers = scaled_capabilities(N_SUPPLIERS)
    text.words("政务云")  # jieba's dictionary: loaded once per process, not part of the work
    return needs, planted, suppliers


def _task(name: str) -> dict:
    """One measurement, in this (child) process: seconds of the work and facts to check."""
    import numpy as np

    from cityops.demand.matching import duplicates as dup
    from cityops.demand.matching.rank import build_index, rank_all, rank_suppliers

    needs, planted, suppliers = _data()
    start = time.perf_counter()
    facts: dict = {}
    if name == "match":
        ranked = rank_all(needs, suppliers, top=10)
        facts = {"needs": len(ranked), "matches": sum(len(v) for v in ranked.values()),
                 "eligible": sum(m.eligible for v in ranked.values() for m in v)}  # fmt: skip
    elif name == "match_loop":
        # the same work one need at a time (the index built once, as a caller would), on a
        # sample, extrapolated to all needs
        index = build_index(suppliers)
        built = time.perf_counter()
        for need in needs[:LOOP_SAMPLE]:
            rank_suppliers(need, suppliers, index=index, top=10)
        loop = time.perf_counter() - built
        seconds = (built - start) + loop * len(needs) / LOOP_SAMPLE
        return {"seconds": seconds, "peak_mb": _vmhwm_mb(), "sample": LOOP_SAMPLE}
    elif name == "duplicates":
        pairs = dup.find_duplicates(needs)
        found = {dup.pair_key(*p.ids) for p in pairs}
        hits = len(found & {dup.pair_key(*p) for p in planted})
        facts = {"pairs": len(pairs), "planted": len(planted), "planted_found": hits}
    elif name == "duplicates_all_pairs":
        # brute force: the same TF-IDF vectors, every pair scored exactly; the vectors for all
        # needs, the pairs of a sample, extrapolated to all N(N-1)/2 pairs
        vec = dup.NeedVectors([dup.need_tokens(n) for n in needs])
        built = time.perf_counter()
        n = PAIRS_SAMPLE
        for a in range(n - 1):
            b = np.arange(a + 1, n)
            vec.cosine(np.full(len(b), a), b)
        scored = time.perf_counter() - built
        total_pairs, sample_pairs = N_NEEDS * (N_NEEDS - 1) / 2, n * (n - 1) / 2
        seconds = (built - start) + scored * total_pairs / sample_pairs
        return {"seconds": seconds, "peak_mb": _vmhwm_mb(), "sample": n}
    else:
        raise ValueError(name)
    return {"seconds": time.perf_counter() - start, "peak_mb": _vmhwm_mb(), **facts}


def _run(name: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "bench.demand", "--task", name], cwd=ROOT,
                          env=env, capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def rows() -> list[dict]:
    from bench.__main__ import row

    match, loop = _run("match"), _run("match_loop")
    dups, brute = _run("duplicates"), _run("duplicates_all_pairs")
    assert dups["planted_found"] >= 0.9 * dups["planted"], dups  # or the figure means nothing
    return [
        row(f"demand_match_{N_NEEDS // 1000}k_x_{N_SUPPLIERS // 1000}k", match["seconds"], "s",
            f"rank_suppliers_per_need_loop_sample_{LOOP_SAMPLE}_extrapolated", loop["seconds"],
            match["peak_mb"]),
        row(f"demand_duplicates_{N_NEEDS // 1000}k", dups["seconds"], "s",
            f"all_pairs_exact_cosine_sample_{PAIRS_SAMPLE}_extrapolated", brute["seconds"],
            dups["peak_mb"]),
    ]  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--task":
        print(json.dumps(_task(sys.argv[2])))
    else:
        json.dump(rows(), sys.stdout, indent=2, ensure_ascii=False)
        print()
