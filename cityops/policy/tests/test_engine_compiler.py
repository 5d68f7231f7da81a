"""The compiler and the engines (compiler.py, duckdb_sql.py): the columnar result equals the
one-enterprise-at-a-time interpreter and the hand-written SQL baseline on random profiles and
random rules (hypothesis), near misses, incremental re-matching, the fast path, the synthetic
data."""

from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityops.core import codes, industries, regions
from cityops.policy import synthetic
from cityops.policy.engine import (
    BitsetEngine,
    compile_policies,
    evaluate,
    match_delta,
    matches,
    policy_load,
    policy_parse,
    rematch_enterprise,
    rematch_policy,
)
from cityops.policy.engine.duckdb_sql import DuckDBEngine
from cityops.policy.engine.registry import REGISTRY_SCHEMA

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
AS_OF = date(2025, 6, 30)

# --- random profiles and rules over shared pools (so that thresholds are hit exactly) ---------

NUMBERS = [0.0, 0.5, 1.0, 3.0, 100.0, 500.0, 2000.0, 2000.5, 10000.0]
INTEGERS = [0, 1, 3, 5, 20, 100, 300]
DATES = [date(2015, 1, 1), date(2020, 6, 30), date(2020, 7, 1), date(2024, 2, 29),
         date(2024, 6, 30), date(2025, 6, 30), date(2025, 7, 15)]
INDUSTRY = ["3911", "3921", "6510", "5111", "1311", "2710", "3581", "6420", "39"]
INDUSTRY_PREFIX = ["C", "C39", "39", "391", "65", "I", "F", "358", "27", "13"]
REGION = ["440305", "440306", "440103", "441900", "445202", "110108"]
REGION_PREFIX = ["44", "4403", "440305", "4401", "11", "4419"]
NAMES = ["深圳华鑫科技有限公司", "广州博远贸易有限公司"]

ATTR_POOLS = {
    "revenue_wan": NUMBERS, "assets_wan": NUMBERS, "rd_expense_wan": NUMBERS,
    "export_wan": NUMBERS, "tax_paid_wan": NUMBERS,
    "employees": INTEGERS, "patents_invention": INTEGERS, "graduates_hired": INTEGERS,
    "rd_intensity": [0.0, 2.5, 3.0, 5.0, 25.0], "revenue_per_employee": [0.0, 1.0, 100.0],
    "export_share": [0.0, 20.0, 50.0], "age_years": [0, 1, 3, 5, 10],
    "founded_on": DATES,
}
BOOLS = ["high_tech", "tech_sme", "green_factory"]
ENUMS = {"tax_credit_rating": ["A", "B", "M", "C", "D"],
         "specialised_sme": ["none", "province", "national"],
         "listed": ["none", "new_third_board", "star_market"]}
NUMERIC_OPS = ["==", "!=", "<", "<=", ">", ">=", "between", "known", "unknown"]


def maybe(pool):
    return st.one_of(st.none(), st.sampled_from(pool))


profiles = st.fixed_dictionaries({
    "uscc": st.just("X"),  # replaced by a unique code per row
    "name": maybe(NAMES),
    "industry_code": maybe(INDUSTRY),
    "region_code": maybe(REGION),
    "founded_on": maybe(DATES),
    "employees": maybe(INTEGERS),
    "revenue_wan": maybe(NUMBERS),
    "assets_wan": maybe(NUMBERS),
    "tax_paid_wan": maybe(NUMBERS),
    "rd_expense_wan": maybe(NUMBERS),
    "patents_invention": maybe(INTEGERS),
    "graduates_hired": maybe(INTEGERS),
    "export_wan": maybe(NUMBERS),
    "high_tech": st.one_of(st.none(), st.booleans()),
    "tech_sme": st.one_of(st.none(), st.booleans()),
    "green_factory": st.one_of(st.none(), st.booleans()),
    "tax_credit_rating": maybe(ENUMS["tax_credit_rating"]),
    "specialised_sme": maybe(ENUMS["specialised_sme"]),
    "listed": maybe(ENUMS["listed"]),
})


