"""Conflict review before a policy is put in force, with the z3 SMT solver.

``review(new_policy, in_force_policies, registry=None, as_of=...)`` reports:

(a) rules no enterprise could ever satisfy: the eligibility (with the region scope and the
    attributes' domains: amounts and counts non-negative, enums within their values, industry
    codes within existing GB/T 4754 divisions) is unsatisfiable; the unsat core names the
    conflicting clauses;
(b) policies sharing an exclusivity group whose rules overlap: a witness profile from the
    solver (checked with the interpreter: it qualifies for both) and, given a registry frame,
    how many registry enterprises qualify for both;
(c) the new policy duplicates one in force (equivalent rules), is subsumed by one
    (new ⇒ existing: every enterprise it reaches is already reached), or subsumes one.

Encoding. Each attribute is a z3 variable plus a "known" flag, and every condition has a TRUE
formula and a FALSE formula (Kleene logic: T(a ∧ b) = T(a) ∧ T(b), F(a ∧ b) = F(a) ∨ F(b),
NOT swaps them; a comparison is TRUE or FALSE only when its attribute is known), so the solver
reasons with exactly the interpreter's semantics. Codes are integers so that prefixes are
ranges: region "4403" is [440300, 440399]; industry classes are 4-digit numbers, "39" is
[3900, 3999] and section "C" the union of its divisions' ranges. A ratio (R&D intensity =
R&D expense × 100 ÷ revenue) is kept linear: with a positive denominator, n × s ÷ d ≥ c is
n × s ≥ c × d. An age condition becomes a condition on the founding date for the review date.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from functools import cache

import polars as pl
import z3

from cityops.core import industries, regions

from . import attributes as A
from .explain import format_value
from .interpreter import node_truth, profile_values
from .language import AllOf, AnyOf, Cond, Node, Not, Policy

EPOCH = date(1970, 1, 1)
TIMEOUT_MS = 5000
MARGIN = Fraction(1, 100)  # strict margin used to find a witness that also holds in floats


@dataclass(frozen=True)
class Clause:
    """A clause of a rule named in a finding: its YAML line and its text."""

    line: int
    zh: str
    en: str


@dataclass(frozen=True)
class Unsatisfiable:
    policy_id: str
    clauses: tuple[Clause, ...]  # the unsat core: these together cannot all hold

    @property
    def zh(self) -> str:
        parts = "；".join(f"第 {c.line} 行 {c.zh}" if c.line else c.zh for c in self.clauses)
        return f"政策 {self.policy_id} 的条件无法同时满足，任何企业都不可能符合：{parts}"

    @property
    def en(self) -> str:
        parts = "; ".join(f"line {c.line}: {c.en}" if c.line else c.en for c in self.clauses)
        return f"No enterprise can ever meet policy {self.policy_id}: these conflict: {parts}"


@dataclass(frozen=True)
class Overlap:
    policy_id: str
    other_id: str
    groups: tuple[str, ...]  # the exclusivity groups they share
    witness: dict  # a registry profile that qualifies for both (attributes the rules mention)
    witness_zh: str
    witness_en: str
    verified: bool  # the interpreter confirms the witness qualifies for both
    registry_count: int | None = None  # registry enterprises that qualify for both

    @property
    def zh(self) -> str:
        count = "" if self.registry_count is None else \
            f"；企业库中有 {self.registry_count:,} 家企业同时符合两项政策"
        return (f"政策 {self.policy_id} 与 {self.other_id} 同属互斥组 {'、'.join(self.groups)}，"
                f"但条件存在重叠，例如：{self.witness_zh}{count}")

    @property
    def en(self) -> str:
        count = "" if self.registry_count is None else \
            f"; {self.registry_count:,} registry enterprises meet both"
        return (f"Policies {self.policy_id} and {self.other_id} share the exclusivity group(s) "
                f"{', '.join(self.groups)} but their rules overlap, e.g. {self.witness_en}{count}")


@dataclass(frozen=True)
class Redundancy:
    policy_id: str
    other_id: str
    relation: str  # duplicate | subsumed_by | subsumes

    @property
    def zh(self) -> str:
        return {
            "duplicate": f"政策 {self.policy_id} 与现行政策 {self.other_id} 的适用条件完全相同（重复）",
            "subsumed_by": f"符合政策 {self.policy_id} 的企业必然符合现行政策 {self.other_id}（被其包含）",
            "subsumes": f"符合现行政策 {self.other_id} 的企业必然符合政策 {self.policy_id}（包含该政策）",
        }[self.relation]

    @property
    def en(self) -> str:
        return {
            "duplicate": f"Policy {self.policy_id} has the same rule as {self.other_id} in force "
                         "(a duplicate)",
            "subsumed_by": f"Every enterprise that meets {self.policy_id} already meets "
                           f"{self.other_id} in force (subsumed)",
            "subsumes": f"Every enterprise that meets {self.other_id} in force also meets "
                        f"{self.policy_id} (it subsumes it)",
        }[self.relation]


@dataclass
class ReviewReport:
    policy_id: str
    unsatisfiable: list[Unsatisfiable] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    redundancies: list[Redundancy] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)  # pairs the solver gave up on

    @property
    def ok(self) -> bool:
        return not (self.unsatisfiable or self.overlaps or self.redundancies)


# --- the encoding -------------------------------------------------------------------------------


def _shift_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February in a year without one
        return d.replace(year=d.year + years, day=28)


def _days(d: date) -> int:
    return (d - EPOCH).days


def _q(v) -> z3.ArithRef:
    """An exact rational for a float or int value (the decimal the officer wrote)."""
    return z3.RealVal(Fraction(repr(v)) if isinstance(v, float) else Fraction(v))


def _date_val(d: date) -> z3.ArithRef:
    return z3.IntVal(_days(d))


def _industry_range(prefix: str) -> tuple[int, int]:
    width = 4 - len(prefix)
    return int(prefix) * 10**width, (int(prefix) + 1) * 10**width - 1


def _region_range(prefix: str) -> tuple[int, int]:
    width = 6 - len(prefix)
    return int(prefix) * 10**width, (int(prefix) + 1) * 10**width - 1


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(lo, hi) for lo, hi in out]


class Encoder:
    """z3 formulas for the TRUE and FALSE sets of rules, over shared attribute variables."""

    def __init__(self, as_of: date, margin: Fraction = Fraction(0)):
        self.as_of = as_of
        self.margin = margin
        self.vars: dict[str, z3.ExprRef] = {}
        self.known: dict[str, z3.BoolRef] = {}
        self.used: set[str] = set()  # registry attributes a formula mentions
        self.region_prefixes: set[str] = set()

    # -- variables and domains --

    def var(self, name: str):
        if name not in self.vars:
            attr = A.ATTRIBUTES[name]
            t = attr.type
            sort = {"number": z3.Real, "integer": z3.Int, "date": z3.Int, "bool": z3.Bool,
                    "enum": z3.Int, "code": z3.Int, "string": z3.String}[t]
            self.vars[name] = sort(name)
            self.known[name] = z3.Bool(f"{name}__known")
        self.used.add(name)
        return self.vars[name], self.known[name]

    def domains(self) -> list[z3.BoolRef]:
        """What every real enterprise satisfies, for the attributes used."""
        out = []
        for name in sorted(self.used):
            attr = A.ATTRIBUTES[name]
            x = self.vars[name]
            if attr.is_numeric and attr.minimum is not None:
                out.append(x >= attr.minimum)
            if attr.type == "enum":
                out.append(z3.And(x >= 0, x < len(attr.choices)))
            if attr.type == "date":
                out.append(x >= _days(date(1900, 1, 1)))
            if attr.type == "code" and attr.code_kind == "industry":
                ranges = _merge((int(d) * 100, int(d) * 100 + 99) for d, _ in
                                industries.divisions())
                out.append(z3.Or([z3.And(x >= lo, x <= hi) for lo, hi in ranges]))
            if attr.type == "code" and attr.code_kind == "region":
                out.append(z3.Or([x == int(c) for c in self._region_candidates()]))
        return out

    def preferences(self) -> list[z3.BoolRef]:
        """What makes a witness look like a real enterprise without being required of one:
        whole amounts (which floats hold exactly, so a ratio computed from them rounds the way
        the rational one compares), industry class codes with non-zero group and class digits
        (3911, not 3900), county-level regions."""
        out = []
        for name in sorted(self.used):
            attr = A.ATTRIBUTES[name]
            x = self.vars[name]
            if attr.type == "number":
                out.append(z3.IsInt(x))
            if attr.type == "code" and attr.code_kind == "industry":
                out.append(z3.And(x % 10 != 0, (x / 10) % 10 != 0))
            if attr.type == "code" and attr.code_kind == "region":
                counties = [c for c in self._region_candidates()
                            if regions.region_level(c) == "county"]
                if counties:
                    out.append(z3.Or([x == int(c) for c in counties]))
        return out

    def _region_candidates(self) -> list[str]:
        """Real division codes within the prefixes mentioned, and one outside each province's
        mentioned prefixes (so "not in" can be witnessed too)."""
        out = set()
        mentioned = sorted(self.region_prefixes)
        for p in mentioned:
            out.update(c for c in regions.regions_within(p.ljust(6, "0")) if c.startswith(p))
        for code, _ in regions.provinces():
            if not any(code.startswith(p[:2]) for p in mentioned):
                out.add(code)
                break
        for p in mentioned:  # a code of the same province outside the prefix
            for c in regions.regions_within(p[:2] + "0000"):
                if not any(c.startswith(q) for q in mentioned):
                    out.add(c)
                    break
        return sorted(out)

    # -- conditions --

    def tf(self, node: Node) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(TRUE formula, FALSE formula) of a node."""
        if isinstance(node, Cond):
            return self._cond(node)
        if isinstance(node, Not):
            t, f = self.tf(node.child)
            return f, t
        parts = [self.tf(c) for c in node.children]
        ts = [t for t, _ in parts]
        fs = [f for _, f in parts]
        if isinstance(node, AllOf):
            return z3.And(ts), z3.Or(fs)
        assert isinstance(node, AnyOf)
        return z3.Or(ts), z3.And(fs)

    def rule(self, policy: Policy) -> z3.BoolRef:
        """TRUE formula of the policy's rule (region scope and eligibility)."""
        return self.tf(policy.rule)[0]

    def _cond(self, c: Cond):
        attr = A.ATTRIBUTES[c.attr]
        if attr.derived == "age":
            return self._age(c)
        if attr.derived == "ratio":
            return self._ratio(c, attr)
        x, k = self.var(c.attr)
        op = c.op
        if op == "known":
            return k, z3.Not(k)
        if op == "unknown":
            return z3.Not(k), k
        pos, neg = self._test(attr, x, op, c.value)
        return z3.And(k, pos), z3.And(k, neg)

    def _test(self, attr: A.Attribute, x, op: str, v):
        """(holds, fails) of a comparison on a known value; with a margin, both are strict so
        that a float evaluation of the witness agrees."""
        t = attr.type
        if t == "bool":
            return (x, z3.Not(x)) if op == "is_true" else (z3.Not(x), x)
        if t == "enum":
            idx = attr.values.index
            if op in ("==", "!="):
                eq = x == idx(v)
                return (eq, z3.Not(eq)) if op == "==" else (z3.Not(eq), eq)
            hit = z3.Or([x == idx(u) for u in v])
            return (hit, z3.Not(hit)) if op == "in" else (z3.Not(hit), hit)
        if t == "string":
            if op in ("==", "!="):
                eq = x == z3.StringVal(v)
                return (eq, z3.Not(eq)) if op == "==" else (z3.Not(eq), eq)
            if op == "prefix_in":
                hit = z3.Or([z3.PrefixOf(z3.StringVal(p), x) for p in v])
            else:
                hit = z3.Or([x == z3.StringVal(u) for u in v])
            return (z3.Not(hit), hit) if op == "not_in" else (hit, z3.Not(hit))
        if t == "code":
            hit = self._code_hit(attr, x, op, v)
            return (z3.Not(hit), hit) if op in ("!=", "not_in") else (hit, z3.Not(hit))
        # numbers, integers, dates
        if t == "date":
            return self._compare(x, op, v, _date_val, False)
        return self._compare(x, op, v, z3.IntVal if t == "integer" else _q, t == "number")

    def _compare(self, x, op, v, conv, real: bool):
        m = _q(self.margin) if (real and self.margin) else 0
        if op == "between":
            lo, hi = conv(v[0]), conv(v[1])
            return z3.And(x >= lo + m, x <= hi - m), z3.Or(x < lo - m, x > hi + m)
        if op == "in":
            hit = z3.Or([x == conv(u) for u in v])
            return hit, z3.And([z3.Or(x < conv(u) - m, x > conv(u) + m) for u in v])
        if op == "not_in":
            hit = z3.Or([x == conv(u) for u in v])
            return z3.And([z3.Or(x < conv(u) - m, x > conv(u) + m) for u in v]), hit
        c = conv(v)
        table = {
            ">=": (x >= c + m, x < c - m), ">": (x > c + m, x <= c - m),
            "<=": (x <= c - m, x > c + m), "<": (x < c - m, x >= c + m),
            "==": (x == c, z3.Or(x < c - m, x > c + m)), "!=": (z3.Or(x < c - m, x > c + m), x == c),
        }
        return table[op]

    def _code_hit(self, attr, x, op, v):
        if attr.code_kind == "region":
            if op == "prefix_in":
                self.region_prefixes.update(v)
                return z3.Or([z3.And(x >= lo, x <= hi) for lo, hi in map(_region_range, v)])
            items = (v,) if op in ("==", "!=") else v
            self.region_prefixes.update(items)
            return z3.Or([x == int(u) for u in items])
        if op == "prefix_in":
            prefixes = [p for q in v for p in A.industry_digit_prefixes(q)]
        else:
            prefixes = list((v,) if op in ("==", "!=") else v)
        ranges = _merge(map(_industry_range, prefixes))
        return z3.Or([z3.And(x >= lo, x <= hi) for lo, hi in ranges])

    def _ratio(self, c: Cond, attr: A.Attribute):
        (n, kn), (d, kd) = self.var(attr.inputs[0]), self.var(attr.inputs[1])
        n = z3.ToReal(n) if z3.is_int(n) else n
        d = z3.ToReal(d) if z3.is_int(d) else d
        known = z3.And(kn, kd, d > 0)
        if c.op == "known":
            return known, z3.Not(known)
        if c.op == "unknown":
            return z3.Not(known), known
        scale = _q(attr.scale)
        m = _q(self.margin) if self.margin else 0

        def ge(v):
            return n * scale >= (_q(v) + m) * d

        def le(v):
            return n * scale <= (_q(v) - m) * d

        def lt(v):
            return n * scale < (_q(v) - m) * d

        def gt(v):
            return n * scale > (_q(v) + m) * d

        op, v = c.op, c.value
        if op == "between":
            pos, neg = z3.And(ge(v[0]), le(v[1])), z3.Or(lt(v[0]), gt(v[1]))
        else:
            eq = n * scale == _q(v) * d if op in ("==", "!=") else None
            pos, neg = {
                ">=": (ge(v), lt(v)), ">": (gt(v), le(v)), "<=": (le(v), gt(v)),
                "<": (lt(v), ge(v)), "==": (eq, z3.Or(lt(v), gt(v))),
                "!=": (z3.Or(lt(v), gt(v)), eq),
            }[op]
        return z3.And(known, pos), z3.And(known, neg)

    def _age(self, c: Cond):
        f, k = self.var("founded_on")
        as_of = self.as_of
        known = z3.And(k, f <= _days(as_of))  # founded after the review date: age unknown

        def at_least(n):  # age >= n  ⟺  founded on or before as_of shifted back n years
            return f <= _days(_shift_years(as_of, -int(n)))

        def at_most(n):  # age <= n  ⟺  not (age >= n + 1)
            return z3.Not(at_least(int(n) + 1))

        op, v = c.op, c.value
        if op == "known":
            return known, z3.Not(known)
        if op == "unknown":
            return z3.Not(known), known
        if op == "between":
            pos = z3.And(at_least(v[0]), at_most(v[1]))
        elif op in ("in", "not_in"):
            pos = z3.Or([z3.And(at_least(u), at_most(u)) for u in v])
        else:
            pos = {">=": at_least(v), ">": at_least(v + 1), "<=": at_most(v),
                   "<": at_most(v - 1), "==": z3.And(at_least(v), at_most(v)),
                   "!=": z3.Not(z3.And(at_least(v), at_most(v)))}[op]
        if op == "not_in":
            return z3.And(known, z3.Not(pos)), z3.And(known, pos)
        return z3.And(known, pos), z3.And(known, z3.Not(pos))

    # -- witnesses --

    def witness(self, model: z3.ModelRef) -> dict:
        """A registry profile from a model: the attributes the formulas mention."""
        profile: dict = {}
        for name in sorted(self.used):
            attr = A.ATTRIBUTES[name]
            known = model.eval(self.known[name], model_completion=True)
            if not z3.is_true(known):
                profile[name] = None
                continue
            v = model.eval(self.vars[name], model_completion=True)
            t = attr.type
            if t == "bool":
                profile[name] = z3.is_true(v)
            elif t == "number":
                frac = v.as_fraction() if hasattr(v, "as_fraction") else Fraction(str(v))
                profile[name] = round(float(frac), 6)
            elif t == "integer":
                profile[name] = v.as_long()
            elif t == "date":
                profile[name] = EPOCH + timedelta(days=v.as_long())
            elif t == "enum":
                profile[name] = attr.values[v.as_long()]
            elif t == "code":
                width = 6 if attr.code_kind == "region" else 4
                profile[name] = str(v.as_long()).zfill(width)
            else:
                profile[name] = v.as_string()
        return profile


