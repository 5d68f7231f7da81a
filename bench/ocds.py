"""OCDS export benchmark (pure Python, no database): build the release package of 10,000
synthetic contracting processes at mixed stages, serialise it to JSON and validate the whole
package against the OCDS 1.1.5 schemas offline.

Run alone: ``.venv/bin/python -m bench.ocds`` (prints its rows as JSON).

Rows:

- ``ocds_export_validate_<n>``: build every release, ``json.dumps`` the package, parse it back
  (what a consumer reads) and validate it with the cached validator. Baseline: ``json.dumps``
  of the same, already built, package alone: the cost of writing the file with no checks.
- ``ocds_validate_<n>``: the validation alone (measured inside the timed export run). Baseline:
  stock ``jsonschema`` (the schema files as they are, a ``Draft4Validator`` and registry built
  for the run, its own pairwise ``uniqueItems``, no memo of organisations) on a package of the
  first ``SAMPLE`` processes, scaled linearly to n. That is a lower bound of what it would take
  on the whole package: its ``uniqueItems`` compares releases pairwise, which is quadratic.

Peak memory is tracemalloc's, from one more (untimed) run; the validation row's is the
validation's own peak above what the run already holds (the package, its JSON text and the
parsed copy).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
import time
import tracemalloc
from decimal import Decimal

SAMPLE = 500
PUBLISHED = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
URI = "https://cityops.example.gov.cn/ocds/release-package.json"

# (stage, weight): where the synthetic processes stand
STAGES = (
    ("planning", 10),
    ("tender", 15),
    ("cancelled", 5),
    ("award", 15),
    ("contract", 20),
    ("implementation", 30),
    ("closed", 5),
)
ITEMS = (
    ("C16", "信息技术服务", "政务云平台服务"),
    ("C16", "信息技术服务", "网络安全监测服务"),
    ("C16", "信息技术服务", "数据治理服务"),
    ("C16", "信息技术服务", "系统运行维护服务"),
    ("A02", "设备", "视频监控前端设备"),
    ("A02", "设备", "服务器及存储设备"),
)
METHODS = (
    ("public_tender", 60),
    ("competitive_consultation", 15),
    ("competitive_negotiation", 10),
    ("single_source", 5),
    ("request_for_quotation", 5),
    ("invited_tender", 5),
)


def generate_processes(n: int = 10_000, *, seed: int = 20250630):
    """``n`` contracting processes, the same for the same seed: 137 departments buying from 87
    suppliers (the brief's Hangzhou figures), every stage represented, with tender amendments,
    challenges, cancelled awards, contract amendments and payments sprinkled in."""
    from cityops.core.codes import uscc_generate
    from cityops.procurement.domain import ocds
    from cityops.procurement.domain.ocds import CST

    rng = random.Random(seed)
    departments = [
        ocds.Organisation(f"某市第{i + 1}委办局", uscc_generate(rng, registration_authority="1",
                                                          org_category="1"), "浙江省杭州市")
        for i in range(137)
    ]
    suppliers = [
        ocds.Organisation(f"某某数字科技有限公司{i + 1:02d}", uscc_generate(rng))
        for i in range(87)
    ]
    stage_names, stage_weights = zip(*STAGES, strict=True)
    method_names, method_weights = zip(*METHODS, strict=True)
    start = dt.datetime(2022, 1, 3, 9, 0, tzinfo=CST)
    processes = []
    for k in range(n):
        stage = rng.choices(stage_names, stage_weights)[0]
        reached = stage_names.index(stage)
        buyer = rng.choice(departments)
        code, code_name, subject = rng.choice(ITEMS)
        budget = Decimal(rng.randrange(5_000, 300_000)) / 100  # 50–3,000万
        category = "goods" if code.startswith("A") else "services"
        planned = start + dt.timedelta(days=rng.randrange(0, 1000), minutes=rng.randrange(600))
        needs = tuple(
            ocds.Item(f"N{j + 1}", f"{subject}（需求 {j + 1}）", code, code_name, Decimal(1), "项")
            for j in range(rng.randint(1, 3))
        )
        ocid = f"ocds-cityop-{k + 1:06d}"
        planning = ocds.Planning(planned, budget, f"{buyer.name}{subject}需求", budget_id=f"B{k}",
                                 needs=needs)
        tender = awards = contracts = None
        if reached >= 1:
            published = planned + dt.timedelta(days=rng.randint(10, 40))
            deadline = published + dt.timedelta(days=20)
            bidders = tuple(rng.sample(suppliers, rng.randint(3, 6)))
            amendments = ()
            if rng.random() < 0.1:
                deadline += dt.timedelta(days=7)
                amendments = (ocds.TenderAmendment("AM1", published + dt.timedelta(days=5),
                                                   "延长投标截止时间", new_tender_end=deadline),)
            award_at = deadline + dt.timedelta(days=rng.randint(3, 10))
            challenges = ()
            if reached >= 3 and rng.random() < 0.08:
                challenges = (ocds.Challenge(
                    "Q1", award_at + dt.timedelta(days=2), bidders[1], "评审因素设置不合理",
                    rng.choice(["upheld", "dismissed"]), "",
                    award_at + dt.timedelta(days=9)),)
            cancelled_at = deadline + dt.timedelta(days=2) if stage == "cancelled" else None
            tender = ocds.Tender(
                f"T{k + 1:06d}", f"{buyer.name}{subject}采购", published,
                rng.choices(method_names, method_weights)[0], category, budget, published,
                deadline, items=needs, amendments=amendments, challenges=challenges,
                tenderers=bidders if reached >= 3 else (),
                cancelled_at=cancelled_at,
                cancellation_reason="因预算调整终止采购" if cancelled_at else "",
            )
            awards = ()
            if reached >= 3:
                price = (budget * Decimal(rng.randint(80, 99)) / 100).quantize(Decimal("0.01"))
                awards = (ocds.Award(f"A{k + 1}", award_at, price, (bidders[0],)),)
            contracts = ()
            if reached >= 4:
                signed = award_at + dt.timedelta(days=rng.randint(10, 25))
                begin = signed.date() + dt.timedelta(days=1)
                if begin.month == 2 and begin.day == 29:
                    begin += dt.timedelta(days=1)  # a one-year term from 29 February has no end
                end = begin.replace(year=begin.year + 1) - dt.timedelta(days=1)
                milestones = (
                    ocds.ContractMilestone("M1", "上线验收", begin + dt.timedelta(days=60)),
                    ocds.ContractMilestone("M2", "年度验收", end),
                )
                payments = ()
                contract_amendments = ()
                closed_at = None
                if reached >= 5:
                    met = begin + dt.timedelta(days=rng.randint(40, 70))
                    milestones = (
                        ocds.ContractMilestone("M1", "上线验收", begin + dt.timedelta(days=60), met),
                        milestones[1],
                    )
                    payments = (ocds.Payment(
                        "P1", dt.datetime.combine(met, dt.time(15), CST) + dt.timedelta(days=10),
                        (price * Decimal("0.5")).quantize(Decimal("0.01"))),)
                    if rng.random() < 0.1:
                        contract_amendments = (ocds.ContractAmendment(
                            "CA1", signed + dt.timedelta(days=120), "增加服务内容",
                            new_value_wan=(price * Decimal("1.08")).quantize(Decimal("0.01"))),)
                if reached >= 6:
                    payments += (ocds.Payment(
                        "P2", dt.datetime.combine(end, dt.time(15), CST),
                        price - payments[0].amount_wan),)
                    milestones = (milestones[0], ocds.ContractMilestone("M2", "年度验收", end, end))
                    closed_at = dt.datetime.combine(end, dt.time(18), CST) + dt.timedelta(days=5)
                contracts = (ocds.Contract(
                    f"C{k + 1}", f"A{k + 1}", f"{subject}合同", signed, begin, end, price,
                    milestones=milestones, payments=payments, amendments=contract_amendments,
                    closed_at=closed_at),)
        processes.append(ocds.ContractingProcess(
            ocid, buyer, planning, tender, awards or (), contracts or ()))
    return processes


def bench_ocds_export(n: int = 10_000):
    from bench.__main__ import _peak_of, measure, row
    from cityops.procurement.domain import ocds, ocds_validate

    processes = generate_processes(n)
    publisher = ocds.Publisher("CityOps 数据局")
    ocds_validate.validator_for("release-package-schema.json")  # compiled once, as in service
    holder: dict = {}

    def export():
        started = time.perf_counter()
        package = ocds.release_package_for(processes, URI, PUBLISHED, publisher)
        text = json.dumps(package, ensure_ascii=False)
        parsed = json.loads(text)
        if tracemalloc.is_tracing():  # the validation's own peak, above what is already held
            held = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
        validating = time.perf_counter()
        errors = ocds_validate.validate_release_package(parsed)
        done = time.perf_counter()
        if tracemalloc.is_tracing():
            holder["validate_peak"] = (tracemalloc.get_traced_memory()[1] - held) / 2**20
        holder.update(package=package, text=text, errors=errors,
                      validate_s=done - validating, total_s=done - started)

    value, _ = measure(export, trace=False)
    validate_s = holder["validate_s"]
    peak = _peak_of(export)
    assert holder["errors"] == [], holder["errors"][:5]
    package, text = holder["package"], holder["text"]
    baseline, _ = measure(lambda: json.dumps(package, ensure_ascii=False), trace=False)

    from jsonschema import Draft4Validator

    sample = ocds.release_package_for(processes[:SAMPLE], URI, PUBLISHED, publisher)
    sample = json.loads(json.dumps(sample, ensure_ascii=False))

    def stock():
        # the schema files as they are, a registry and a validator built for the run
        from referencing import Registry
        from referencing.jsonschema import DRAFT4

        raw = {name: json.loads((ocds_validate.SCHEMA_DIR / name).read_text(encoding="utf-8"))
               for name in ocds_validate.SCHEMA_FILES}
        registry = Registry().with_resources(
            (contents["id"], DRAFT4.create_resource(contents)) for contents in raw.values()
        )
        validator = Draft4Validator(raw["release-package-schema.json"], registry=registry,
                                    format_checker=Draft4Validator.FORMAT_CHECKER)
        assert not list(validator.iter_errors(sample))

    stock_time, _ = measure(stock, trace=False)
    print(
        f"… {n} processes, {len(package['releases'])} releases, "
        f"{len(text.encode()) / 2**20:.1f} MB of JSON; stock jsonschema on {SAMPLE} processes "
        f"({len(sample['releases'])} releases): {stock_time:.2f} s",
        file=sys.stderr,
    )
    return [
        row(f"ocds_export_validate_{n}", value, "s", "json_dumps_same_package", baseline, peak),
        row(f"ocds_validate_{n}", validate_s, "s",
            f"stock_jsonschema_{SAMPLE}_processes_x{n // SAMPLE}_linear_lower_bound",
            stock_time * n / SAMPLE, holder["validate_peak"]),
    ]


def rows():
    return bench_ocds_export()


if __name__ == "__main__":
    started = time.perf_counter()
    json.dump(rows(), sys.stdout, indent=2, ensure_ascii=False)
    print()
    print(f"… {time.perf_counter() - started:.0f} s in all", file=sys.stderr)