@st.composite
def conditions(draw):
    kind = draw(st.sampled_from(["numeric", "bool", "enum", "industry", "region", "name"]))
    if kind == "numeric":
        attr = draw(st.sampled_from(sorted(ATTR_POOLS)))
        pool = ATTR_POOLS[attr]
        op = draw(st.sampled_from(NUMERIC_OPS + (["in", "not_in"] if attr in (
            "employees", "patents_invention", "graduates_hired", "age_years") else [])))
        if op in ("known", "unknown"):
            return {"attr": attr, "op": op}
        if op == "between":
            a, b = sorted(draw(st.lists(st.sampled_from(pool), min_size=2, max_size=2)))
            return {"attr": attr, "op": op, "value": [a, b]}
        if op in ("in", "not_in"):
            return {"attr": attr, "op": op,
                    "value": draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3))}
        value = draw(st.sampled_from(pool))
        if op == "<" and value == pool[0]:
            op = "<="  # "< 0" can never hold: the parser refuses it
        return {"attr": attr, "op": op, "value": value}
    if kind == "bool":
        return {"attr": draw(st.sampled_from(BOOLS)),
                "op": draw(st.sampled_from(["is_true", "is_false", "known", "unknown"]))}
    if kind == "enum":
        attr = draw(st.sampled_from(sorted(ENUMS)))
        op = draw(st.sampled_from(["==", "!=", "in", "not_in"]))
        values = draw(st.lists(st.sampled_from(ENUMS[attr]), min_size=1, max_size=3))
        return {"attr": attr, "op": op, "value": values[0] if op in ("==", "!=") else values}
    if kind == "industry":
        op = draw(st.sampled_from(["prefix_in", "in", "==", "not_in"]))
        if op == "prefix_in":
            return {"attr": "industry_code", "op": op,
                    "value": draw(st.lists(st.sampled_from(INDUSTRY_PREFIX), min_size=1,
                                           max_size=3))}
        values = draw(st.lists(st.sampled_from(INDUSTRY), min_size=1, max_size=3))
        return {"attr": "industry_code", "op": op, "value": values[0] if op == "==" else values}
    if kind == "region":
        op = draw(st.sampled_from(["prefix_in", "in", "!="]))
        if op == "prefix_in":
            return {"attr": "region_code", "op": op,
                    "value": draw(st.lists(st.sampled_from(REGION_PREFIX), min_size=1,
                                           max_size=2))}
        values = draw(st.lists(st.sampled_from(REGION), min_size=1, max_size=2))
        return {"attr": "region_code", "op": op, "value": values[0] if op == "!=" else values}
    op = draw(st.sampled_from(["prefix_in", "in"]))
    return {"attr": "name", "op": op,
            "value": ["深圳"] if op == "prefix_in" else [draw(st.sampled_from(NAMES))]}


trees = st.recursive(
    conditions(),
    lambda kids: st.one_of(
        st.lists(kids, min_size=1, max_size=4).map(lambda c: {"all": c}),
        st.lists(kids, min_size=1, max_size=4).map(lambda c: {"any": c}),
        kids.map(lambda c: {"not": c}),
    ),
    max_leaves=8,
)

FORMULAS = [
    "min(rd_expense_wan * 0.1, 200)", "employees * 0.05", "revenue_wan / employees",
    "round(assets_wan * 0.013, 2)", "50", "(export_wan - 100) * 0.01 if export_wan > 100 else 1",
    "max(revenue_wan, assets_wan) * 0.001 + high_tech * 5", "floor(patents_invention / 3) * 2",
]


@st.composite
def policy_sets(draw):
    out = []
    for i in range(draw(st.integers(1, 5))):
        doc = {
            "id": f"T{i}", "doc_number": f"测试〔2025〕{i}号", "title": "测试", "issuer": "science",
            "level": "city", "effective_from": "2025-01-01",
            "region_scope": draw(st.lists(st.sampled_from(REGION_PREFIX), max_size=2)),
            "eligibility": draw(trees),
            "benefits": [{"kind": "subsidy", "amount": draw(st.sampled_from(FORMULAS)),
                          **({"cap_wan": 100} if draw(st.booleans()) else {})}
                         for _ in range(draw(st.integers(1, 2)))],
        }
        if draw(st.booleans()):
            doc["eligibility"] = {"all": [draw(trees) for _ in range(draw(st.integers(2, 4)))]}
        out.append(policy_parse(yaml.safe_dump(doc, allow_unicode=True)))
    return out