def describe_profile(profile: Mapping[str, object], lang: str = "zh") -> str:
    """A witness as a sentence: "一家企业：行业代码 3911（…）；营业收入 2,000 万元；…"."""
    parts = []
    for name, v in profile.items():
        attr = A.ATTRIBUTES[name]
        if v is None:
            parts.append(f"{attr.zh}未填报" if lang == "zh" else f"{attr.en} not reported")
        else:
            parts.append(f"{attr.label(lang)} {format_value(attr, v, lang)}")
    if lang == "zh":
        return "一家企业：" + "；".join(parts)
    return "an enterprise with " + "; ".join(parts)


# --- the review ---------------------------------------------------------------------------------


def _clause_text(node: Node, lang: str) -> str:
    from .duckdb_sql import node_sql  # readable enough, and exact

    if isinstance(node, Cond):
        from .explain import _requirement

        sep = "" if lang == "zh" else " "
        return f"{A.ATTRIBUTES[node.attr].label(lang)}{sep}{_requirement(node, lang)}"
    return node_sql(node)


def _overlapping_periods(a: Policy, b: Policy) -> bool:
    a_end = a.effective_to or date.max
    b_end = b.effective_to or date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


def _scopes_overlap(a: Policy, b: Policy) -> bool:
    if not a.region_scope or not b.region_scope:
        return True
    return any(p.startswith(q) or q.startswith(p) for p in a.region_scope for q in b.region_scope)


