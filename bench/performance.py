"""Pay-for-performance benchmarks (pure, no database): the service-effectiveness index and the
period payments of 5,000 contracts × 36 monthly periods × 8 KPIs (1.44 million KPI values).

* engine: ``sei_vectorised`` + ``payments_vectorised`` (numpy, cityops/performance/domain);
* baseline, in the same run: the scalar engine of the same package, looped per contract and
  period (``service_effectiveness_index`` with its drill-down, ``period_payment`` in Decimal
  with its derivation): what a view would do row by row.

Both give the same reported SEIs and the same payable cents (checked by a digest: the run fails
otherwise). Each side runs in its own subprocess, so ``peak_mb`` is that process's RSS
high-water mark (VmHWM from /proc/self/status: the interpreter, numpy, the generated inputs and
the engine together; the figure before the engine ran is printed beside it).

``rows()`` gives the rows for bench/__main__.py; run alone:
``.venv/bin/python -m bench.performance``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

CONTRACTS = 5000
PERIODS = 36
OBJECTS = ("infrastructure", "data", "system", "portal", "security")
ROOT = Path(__file__).resolve().parent.parent


def vm_hwm_mb() -> float:
    """This process's peak resident set size (VmHWM), MB; 0 where /proc is not available."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def make_data(contracts: int = CONTRACTS, periods: int = PERIODS, seed: int = 20250601) -> dict:
    """Inputs shaped like the demo's: each contract has the eight-KPI set of its operation
    object; values scatter around target and floor (a few below it), 2% missing; contract
    amounts 50–5,000万 paid in equal monthly parts; value-added items now and then."""
    from cityops.performance.domain.kpi import Unit, extended_kpi_set

    rng = np.random.default_rng(seed)
    sets = {o: extended_kpi_set(o) for o in OBJECTS}
    kind = [OBJECTS[i % len(OBJECTS)] for i in range(contracts)]
    target = np.array([[k.target for k in sets[o]] for o in kind])
    floor = np.array([[k.floor for k in sets[o]] for o in kind])
    whole = np.array([[k.unit in (Unit.COUNT, Unit.USERS) for k in sets[o]] for o in kind])
    percent = np.array([[k.unit == Unit.PERCENT for k in sets[o]] for o in kind])
    d = rng.normal(0.0, 0.35, (contracts, 1, 8)) + rng.normal(0.15, 0.45, (contracts, periods, 8))
    values = target[:, None, :] + d * (floor - target)[:, None, :]
    values = np.where(whole[:, None, :], np.round(values), np.round(values, 2))
    values = np.maximum(values, 0.0)
    values = np.where(percent[:, None, :], np.minimum(values, 100.0), values)
    present = rng.random(values.shape) >= 0.02
    amount_cents = rng.integers(50_00, 5000_00, size=contracts)  # cents of 万元
    base_cents = np.repeat((amount_cents // periods)[:, None], periods, axis=1)
    shape = (contracts, periods)
    items = np.where(rng.random(shape) < 0.2, rng.integers(1, 4, shape), 0)
    return {
        "kind": kind,
        "sets": sets,
        "values": values,
        "present": present,
        "base_cents": base_cents,
        "items": items,
    }


def run_vectorised(data: dict) -> tuple[np.ndarray, np.ndarray, float, float]:
    """(reported SEIs in hundredths, payable cents, seconds for the index, for the payments)."""
    from cityops.performance.domain.payment import payments_vectorised
    from cityops.performance.domain.sei import KpiArrays, sei_vectorised

    start = time.perf_counter()
    params = KpiArrays.stack([data["sets"][o] for o in data["kind"]])
    batch = sei_vectorised(params, data["values"], data["present"])
    middle = time.perf_counter()
    pay = payments_vectorised(batch.sei_centi, data["base_cents"], data["items"])
    end = time.perf_counter()
    return batch.sei_centi, pay.payable_cents, middle - start, end - middle


def run_scalar(data: dict) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The same with the scalar engine, one contract and period at a time."""
    from cityops.performance.domain.payment import period_payment
    from cityops.performance.domain.sei import service_effectiveness_index

    contracts, periods, _ = data["values"].shape
    sei = np.zeros((contracts, periods), dtype=np.int64)
    payable = np.zeros((contracts, periods), dtype=np.int64)
    t_index = t_pay = 0.0
    for c in range(contracts):
        kpis = data["sets"][data["kind"][c]]
        codes = kpis.codes
        rows = data["values"][c].tolist()
        present = data["present"][c].tolist()
        bases = [Decimal(int(b)).scaleb(-2) for b in data["base_cents"][c]]
        items = data["items"][c].tolist()
        start = time.perf_counter()
        results = [
            service_effectiveness_index(
                kpis, {k: (v if ok else None) for k, v, ok in zip(codes, row, mask, strict=True)}
            )
            for row, mask in zip(rows, present, strict=True)
        ]
        middle = time.perf_counter()
        paid = [
            period_payment(r.sei, b, value_added_items=n)
            for r, b, n in zip(results, bases, items, strict=True)
        ]
        end = time.perf_counter()
        t_index += middle - start
        t_pay += end - middle
        sei[c] = [int(r.sei.scaleb(2)) for r in results]
        payable[c] = [int(p.payable_wan.scaleb(2)) for p in paid]
    return sei, payable, t_index, t_pay


def _child(which: str, repeat: int) -> dict:
    data = make_data()
    before = vm_hwm_mb()
    run = run_vectorised if which == "vectorised" else run_scalar
    best_index = best_pay = float("inf")
    for _ in range(repeat):
        sei, payable, t_index, t_pay = run(data)
        best_index, best_pay = min(best_index, t_index), min(best_pay, t_pay)
    digest = hashlib.sha256(sei.tobytes() + payable.tobytes()).hexdigest()
    return {
        "which": which,
        "index_s": best_index,
        "payments_s": best_pay,
        "vm_hwm_mb": vm_hwm_mb(),
        "vm_hwm_before_engine_mb": before,
        "digest": digest,
        "mean_sei": float(sei.mean()) / 100,
        "withheld_share": float((payable == 0).mean()),
    }


def _spawn(which: str, repeat: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.performance", "--child", which, str(repeat)],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def rows() -> list[dict]:
    """Two rows for `make bench`: the index and the payments, each vectorised vs the scalar
    engine looped per contract and period, measured in separate subprocesses."""
    from bench.__main__ import row

    fast = _spawn("vectorised", 3)
    slow = _spawn("scalar", 1)
    if fast["digest"] != slow["digest"]:  # same figures, or the comparison is meaningless
        raise AssertionError("vectorised and scalar engines disagree")
    size = f"{CONTRACTS}x{PERIODS}x8"
    for side in (fast, slow):
        print(
            f"  {side['which']}: VmHWM {side['vm_hwm_mb']:.1f} MB "
            f"({side['vm_hwm_before_engine_mb']:.1f} MB before the engine ran); "
            f"mean SEI {side['mean_sei']:.2f}, withheld {side['withheld_share']:.1%}",
            file=sys.stderr,
        )
    return [
        row(
            f"performance_sei_{size}",
            fast["index_s"],
            "s",
            "scalar_sei_per_contract_period",
            slow["index_s"],
            fast["vm_hwm_mb"],
        ),
        row(
            f"performance_payments_{CONTRACTS}x{PERIODS}",
            fast["payments_s"],
            "s",
            "decimal_period_payment_per_contract_period",
            slow["payments_s"],
            fast["vm_hwm_mb"],
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "--child":
        json.dump(_child(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1), sys.stdout)
    else:
        json.dump(rows(), sys.stdout, indent=2, ensure_ascii=False)
        print()