def frame_of(rows):
    rows = [{**r, "uscc": f"R{i:06d}"} for i, r in enumerate(rows)]
    return pl.DataFrame(rows, schema=REGISTRY_SCHEMA)


def interpreted(policies, rows):
    """(row, policy id, benefit) of every TRUE pair, by the plain interpreter loop."""
    out = set()
    for i, r in enumerate(rows):
        for pid, benefit in matches(policies, r, AS_OF):
            out.add((i, pid, benefit))
    return out


def pairs_of(frame: pl.DataFrame):
    return {(r, p, b) for r, p, b in frame.select(
        "row", pl.col("policy_id").cast(pl.String), "benefit_wan").iter_rows()}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies=policy_sets(), rows=st.lists(profiles, min_size=1, max_size=25))
def test_columnar_engine_equals_interpreter_and_sql_baseline(policies, rows):
    registry = frame_of(rows)
    plan = compile_policies(policies)
    expected = interpreted(policies, rows)
    assert pairs_of(BitsetEngine().match(registry, plan, as_of=AS_OF).pairs) == expected
    assert pairs_of(DuckDBEngine().match(registry, plan, as_of=AS_OF).pairs) == expected
    for r in rows:  # the one-enterprise fast path too
        fast = plan.match_profile(r, AS_OF)
        assert sorted(fast.matched) == sorted(matches(policies, r, AS_OF))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(policies=policy_sets(), rows=st.lists(profiles, min_size=1, max_size=25))
def test_batch_near_misses_equal_the_interpreter(policies, rows):
    registry = frame_of(rows)
    result = BitsetEngine().match(registry, compile_policies(policies), as_of=AS_OF,
                                  near_misses=True)
    got = {(r, p, c) for r, p, c in result.near_misses.select(
        "row", pl.col("policy_id").cast(pl.String), "clause").iter_rows()}
    expected = set()
    for i, r in enumerate(rows):
        for p in policies:
            clause = evaluate(p, r, AS_OF).near_miss_clause
            if clause is not None:
                expected.add((i, p.id, clause))
    assert got == expected
    plan = compile_policies(policies)
    for i, r in enumerate(rows):
        fast = {(i, p, c) for p, c in plan.match_profile(r, AS_OF, near_misses=True).near_misses}
        assert fast == {e for e in expected if e[0] == i}


# --- the real shapes: examples and synthetic data ---------------------------------------------


@pytest.fixture(scope="module")
def small_registry():
    return synthetic.registry(20_000, seed=7)


@pytest.fixture(scope="module")
def synthetic_policies():
    return synthetic.policies(150, seed=11, parsed=True)


def test_synthetic_registry_has_valid_unique_codes(small_registry):
    uscc = small_registry.get_column("uscc").to_list()
    assert all(codes.is_uscc(u) for u in uscc)
    assert len(set(uscc)) == len(uscc)
    assert any(u[8:10] == "MA" for u in uscc) and any(u[8:10].isdigit() for u in uscc)
    region = small_registry.get_column("region_code").unique().to_list()
    assert all(r.startswith("44") and regions.is_region(r) for r in region)
    assert all(u[2:8] == r for u, r in small_registry.select("uscc", "region_code").iter_rows())
    industry = small_registry.get_column("industry_code").unique().to_list()
    assert all(len(c) == 4 and industries.is_industry(c) for c in industry)


def test_synthetic_registry_is_realistic_and_deterministic(small_registry):
    df = small_registry
    assert 0.03 < df.get_column("high_tech").mean() < 0.15
    assert df.get_column("employees").median() < 50  # most firms are small
    assert df.get_column("employees").max() > 1000  # a few are large
    assert 0.05 < df.get_column("rd_expense_wan").null_count() / df.height < 0.2
    share = df.group_by(pl.col("region_code").str.slice(0, 4)).len().sort("len").tail(1)
    assert share.item(0, 0) in ("4403", "4401")  # Shenzhen or Guangzhou hold the most firms
    assert synthetic.registry(500, seed=7).equals(synthetic.registry(500, seed=7))