def _solver() -> z3.Solver:
    s = z3.Solver()
    s.set("timeout", TIMEOUT_MS)
    return s


def unsatisfiable(policy: Policy, as_of: date) -> Unsatisfiable | None:
    """None if some enterprise could meet the policy; else the conflicting clauses."""
    enc = Encoder(as_of)
    clauses: list[tuple[Node, int]] = []
    if policy.scope_condition is not None:
        clauses.append((policy.scope_condition, 0))
    elig = policy.eligibility
    if isinstance(elig, AllOf):
        clauses.extend((c, c.line) for c in elig.children)
    else:
        clauses.append((elig, elig.line))
    s = _solver()
    tracks = []
    for i, (node, _) in enumerate(clauses):
        t, _f = enc.tf(node)
        lit = z3.Bool(f"clause_{i}")
        s.assert_and_track(t, lit)
        tracks.append(lit)
    for d in enc.domains():
        s.add(d)
    if s.check() != z3.unsat:
        return None
    core = {str(c) for c in s.unsat_core()}
    named = [
        Clause(line, _clause_text(node, "zh"), _clause_text(node, "en"))
        for (node, line), lit in zip(clauses, tracks, strict=True) if str(lit) in core
    ]
    return Unsatisfiable(policy.id, tuple(named))


