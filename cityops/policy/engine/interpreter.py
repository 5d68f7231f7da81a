"""The reference semantics: one policy, one enterprise profile (a dict), with a trace.

Three-valued (Kleene) logic: a condition on an unknown (null) attribute is UNKNOWN (None);
``all`` is FALSE if a child is FALSE, else UNKNOWN if a child is UNKNOWN, else TRUE; ``any`` is
the dual; ``not`` swaps TRUE and FALSE and keeps UNKNOWN. ``known`` / ``unknown`` are always
TRUE or FALSE. An enterprise qualifies for a policy only when its rule (region scope and
eligibility) is TRUE.

The columnar engines (compiler.py, duckdb_sql.py) must give exactly these outcomes; the tests
check that on random profiles and random rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from . import attributes as A
from .benefit import policy_benefit
from .language import AllOf, Cond, Node, Not, Policy

Truth = bool | None  # True, False, None (unknown)


def _normal(attr: A.Attribute, v):
    """A registry value as the interpreter compares it; None for unknown."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    t = attr.type
    if t == "number":
        if isinstance(v, bool):
            raise TypeError(f"{attr.name}: {v!r}")
        return float(v)
    if t == "integer":
        if isinstance(v, bool):
            raise TypeError(f"{attr.name}: {v!r}")
        return int(v) if not isinstance(v, float | Decimal) or v == int(v) else float(v)
    if t == "bool":
        return bool(v)
    if t == "date":
        if isinstance(v, datetime):
            return v.date()
        return A.date_value(v)
    return str(v)


def profile_values(profile: Mapping[str, object], as_of: date) -> dict[str, object]:
    """Registry values normalised, plus the derived attributes on ``as_of``."""
    values: dict[str, object] = {}
    for attr in A.REGISTRY:
        values[attr.name] = _normal(attr, profile.get(attr.name))
    for attr in A.DERIVED:
        values[attr.name] = derived_value(attr, values, as_of)
    return values


def derived_value(attr: A.Attribute, values: Mapping[str, object], as_of: date):
    if attr.derived == "age":
        return A.age_years(values.get("founded_on"), as_of)
    num, den = (values.get(n) for n in attr.inputs)
    if num is None or den is None or den == 0:
        return None
    return float(num) * attr.scale / float(den)


def condition_truth(cond: Cond, values: Mapping[str, object]) -> Truth:
    v = values.get(cond.attr)
    op = cond.op
    if op == "known":
        return v is not None
    if op == "unknown":
        return v is None
    if v is None:
        return None
    if op == "is_true":
        return v is True
    if op == "is_false":
        return v is False
    x = cond.value
    if op == "==":
        return v == x
    if op == "!=":
        return v != x
    if op == "<":
        return v < x
    if op == "<=":
        return v <= x
    if op == ">":
        return v > x
    if op == ">=":
        return v >= x
    if op == "between":
        return x[0] <= v <= x[1]
    if op == "in":
        return v in x
    if op == "not_in":
        return v not in x
    if op == "prefix_in":
        attr = A.ATTRIBUTES[cond.attr]
        if attr.code_kind == "industry":
            prefixes = [p for q in x for p in A.industry_digit_prefixes(q)]
        else:
            prefixes = x
        return any(v.startswith(p) for p in prefixes)
    raise ValueError(f"unknown operator {op}")


def node_truth(node: Node, values: Mapping[str, object]) -> Truth:
    if isinstance(node, Cond):
        return condition_truth(node, values)
    if isinstance(node, Not):
        t = node_truth(node.child, values)
        return None if t is None else not t
    if isinstance(node, AllOf):
        result: Truth = True
        for c in node.children:
            t = node_truth(c, values)
            if t is False:
                return False
            if t is None:
                result = None
        return result
    result = False
    for c in node.children:
        t = node_truth(c, values)
        if t is True:
            return True
        if t is None:
            result = None
    return result


@dataclass(frozen=True)
class Step:
    """One node of the trace: its path, depth, the node, its outcome and (for a condition) the
    enterprise's value."""

    path: str
    depth: int
    node: Node
    outcome: Truth
    value: object = None


@dataclass(frozen=True)
class Evaluation:
    policy_id: str
    outcome: Truth  # of the rule (region scope and eligibility)
    in_scope: Truth  # the region scope alone (True when nationwide)
    steps: tuple[Step, ...]  # the eligibility, parents first
    clause_outcomes: tuple[Truth, ...] | None  # top-level `all` clauses, for near misses
    benefit_wan: float | None  # None when matched but an input is unknown; None if not matched

    @property
    def matched(self) -> bool:
        return self.outcome is True

    @property
    def near_miss_clause(self) -> int | None:
        """Index of the one FALSE top-level clause when all the others are TRUE (and the
        enterprise is in the region scope); None otherwise."""
        if self.in_scope is not True or self.clause_outcomes is None:
            return None
        false = [i for i, t in enumerate(self.clause_outcomes) if t is False]
        if len(false) == 1 and sum(t is True for t in self.clause_outcomes) == len(
            self.clause_outcomes
        ) - 1:
            return false[0]
        return None


def _trace(node: Node, values, path: str, depth: int, out: list) -> Truth:
    index = len(out)
    out.append(None)
    if isinstance(node, Cond):
        t = condition_truth(node, values)
        out[index] = Step(path, depth, node, t, values.get(node.attr))
        return t
    if isinstance(node, Not):
        c = _trace(node.child, values, f"{path}.not", depth + 1, out)
        t = None if c is None else not c
    else:
        key = "all" if isinstance(node, AllOf) else "any"
        ts = [_trace(c, values, f"{path}.{key}[{i}]", depth + 1, out)
              for i, c in enumerate(node.children)]
        if key == "all":
            t = False if False in ts else (None if None in ts else True)
        else:
            t = True if True in ts else (None if None in ts else False)
    out[index] = Step(path, depth, node, t)
    return t


def evaluate(policy: Policy, profile: Mapping[str, object], as_of: date, *,
             values: Mapping[str, object] | None = None) -> Evaluation:
    """Evaluate one policy for one enterprise on ``as_of`` (for ages), with a full trace."""
    if values is None:
        values = profile_values(profile, as_of)
    scope = policy.scope_condition
    in_scope = True if scope is None else condition_truth(scope, values)
    steps: list = []
    eligible = _trace(policy.eligibility, values, "eligibility", 0, steps)
    outcome = False if in_scope is False or eligible is False else (
        None if in_scope is None or eligible is None else True)
    clauses = policy.clauses
    clause_outcomes = None
    if clauses is not None:
        clause_outcomes = tuple(s.outcome for s in steps if s.depth == 1)
    benefit = policy_benefit(policy, values) if outcome is True else None
    return Evaluation(policy.id, outcome, in_scope, tuple(steps), clause_outcomes, benefit)


def matches(policies, profile: Mapping[str, object], as_of: date) -> list[tuple[str, float | None]]:
    """(policy id, benefit) of every policy the enterprise qualifies for: the plain loop."""
    values = profile_values(profile, as_of)
    out = []
    for p in policies:
        if node_truth(p.rule, values) is True:
            out.append((p.id, policy_benefit(p, values)))
    return out