def test_synthetic_policies_share_conditions(synthetic_policies):
    plan = compile_policies(synthetic_policies)
    total = sum(len(p.eligibility.children) for p in synthetic_policies)
    assert len(plan.atoms) < total / 3  # far fewer distinct conditions than written ones
    issuers = {p.issuer for p in synthetic.policies(1200, seed=3, parsed=True)}
    assert len(issuers) == 23
    assert {p.level for p in synthetic_policies} == {"national", "province", "city", "county"}
    assert any(p.free_application for p in synthetic_policies)
    assert any(p.exclusivity_groups for p in synthetic_policies)


def test_engines_agree_on_synthetic_data(small_registry, synthetic_policies, tmp_path):
    plan = compile_policies(synthetic_policies)
    ours = BitsetEngine().match(small_registry, plan, as_of=AS_OF, out=tmp_path / "m.parquet")
    sql = DuckDBEngine().match(small_registry, plan, as_of=AS_OF, out=tmp_path / "d.parquet")
    key = ["row", "policy_id"]
    a = ours.pairs.with_columns(pl.col("policy_id").cast(pl.String)).sort(key)
    b = sql.pairs.with_columns(pl.col("policy_id").cast(pl.String)).sort(key)
    assert a.height > 1000
    assert a.equals(b)
    written = pl.read_parquet(tmp_path / "m.parquet")
    assert written.height == a.height and written.columns == ["row", "policy_id", "benefit_wan"]
    # spot-check against the interpreter
    rows = small_registry.head(300).to_dicts()
    expected = interpreted(synthetic_policies, rows)
    assert pairs_of(ours.pairs.filter(pl.col("row") < 300)) == expected


def test_result_with_uscc(small_registry, synthetic_policies):
    result = BitsetEngine().match(small_registry, compile_policies(synthetic_policies[:5]),
                                  as_of=AS_OF)
    frame = result.with_uscc(small_registry)
    assert frame.columns == ["row", "uscc", "policy_id", "benefit_wan"]
    r, u = frame.row(0)[:2]
    assert small_registry.item(r, "uscc") == u


def test_unknown_benefit_inputs_give_null_not_zero():
    p = policy_load(EXAMPLES / "gd_high_tech_cultivation.yaml")
    firm = {"uscc": "A", "region_code": "440305", "founded_on": date(2020, 1, 1),
            "tech_sme": True, "high_tech": False, "rd_expense_wan": 60.0, "revenue_wan": 1000.0,
            "patents_invention": 1, "tax_credit_rating": "A"}
    registry = frame_of([firm])
    pairs = BitsetEngine().match(registry, compile_policies([p]), as_of=AS_OF).pairs
    assert pairs.get_column("benefit_wan").to_list() == [6.0]
    jobs = policy_load(EXAMPLES / "gd_stable_jobs.yaml")  # needs employees, which is unknown
    pairs = BitsetEngine().match(registry, compile_policies([jobs]), as_of=AS_OF).pairs
    assert pairs.height == 0  # employees unknown: the rule itself is unknown, so no match
    shares = policy_parse(yaml.safe_dump({
        "doc_number": "x", "title": "x", "issuer": "x", "level": "city",
        "effective_from": "2025-01-01", "eligibility": {"attr": "tech_sme", "op": "is_true"},
        "benefits": [{"kind": "subsidy", "amount": "employees * 0.1"}]}))
    pairs = BitsetEngine().match(registry, compile_policies([shares]), as_of=AS_OF).pairs
    assert pairs.get_column("benefit_wan").to_list() == [None]


def test_canonical_conditions_are_shared():
    text = """
doc_number: x
title: x
issuer: x
level: city
effective_from: 2025-01-01
benefits: [{kind: other}]
eligibility:
  all:
    - {attr: revenue_wan, op: ">", value: 100}
    - not: {attr: revenue_wan, op: "<=", value: 100}
    - {attr: tax_credit_rating, op: not_in, value: [D, C]}
    - not: {attr: tax_credit_rating, op: in, value: [C, D]}
"""
    plan = compile_policies([policy_parse(text)])
    assert len(plan.atoms) == 2  # revenue ≤ 100 and rating in {C, D}, each once