def _check(formulas: list, enc: Encoder, *, prefer: bool = False):
    s = _solver()
    for f in formulas:
        s.add(f)
    for d in enc.domains():
        s.add(d)
    if prefer:
        s.push()
        for p in enc.preferences():
            s.add(p)
        if s.check() == z3.sat:
            return z3.sat, s.model()
        s.pop()
    result = s.check()
    return result, (s.model() if result == z3.sat else None)


def overlap_witness(a: Policy, b: Policy, as_of: date) -> tuple[str, dict | None, bool]:
    """("sat", a profile that qualifies for both, whether the interpreter confirms it), or
    ("unsat", None, False) when no enterprise can qualify for both, or ("unknown", None, False)
    when the solver gave up.

    The first model may sit exactly on a threshold where float arithmetic could round the other
    way; if the interpreter does not confirm it, the solver is asked again with a small margin.
    """
    last = None
    for margin in (Fraction(0), MARGIN):
        enc = Encoder(as_of, margin)
        result, model = _check([enc.rule(a), enc.rule(b)], enc, prefer=True)
        if result != z3.sat:
            if margin == 0:
                return ("unsat" if result == z3.unsat else "unknown"), None, False
            break
        witness = enc.witness(model)
        values = profile_values(witness, as_of)
        if node_truth(a.rule, values) is True and node_truth(b.rule, values) is True:
            return "sat", witness, True
        last = witness
    return "sat", last, False


