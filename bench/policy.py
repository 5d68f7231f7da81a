"""Policy matching benchmarks (pure, no database): wired into `make bench` by bench/__main__.py.

Run alone: ``.venv/bin/python -m bench.policy`` (prints its rows as JSON).

* ``policy_match_500k_x_1200``: 500,000 synthetic enterprises × 1,200 synthetic policies with the
  bitset engine, compile + match + estimated benefits + the pairs written to Parquet, against the
  hand-written DuckDB SQL of the same rules (``duckdb_sql.py``: one SELECT per policy, UNION ALL,
  COPY to Parquet) over the same frame. Both start from parsed policies and the registry frame
  in memory; both write the same pairs (the tests assert it).
* ``policy_match_one_enterprise``: one enterprise against all 1,200 policies with the compiled
  fast path (median over 500 enterprises), against the plain interpreter loop (one policy at a
  time, the reference semantics).

Each measurement runs in its own process so that its peak memory is the process's resident
high-water mark (VmHWM), native memory (numpy, polars, DuckDB) included. The registry is
generated once and cached under var/bench/ as Parquet, keyed by size and seed.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "var" / "bench"
ENTERPRISES = 500_000
POLICIES = 1200
SEED = 20250630
AS_OF = date(2025, 6, 30)


def peak_mb() -> float:
    """This process's resident high-water mark (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def registry_path(n: int = ENTERPRISES, seed: int = SEED) -> Path:
    """The cached synthetic registry (generated on first use)."""
    path = CACHE / f"policy_registry_{n}_{seed}.parquet"
    if not path.exists():
        from cityops.policy import synthetic

        CACHE.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        frame = synthetic.registry(n, seed)
        print(f"… generated {n:,} enterprises in {time.perf_counter() - start:.2f} s",
              file=sys.stderr, flush=True)
        tmp = path.with_suffix(".tmp")
        frame.write_parquet(tmp)
        tmp.rename(path)
    return path


def _load(n: int, policies: int):
    import polars as pl

    from cityops.policy import synthetic

    return pl.read_parquet(registry_path(n)), synthetic.policies(policies, SEED, parsed=True)


def measure_ours(n: int = ENTERPRISES, policies: int = POLICIES, repeat: int = 3) -> dict:
    from cityops.policy.engine.compiler import (
        BitsetEngine,
        BitsetEvaluator,
        RegistryColumns,
        compile_policies,
    )

    registry, parsed = _load(n, policies)
    times, result = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            start = time.perf_counter()
            plan = compile_policies(parsed)
            result = BitsetEngine().match(registry, plan, as_of=AS_OF, out=Path(tmp) / "m.parquet")
            times.append(time.perf_counter() - start)
    # the rule evaluation alone (every policy's TRUE bitset, no pairs, no benefits, no file)
    evals = []
    for _ in range(repeat):
        start = time.perf_counter()
        plan = compile_policies(parsed)
        ev = BitsetEvaluator(plan, RegistryColumns(registry, AS_OF))
        ev.count_uses(plan.roots)
        for root in plan.roots:
            ev.bits(root, True)
            ev.release(root)
        evals.append(time.perf_counter() - start)
    assert result is not None
    return {"seconds": min(times), "rules_only_seconds": min(evals), "pairs": result.pairs.height,
            "atoms": len(plan.atoms), "nodes": len(plan.nodes), "stats": result.stats,
            "peak_mb": peak_mb()}


def measure_duckdb(n: int = ENTERPRISES, policies: int = POLICIES) -> dict:
    from cityops.policy.engine.duckdb_sql import duckdb_match_to_parquet

    registry, parsed = _load(n, policies)
    with tempfile.TemporaryDirectory() as tmp:
        seconds = duckdb_match_to_parquet(registry, parsed, as_of=AS_OF,
                                          out=Path(tmp) / "d.parquet")
    return {"seconds": seconds, "peak_mb": peak_mb()}


def measure_one(n: int = ENTERPRISES, policies: int = POLICIES, sample: int = 500) -> dict:
    from cityops.policy.engine.compiler import compile_policies
    from cityops.policy.engine.interpreter import matches

    registry, parsed = _load(n, policies)
    plan = compile_policies(parsed)
    firms = registry.sample(sample, seed=1).to_dicts()
    fast = []
    for firm in firms:
        start = time.perf_counter()
        got = plan.match_profile(firm, AS_OF)
        fast.append(time.perf_counter() - start)
    slow = []
    for firm in firms[:100]:
        start = time.perf_counter()
        expected = matches(parsed, firm, AS_OF)
        slow.append(time.perf_counter() - start)
        assert sorted(plan.match_profile(firm, AS_OF).matched) == sorted(expected)
    del got
    return {"ms": statistics.median(fast) * 1000, "p95_ms": sorted(fast)[int(0.95 * len(fast))]
            * 1000, "interpreter_ms": statistics.median(slow) * 1000, "peak_mb": peak_mb()}


def _child(kind: str) -> dict:
    """Run one measurement in a fresh process; its JSON result."""
    out = subprocess.run([sys.executable, "-m", "bench.policy", "--measure", kind], cwd=ROOT,
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def rows() -> list[dict]:
    from bench.__main__ import row

    registry_path()  # generate (and time) the registry once, outside the measurements
    ours = _child("ours")
    print(f"… bitset engine: {ours['seconds']:.2f} s, {ours['pairs']:,} pairs, "
          f"{ours['atoms']} distinct atoms, rules only {ours['rules_only_seconds']:.2f} s",
          file=sys.stderr, flush=True)
    sql = _child("duckdb")
    print(f"… duckdb hand-written SQL: {sql['seconds']:.2f} s", file=sys.stderr, flush=True)
    one = _child("one")
    checks = ENTERPRISES * POLICIES
    print(f"… {checks / ours['seconds'] / 1e6:,.0f} M row-rule checks/s end to end, "
          f"{checks / ours['rules_only_seconds'] / 1e9:.2f} G/s for the rules alone, "
          f"{checks / sql['seconds'] / 1e6:,.0f} M/s for the SQL baseline", file=sys.stderr)
    return [
        row(f"policy_match_{ENTERPRISES // 1000}k_x_{POLICIES}", ours["seconds"], "s",
            "duckdb_hand_sql", sql["seconds"], ours["peak_mb"]),
        row("policy_match_one_enterprise", one["ms"], "ms", "interpreter_loop",
            one["interpreter_ms"], one["peak_mb"]),
    ]


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        kind = sys.argv[2]
        result = {"ours": measure_ours, "duckdb": measure_duckdb, "one": measure_one}[kind]()
        print(json.dumps(result))
    else:
        json.dump(rows(), sys.stdout, indent=2, ensure_ascii=False)
        print()
