"""`make bench`: the platform's speed figures, each beside a named baseline measured in the
same run, written to bench/results.json as a list of
{name, value, unit, baseline, baseline_value, ratio, peak_mb}.

Runs on a fresh SQLite database in a temporary directory (or DATABASE_URL if set).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent


def measure(func, repeat: int = 1, *, trace: bool = True) -> tuple[float, float]:
    """Best wall time of ``repeat`` untraced runs (seconds), then the peak Python memory (MB)
    of one more run under tracemalloc (traced runs are several times slower, so not timed)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    peak = 0.0
    if trace:
        tracemalloc.start()
        func()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return min(times), peak


def _peak_of(func) -> float:
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak


def row(name, value, unit, baseline, baseline_value, peak_mb):
    return {
        "name": name,
        "value": round(value, 4),
        "unit": unit,
        "baseline": baseline,
        "baseline_value": round(baseline_value, 4),
        "ratio": round(value / baseline_value, 3) if baseline_value else None,
        "peak_mb": round(peak_mb, 1),
    }


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="cityops-bench-")
    os.environ.setdefault("CITYOPS_VAR_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityops.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    results = []
    import importlib

    from bench.portfolio import bench_fiscal_projection

    benches = [bench_demo_load, bench_audit_append, bench_audit_verify, bench_dashboard,
               bench_fiscal_projection]
    # Each module's own benchmarks: bench/<module>.py with rows() -> list of result rows.
    for module in ("demand", "ocds", "performance", "policy"):
        try:
            benches.append(importlib.import_module(f"bench.{module}").rows)
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{module}":
                raise
    for bench in benches:
        print(f"… {bench.__module__}.{bench.__name__}", file=sys.stderr, flush=True)
        results.extend(bench())
    out = HERE / "results.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    width = max(len(r["name"]) for r in results)
    for r in results:
        print(f"{r['name']:<{width}}  {r['value']:>10} {r['unit']:<4} vs {r['baseline']} "
              f"{r['baseline_value']} -> ratio {r['ratio']}  peak {r['peak_mb']} MB")
    print(f"written: {out}")
    return 0


def bench_demo_load():
    """The demo city through the services (validation + audit) vs a raw bulk insert."""
    from django.db import transaction

    from cityops.core.models import Organisation
    from cityops.demo.generator import generate_city
    from cityops.demo.load import demo_load

    value, peak = measure(lambda: demo_load(), trace=False)
    peak = _peak_of(lambda: demo_load())  # second load: idempotent, measures the check pass
    city = generate_city()

    def raw():
        with transaction.atomic():
            Organisation.objects.bulk_create(
                Organisation(kind=o.kind, name="raw" + o.name, short_name=o.short_name,
                             uscc="X" + o.uscc[1:], region_code=o.region_code)
                for o in city.organisations
            )
            transaction.set_rollback(True)

    baseline, _ = measure(raw, trace=False)
    return [row("demo_load_city", value, "s", "bulk_create_same_organisations", baseline, peak)]


def bench_audit_append(n: int = 2000):
    """Appending chained audit entries (head lock + hash) vs plain unchained inserts."""
    from django.db import connection, transaction

    from cityops.core import audit

    def chained():
        with transaction.atomic():
            for i in range(n):
                audit.record(action="bench", object_type="bench.item", object_id=str(i),
                             after={"i": i, "name": "测试"})

    value, peak = measure(chained, trace=False)
    peak = _peak_of(chained)

    def plain():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CREATE TEMPORARY TABLE bench_plain (id integer, payload text)")
            for i in range(n):
                cursor.execute("INSERT INTO bench_plain VALUES (%s, %s)", [i, '{"i": 1}'])
            cursor.execute("DROP TABLE bench_plain")

    baseline, _ = measure(plain, trace=False)
    return [row(f"audit_append_{n}", value / n * 1000, "ms", "plain_insert_per_entry",
                baseline / n * 1000, peak)]


def bench_audit_verify(n: int = 100_000):
    """`cityops audit verify` over n entries vs hashing the same payloads with no database."""
    from django.db import transaction

    from cityops.core import audit, services
    from cityops.core.models import AuditEntry, AuditHead

    head = AuditHead.objects.get(pk=1)
    prev, seq = head.hash, head.seq
    batch = []
    from django.utils import timezone

    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        for i in range(n - AuditEntry.objects.count()):
            seq += 1
            fields = {"seq": seq, "created_at": now, "actor_id": 1, "actor_username": "bench",
                      "actor_role": "platform_admin", "action": "update",
                      "object_type": "core.organisation", "object_id": str(i),
                      "object_repr": f"组织 {i}", "before": {"short_name": "旧"},
                      "after": {"short_name": "新"}, "prev_hash": prev}
            fields["hash"] = prev = audit.entry_hash(fields)
            batch.append(AuditEntry(**fields, day=timezone.localdate(now)))
            if len(batch) == 5000:
                AuditEntry.objects.bulk_create(batch)
                batch = []
        AuditEntry.objects.bulk_create(batch)
        AuditHead.objects.filter(pk=1).update(seq=seq, hash=prev)
    total = AuditEntry.objects.count()

    report_holder = {}
    value, peak = measure(lambda: report_holder.update(r=services.audit_verify()))
    assert report_holder["r"].ok, report_holder["r"].first_break
    payloads = list(AuditEntry.objects.order_by("seq").values(*audit.HASHED_FIELDS))
    baseline, _ = measure(lambda: [audit.entry_hash(p) for p in payloads], trace=False)
    return [row(f"audit_verify_{total}", value, "s", "sha256_same_entries_in_memory", baseline,
                peak)]


def bench_dashboard(requests: int = 30):
    """The platform admin's dashboard (with the demo city) vs the health check, per request."""
    from django.test import Client

    from cityops.core.models import User

    client = Client()
    client.force_login(User.objects.get(username="admin"))
    client.get("/")  # warm up templates and translations

    def timed(path):
        samples = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - start)
            assert response.status_code == 200, (path, response.status_code)
        return statistics.median(samples) * 1000

    tracemalloc.start()
    value = timed("/")
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    baseline = timed("/healthz")
    return [row("dashboard_admin_median", value, "ms", "healthz_median", baseline, peak)]


if __name__ == "__main__":
    sys.exit(main())