def implies(a: Policy, b: Policy, as_of: date):
    """z3.unsat when every enterprise meeting ``a`` meets ``b`` (the result of the check)."""
    enc = Encoder(as_of)
    return _check([enc.rule(a), z3.Not(enc.rule(b))], enc)[0]


def registry_count_both(registry: pl.DataFrame, a: Policy, b: Policy, as_of: date) -> int:
    """How many registry enterprises qualify for both policies (bitset engine)."""
    from .compiler import BitsetEvaluator, RegistryColumns, compile_policies, popcount

    plan = compile_policies([a, b])
    ev = BitsetEvaluator(plan, RegistryColumns(registry, as_of))
    both = ev.bits(plan.roots[0], True) & ev.bits(plan.roots[1], True)
    return popcount(both)


@cache
def _default_sample() -> pl.DataFrame:
    from cityops.policy.synthetic import registry

    return registry(5000, seed=1)


def _sample_truths(policies: list[Policy], sample: pl.DataFrame, as_of: date) -> dict:
    """Per policy, the sample rows where its rule is TRUE (bitsets)."""
    from .compiler import BitsetEvaluator, RegistryColumns, compile_policies

    plan = compile_policies(policies)
    ev = BitsetEvaluator(plan, RegistryColumns(sample, as_of))
    return {p.id: ev.bits(root, True) for p, root in zip(plan.policies, plan.roots, strict=True)}


