"""The baseline: the same rules as plain SQL, as a person would write them by hand, run by DuckDB.

Each policy becomes one ``SELECT row, '<id>', <benefit> FROM r WHERE <scope> AND <eligibility>``
with its full predicate (no sharing of conditions between policies), and the policies are glued
with ``UNION ALL``; the derived attributes are computed once into a temporary table ``r`` (a
view is slower: DuckDB re-evaluates it in each of the 1,200 branches, 57 s against 41 s for
the 500,000 × 1,200 bench on this machine; one CASE per policy unnested in a single scan was
slower still). SQL's NULL is the unknown of the interpreter: comparisons with NULL are NULL,
AND/OR/NOT are Kleene, and WHERE keeps only TRUE rows, so the same pairs come out. Benefit formulas are CASE
expressions that keep NULL (DuckDB's LEAST/GREATEST would skip it).

It is also an engine behind the ``MatchEngine`` interface (``DuckDBEngine``): the tests assert
that it and ``BitsetEngine`` give identical results.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from . import attributes as A
from .compiler import MatchResult, PolicyPlan
from .formula import Bin, Call, IfElse, Neg, Num, Ref
from .language import AllOf, AnyOf, Cond, Node, Not, Policy

ROUND_SCALE = 10_000.0  # benefit.ROUND_DIGITS = 4


def _lit(v) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, int):
        return f"{v}::DOUBLE"
    if isinstance(v, float):
        return f"{v!r}::DOUBLE"
    if isinstance(v, date):
        return f"DATE '{v.isoformat()}'"
    return "'" + str(v).replace("'", "''") + "'"


def _col(name: str) -> str:
    return f'"{name}"'


def condition_sql(c: Cond) -> str:
    attr = A.ATTRIBUTES[c.attr]
    col = _col(c.attr)
    op, v = c.op, c.value
    if op == "known":
        return f"({col} IS NOT NULL)"
    if op == "unknown":
        return f"({col} IS NULL)"
    if op == "is_true":
        return f"({col} = TRUE)"
    if op == "is_false":
        return f"({col} = FALSE)"
    if op == "between":
        return f"({col} BETWEEN {_lit(v[0])} AND {_lit(v[1])})"
    if op in ("in", "not_in"):
        items = ", ".join(_lit(x) for x in v)
        return f"({col} {'NOT IN' if op == 'not_in' else 'IN'} ({items}))"
    if op == "prefix_in":
        if attr.code_kind == "industry":
            prefixes = [p for q in v for p in A.industry_digit_prefixes(q)]
        else:
            prefixes = list(v)
        return "(" + " OR ".join(f"starts_with({col}, {_lit(p)})" for p in prefixes) + ")"
    sql_op = {"==": "=", "!=": "<>"}.get(op, op)
    return f"({col} {sql_op} {_lit(v)})"


def node_sql(node: Node) -> str:
    if isinstance(node, Cond):
        return condition_sql(node)
    if isinstance(node, Not):
        return f"(NOT {node_sql(node.child)})"
    joiner = " AND " if isinstance(node, AllOf) else " OR "
    assert isinstance(node, AllOf | AnyOf)
    return "(" + joiner.join(node_sql(c) for c in node.children) + ")"


def formula_sql(e) -> str:
    if isinstance(e, Num):
        return _lit(float(e.value))
    if isinstance(e, Ref):
        attr = A.ATTRIBUTES[e.attr]
        if attr.type == "bool":
            return f"(CAST({_col(e.attr)} AS INTEGER)::DOUBLE)"
        return f"({_col(e.attr)}::DOUBLE)"
    if isinstance(e, Neg):
        return f"(-{formula_sql(e.operand)})"
    if isinstance(e, Bin):
        a, b = formula_sql(e.left), formula_sql(e.right)
        if e.op == "/":
            return f"({a} / NULLIF({b}, 0))"
        return f"({a} {e.op} {b})"
    if isinstance(e, Call):
        args = [formula_sql(a) for a in e.args]
        if e.func == "round":
            scale = _lit(float(10 ** int(e.args[1].value)) if len(e.args) == 2 else 1.0)
            return f"(floor({args[0]} * {scale} + 0.5::DOUBLE) / {scale})"
        if e.func in ("min", "max"):
            acc = args[0]
            cmp = "<" if e.func == "min" else ">"
            for b in args[1:]:
                acc = (f"(CASE WHEN {acc} IS NULL OR {b} IS NULL THEN NULL "
                       f"WHEN {b} {cmp} {acc} THEN {b} ELSE {acc} END)")
            return acc
        return f"{e.func}({args[0]})"
    if isinstance(e, IfElse):
        a, b = formula_sql(e.test.left), formula_sql(e.test.right)
        op = {"==": "=", "!=": "<>"}.get(e.test.op, e.test.op)
        return (f"(CASE WHEN {a} IS NULL OR {b} IS NULL THEN NULL WHEN {a} {op} {b} "
                f"THEN {formula_sql(e.body)} ELSE {formula_sql(e.orelse)} END)")
    raise TypeError(e)


def benefit_sql(policy: Policy) -> str:
    parts = []
    for b in policy.benefits:
        if b.amount is None:
            continue
        a = formula_sql(b.amount.expr)
        a = f"(CASE WHEN {a} IS NULL THEN NULL WHEN {a} > 0 THEN {a} ELSE 0::DOUBLE END)"
        if b.cap_wan is not None:
            cap = _lit(float(b.cap_wan))
            a = f"(CASE WHEN {a} IS NULL THEN NULL WHEN {a} > {cap} THEN {cap} ELSE {a} END)"
        parts.append(a)
    total = "0::DOUBLE" if not parts else "(0::DOUBLE + " + " + ".join(parts) + ")"
    return f"(floor({total} * {ROUND_SCALE!r}::DOUBLE + 0.5::DOUBLE) / {ROUND_SCALE!r}::DOUBLE)"


def derived_sql(as_of: date) -> str:
    """The view's derived columns, in the same float order as the other engines."""
    cols = []
    for attr in A.DERIVED:
        if attr.derived == "age":
            md = as_of.month * 100 + as_of.day
            age = (f"({as_of.year} - year(founded_on)) - CASE WHEN month(founded_on) * 100 + "
                   f"day(founded_on) > {md} THEN 1 ELSE 0 END")
            cols.append(f"CASE WHEN {age} >= 0 THEN {age} END AS age_years")
        else:
            num, den = attr.inputs
            cols.append(f"({_col(num)}::DOUBLE * {attr.scale!r}::DOUBLE) / "
                        f"NULLIF({_col(den)}::DOUBLE, 0) AS {attr.name}")
    return ", ".join(cols)