def test_rematch_one_policy_gives_the_delta(small_registry, synthetic_policies):
    plan = compile_policies(synthetic_policies)
    before = BitsetEngine().match(small_registry, plan, as_of=AS_OF).pairs
    changed = next(p for p in synthetic_policies
                   if any(c.attr == "revenue_wan" and c.op == ">=" for c in p.eligibility.children))
    text = yaml.safe_dump({
        "id": changed.id, "doc_number": changed.doc_number, "title": changed.title,
        "issuer": changed.issuer, "level": changed.level,
        "region_scope": list(changed.region_scope), "effective_from": "2025-01-01",
        "eligibility": {"all": [{"attr": "employees", "op": ">=", "value": 50}]},
        "benefits": [{"kind": "subsidy", "amount": 7}]}, allow_unicode=True)
    new = policy_parse(text)
    pairs, delta = rematch_policy(small_registry, new, before, as_of=AS_OF)
    old = before.filter(pl.col("policy_id").cast(pl.String) == changed.id)
    old_rows = set(old.get_column("row").to_list())
    new_rows = set(pairs.get_column("row").to_list())
    assert set(delta.added.get_column("row").to_list()) == new_rows - old_rows
    assert set(delta.removed.get_column("row").to_list()) == old_rows - new_rows
    assert set(delta.changed.get_column("row").to_list()) <= old_rows & new_rows
    assert not delta.empty


def test_rematch_one_enterprise_gives_the_delta(synthetic_policies):
    plan = compile_policies(synthetic_policies)
    firm = synthetic.registry(50, seed=5).row(0, named=True)
    first, delta = rematch_enterprise(plan, firm, [], as_of=AS_OF)
    assert delta.added.height == len(first.matched) and delta.removed.height == 0
    grown = {**firm, "high_tech": True, "tech_sme": True, "rd_expense_wan": 500.0,
             "revenue_wan": 5000.0, "patents_invention": 30, "employees": 120}
    second, delta2 = rematch_enterprise(plan, grown, first.matched, as_of=AS_OF)
    assert set(delta2.added.get_column("policy_id").to_list()) == \
        {p for p, _ in second.matched} - {p for p, _ in first.matched}
    unchanged = rematch_enterprise(plan, grown, second.matched, as_of=AS_OF)[1]
    assert unchanged.empty


def test_match_delta_reports_changed_benefits():
    old = pl.DataFrame({"row": [1, 2], "policy_id": ["a", "a"], "benefit_wan": [1.0, None]})
    new = pl.DataFrame({"row": [2, 3], "policy_id": ["a", "a"], "benefit_wan": [5.0, 1.0]})
    d = match_delta(old, new)
    assert d.added.get_column("row").to_list() == [3]
    assert d.removed.get_column("row").to_list() == [1]
    assert d.changed.rows() == [(2, "a", None, 5.0)]


def test_empty_registry_and_missing_columns(synthetic_policies):
    extra = [policy_parse(yaml.safe_dump({
        "id": pid, "doc_number": pid, "title": pid, "issuer": "x", "level": "province",
        "region_scope": ["44"], "effective_from": "2025-01-01", "eligibility": elig,
        "benefits": [{"kind": "subsidy", "amount": "employees * 0.1"}]}))
        for pid, elig in [
            ("big-or-tech", {"any": [{"attr": "high_tech", "op": "is_true"},
                                     {"attr": "employees", "op": ">=", "value": 100}]}),
            ("no-rd-reported", {"attr": "rd_expense_wan", "op": "unknown"}),
        ]]
    policies = synthetic_policies[:30] + extra
    plan = compile_policies(policies)
    empty = pl.DataFrame(schema=REGISTRY_SCHEMA)
    result = BitsetEngine().match(empty, plan, as_of=AS_OF, near_misses=True)
    assert result.pairs.height == 0 and result.near_misses.height == 0
    # a registry with only some columns: the others are unknown, in both engines
    partial = synthetic.registry(2000, seed=8).select("uscc", "region_code", "employees",
                                                      "high_tech", "revenue_wan")
    ours = pairs_of(BitsetEngine().match(partial, plan, as_of=AS_OF).pairs)
    sql = pairs_of(DuckDBEngine().match(partial, plan, as_of=AS_OF).pairs)
    assert ours == sql
    assert {p for _, p, _ in ours} == {"big-or-tech", "no-rd-reported"}
    assert sum(p == "no-rd-reported" for _, p, _ in ours) == partial.height  # never reported
    assert ours == interpreted(policies, partial.to_dicts())