def review(new_policy: Policy, in_force: Iterable[Policy], registry: pl.DataFrame | None = None,
           *, as_of: date | None = None, sample: pl.DataFrame | None = None) -> ReviewReport:
    """The conflict review of ``new_policy`` against the policies in force (see module doc).

    Concrete enterprises prune the solver's work: ``sample`` (default: the first 20,000 rows of
    ``registry``, or 5,000 synthetic profiles) shows at once that most pairs overlap or that
    neither implies the other (a counterexample is a proof); z3 decides what the sample cannot,
    and gives the witnesses.
    """
    as_of = as_of or new_policy.effective_from
    report = ReviewReport(new_policy.id)
    dead = unsatisfiable(new_policy, as_of)
    if dead is not None:
        report.unsatisfiable.append(dead)
        return report  # nothing can overlap with or duplicate a rule no one meets
    others = [
        o for o in in_force
        if o.id != new_policy.id and _overlapping_periods(new_policy, o)
        and _scopes_overlap(new_policy, o)
    ]
    if sample is None:
        sample = registry.head(20_000) if registry is not None else _default_sample()
    truths = _sample_truths([new_policy, *others], sample, as_of) if sample is not None \
        and sample.height else None
    # a solver model of the new rule alone, with every other attribute unknown: a policy that
    # is not TRUE for it cannot be implied by the new one
    enc = Encoder(as_of)
    result, model = _check([enc.rule(new_policy)], enc, prefer=True)
    own = profile_values(enc.witness(model), as_of) if result == z3.sat else None
    for other in others:
        shared = tuple(sorted(set(new_policy.exclusivity_groups) & set(other.exclusivity_groups)))
        forward_refuted = backward_refuted = False
        if truths is not None:
            tn, to = truths[new_policy.id], truths[other.id]
            forward_refuted = bool((tn & ~to).any())  # a sample firm meets new but not other
            backward_refuted = bool((to & ~tn).any())
        if own is not None and not forward_refuted:
            forward_refuted = node_truth(other.rule, own) is not True
        if forward_refuted and backward_refuted and not shared:
            continue
        status, witness, verified = overlap_witness(new_policy, other, as_of) if shared or \
            truths is None or not (truths[new_policy.id] & truths[other.id]).any() \
            else ("sat", None, True)
        if status == "unknown":
            report.undecided.append(other.id)
            continue
        if status == "unsat":
            continue
        if shared:
            count = None if registry is None else registry_count_both(registry, new_policy,
                                                                       other, as_of)
            report.overlaps.append(Overlap(
                new_policy.id, other.id, shared, witness, describe_profile(witness, "zh"),
                describe_profile(witness, "en"), verified, count))
        forward = z3.sat if forward_refuted else implies(new_policy, other, as_of)
        backward = z3.sat if backward_refuted else implies(other, new_policy, as_of)
        if z3.unknown in (forward, backward):
            report.undecided.append(other.id)
        if forward == z3.unsat and backward == z3.unsat:
            report.redundancies.append(Redundancy(new_policy.id, other.id, "duplicate"))
        elif forward == z3.unsat:
            report.redundancies.append(Redundancy(new_policy.id, other.id, "subsumed_by"))
        elif backward == z3.unsat:
            report.redundancies.append(Redundancy(new_policy.id, other.id, "subsumes"))
    return report