def policy_sql(policy: Policy) -> str:
    where = node_sql(policy.rule)
    return (f'SELECT "row", {_lit(policy.id)} AS policy_id, {benefit_sql(policy)} AS benefit_wan '
            f"FROM r WHERE {where}")


def match_sql(policies: list[Policy]) -> str:
    return "\nUNION ALL\n".join(policy_sql(p) for p in policies)


def _registry_relation(registry: pl.DataFrame) -> pl.DataFrame:
    """The registry with every attribute column present (missing ones null) and a row number."""
    missing = [
        pl.lit(None, dtype=_dtype(a)).alias(a.name) for a in A.REGISTRY
        if a.name not in registry.columns
    ]
    frame = registry.with_columns(missing) if missing else registry
    return frame.with_row_index("row")


def _dtype(a: A.Attribute):
    return {"number": pl.Float64, "integer": pl.Int64, "bool": pl.Boolean, "date": pl.Date}.get(
        a.type, pl.String)


def _connect(registry: pl.DataFrame, policies: list[Policy], as_of: date, threads: int | None):
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    con.register("registry", _registry_relation(registry))
    con.execute("SET enable_progress_bar = false")
    # the derived attributes once, as a person would (a view is re-evaluated in every branch)
    con.execute(f"CREATE TEMP TABLE r AS SELECT *, {derived_sql(as_of)} FROM registry")
    query = match_sql(policies) if policies else (
        'SELECT NULL::UINTEGER AS "row", NULL::VARCHAR AS policy_id, '
        "NULL::DOUBLE AS benefit_wan WHERE FALSE")
    return con, query


def _copy(con, query: str, out: str | Path) -> None:
    path = str(Path(out)).replace("'", "''")
    con.execute(f"COPY ({query}) TO '{path}' (FORMAT parquet)")


def duckdb_match_to_parquet(registry: pl.DataFrame, policies: list[Policy], *, as_of: date,
                            out: str | Path, threads: int | None = None) -> float:
    """The baseline as the bench times it: build the SQL from the ASTs, run it over the registry
    and write the pairs to Parquet (no reading back); the seconds it took."""
    t0 = time.perf_counter()
    con, query = _connect(registry, policies, as_of, threads)
    _copy(con, query, out)
    con.close()
    return time.perf_counter() - t0


class DuckDBEngine:
    """The hand-written SQL baseline behind the MatchEngine interface."""

    name = "duckdb_hand_sql"

    def __init__(self, threads: int | None = None):
        self.threads = threads

    def match(self, registry: pl.DataFrame, plan: PolicyPlan, *, as_of: date,
              near_misses: bool = False, out: str | Path | None = None) -> MatchResult:
        t0 = time.perf_counter()
        con, query = _connect(registry, plan.policies, as_of, self.threads)
        if out is not None:
            _copy(con, query, out)
            pairs = pl.read_parquet(out)
        else:
            pairs = pl.from_arrow(con.sql(query).to_arrow_table())
        con.close()
        ids = plan.policy_ids
        pairs = pairs.select(
            pl.col("row").cast(pl.UInt32),
            pl.col("policy_id").cast(pl.String).cast(pl.Enum(ids)),
            pl.col("benefit_wan").cast(pl.Float64),
        )
        return MatchResult(pairs, None, {"engine": self.name, "policies": len(ids),
                                         "enterprises": registry.height, "pairs": pairs.height,
                                         "total_s": round(time.perf_counter() - t0, 4)})
