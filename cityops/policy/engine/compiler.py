"""The compiler: policy ASTs → one shared plan → an engine that matches a whole registry.

Layers:

1. ``compile_policies(policies) -> PolicyPlan``: engine-independent. Every atomic condition is
   canonicalised (``x > 5`` is NOT ``x <= 5``, ``!=`` is NOT ``==``, ``not_in`` is NOT ``in``,
   ``between`` is ``>=`` AND ``<=``, code lists are sorted sets, industry sections expand to their
   divisions), and every node is hash-consed: a condition or sub-tree shared by many policies
   (高新技术企业, a revenue band, a city's region scope) is one node of a DAG. In Kleene logic
   NOT(x <= 5) equals x > 5 for every enterprise, the unknown ones included, so the rewrites keep
   the semantics of ``interpreter.py``.
2. ``MatchEngine`` (a Protocol): ``match(registry, plan, as_of=..., near_misses=...)`` →
   ``MatchResult`` (a polars frame of matched pairs with estimated benefits). Another engine
   (a distributed one) implements the same Protocol without touching the language.
3. ``BitsetEngine``: evaluates each DISTINCT atom once over the registry into two packed bitsets
   (rows where it is TRUE, rows where it is FALSE; neither = unknown), combines them per node
   with word-wide AND/OR (Kleene: T(a∧b) = Ta & Tb, F(a∧b) = Fa | Fb, NOT swaps T and F), and only
   then turns each policy's TRUE bitset into matched row numbers. The registry's columns come
   from the polars frame as numpy arrays; codes and enums are dictionary-encoded, so a prefix
   test runs once per distinct code and is then a table lookup.

``PolicyPlan.match_profile`` is the fast path for one enterprise (the same DAG evaluated with
plain Python values: each distinct atom once).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import numpy as np
import polars as pl

from . import attributes as A
from .benefit import benefit_attributes, policy_benefit, policy_benefit_array
from .interpreter import profile_values
from .language import AllOf, Cond, Node, Not, Policy

EPOCH = date(1970, 1, 1)

# --- the plan ---------------------------------------------------------------------------------

ATOM, NOT, AND, OR = "atom", "not", "and", "or"


@dataclass(frozen=True)
class Atom:
    """A canonical atomic test. kind: ge, le, eq (numbers and dates as days), in (a sorted
    tuple), prefix (sorted digit/code prefixes), true (bool), known."""

    attr: str
    kind: str
    arg: object = None


def _minimal_prefixes(prefixes: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for p in sorted(set(prefixes), key=lambda s: (len(s), s)):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return tuple(sorted(out))


def _days(d: date) -> float:
    return float((d - EPOCH).days)


@dataclass
class PolicyPlan:
    """The shared, canonical form of a set of policies."""

    policies: list[Policy]
    atoms: list[Atom] = field(default_factory=list)
    nodes: list[tuple] = field(default_factory=list)  # (ATOM, atom index) | (NOT, n) | (AND|OR, (..))
    roots: list[int] = field(default_factory=list)  # the rule (scope and eligibility) per policy
    scopes: list[int | None] = field(default_factory=list)  # the region scope per policy
    clauses: list[tuple[int, ...] | None] = field(default_factory=list)  # top-level `all` clauses
    _atom_ids: dict[Atom, int] = field(default_factory=dict, repr=False)
    _node_ids: dict[tuple, int] = field(default_factory=dict, repr=False)

    @property
    def policy_ids(self) -> list[str]:
        return [p.id for p in self.policies]

    def attributes(self) -> set[str]:
        """Attributes the plan reads (conditions and benefit formulas)."""
        names = {a.attr for a in self.atoms}
        for p in self.policies:
            names.update(benefit_attributes(p))
        return names

    # -- building --

    def _intern(self, key: tuple) -> int:
        nid = self._node_ids.get(key)
        if nid is None:
            nid = self._node_ids[key] = len(self.nodes)
            self.nodes.append(key)
        return nid

    def _atom(self, atom: Atom) -> int:
        aid = self._atom_ids.get(atom)
        if aid is None:
            aid = self._atom_ids[atom] = len(self.atoms)
            self.atoms.append(atom)
        return self._intern((ATOM, aid))

    def _not(self, nid: int) -> int:
        kind, payload = self.nodes[nid]
        if kind == NOT:
            return payload
        return self._intern((NOT, nid))

    def _group(self, kind: str, children: Iterable[int]) -> int:
        flat: set[int] = set()
        for c in children:
            ckind, payload = self.nodes[c]
            if ckind == kind:
                flat.update(payload)
            else:
                flat.add(c)
        if len(flat) == 1:
            return next(iter(flat))
        return self._intern((kind, tuple(sorted(flat))))

    def node(self, node: Node) -> int:
        """The canonical node id of an AST node (interning it and its parts)."""
        if isinstance(node, Cond):
            return self._cond(node)
        if isinstance(node, Not):
            return self._not(self.node(node.child))
        kind = AND if isinstance(node, AllOf) else OR
        return self._group(kind, [self.node(c) for c in node.children])

    def _cond(self, c: Cond) -> int:
        attr = A.ATTRIBUTES[c.attr]
        op, v = c.op, c.value
        if op == "known":
            return self._atom(Atom(c.attr, "known"))
        if op == "unknown":
            return self._not(self._atom(Atom(c.attr, "known")))
        if op in ("is_true", "is_false"):
            nid = self._atom(Atom(c.attr, "true"))
            return nid if op == "is_true" else self._not(nid)
        if attr.type in ("number", "integer", "date"):
            num = (lambda x: _days(x)) if attr.type == "date" else float
            if op == ">=":
                return self._atom(Atom(c.attr, "ge", num(v)))
            if op == "<=":
                return self._atom(Atom(c.attr, "le", num(v)))
            if op == ">":
                return self._not(self._atom(Atom(c.attr, "le", num(v))))
            if op == "<":
                return self._not(self._atom(Atom(c.attr, "ge", num(v))))
            if op in ("==", "!="):
                nid = self._atom(Atom(c.attr, "eq", num(v)))
                return nid if op == "==" else self._not(nid)
            if op == "between":
                return self._group(AND, [self._atom(Atom(c.attr, "ge", num(v[0]))),
                                         self._atom(Atom(c.attr, "le", num(v[1])))])
            if op in ("in", "not_in"):
                nid = self._atom(Atom(c.attr, "in", tuple(sorted({num(x) for x in v}))))
                return nid if op == "in" else self._not(nid)
        else:
            if op in ("==", "!="):
                nid = self._atom(Atom(c.attr, "in", (v,)))
                return nid if op == "==" else self._not(nid)
            if op in ("in", "not_in"):
                nid = self._atom(Atom(c.attr, "in", tuple(sorted(set(v)))))
                return nid if op == "in" else self._not(nid)
            if op == "prefix_in":
                if attr.code_kind == "industry":
                    prefixes = [p for q in v for p in A.industry_digit_prefixes(q)]
                else:
                    prefixes = list(v)
                return self._atom(Atom(c.attr, "prefix", _minimal_prefixes(prefixes)))
        raise ValueError(f"cannot compile {c}")

    def add(self, policy: Policy) -> None:
        self.policies.append(policy)
        elig = self.node(policy.eligibility)
        scope = policy.scope_condition
        scope_id = self.node(scope) if scope is not None else None
        self.scopes.append(scope_id)
        self.roots.append(elig if scope_id is None else self._group(AND, [scope_id, elig]))
        cl = policy.clauses
        self.clauses.append(tuple(self.node(c) for c in cl) if cl is not None else None)

    # -- the fast path for one enterprise --

    def match_profile(self, profile: Mapping[str, object], as_of: date, *,
                      near_misses: bool = False) -> ProfileMatch:
        """Every policy of the plan for one enterprise: matched (with benefits) and near misses.

        Each distinct atom is evaluated once, then every node in id order (children have smaller
        ids than their parents), with Python's True/False/None.
        """
        values = profile_values(profile, as_of)
        scalar = {name: _scalar_view(name, values.get(name)) for name in self._attrs_in_atoms()}
        atoms = [_atom_truth(a, scalar[a.attr]) for a in self.atoms]
        truth: list = [None] * len(self.nodes)
        for nid, (kind, payload) in enumerate(self.nodes):
            if kind == ATOM:
                truth[nid] = atoms[payload]
            elif kind == NOT:
                t = truth[payload]
                truth[nid] = None if t is None else not t
            elif kind == AND:
                t = True
                for c in payload:
                    ct = truth[c]
                    if ct is False:
                        t = False
                        break
                    if ct is None:
                        t = None
                truth[nid] = t
            else:
                t = False
                for c in payload:
                    ct = truth[c]
                    if ct is True:
                        t = True
                        break
                    if ct is None:
                        t = None
                truth[nid] = t
        matched = []
        misses = []
        for i, p in enumerate(self.policies):
            if truth[self.roots[i]] is True:
                matched.append((p.id, policy_benefit(p, values)))
            elif near_misses and self.clauses[i] is not None:
                scope = self.scopes[i]
                if scope is not None and truth[scope] is not True:
                    continue
                ts = [truth[c] for c in self.clauses[i]]
                if ts.count(False) == 1 and ts.count(True) == len(ts) - 1:
                    misses.append((p.id, ts.index(False)))
        return ProfileMatch(matched, misses)

    def _attrs_in_atoms(self) -> set[str]:
        cached = getattr(self, "_atom_attrs", None)
        if cached is None or len(cached[0]) != len(self.atoms):
            cached = (list(self.atoms), {a.attr for a in self.atoms})
            self._atom_attrs = cached
        return cached[1]


@dataclass(frozen=True)
class ProfileMatch:
    matched: list[tuple[str, float | None]]  # (policy id, benefit 万元 or None if unknown)
    near_misses: list[tuple[str, int]]  # (policy id, index of the failing top-level clause)


def compile_policies(policies: Iterable[Policy]) -> PolicyPlan:
    plan = PolicyPlan(policies=[])
    seen = set()
    for p in policies:
        if p.id in seen:
            raise ValueError(f"duplicate policy id {p.id!r}")
        seen.add(p.id)
        plan.add(p)
    return plan


def _scalar_view(name: str, v):
    """A profile value as the atoms compare it: dates as days, numbers as floats."""
    if v is None:
        return None
    attr = A.ATTRIBUTES[name]
    if attr.type == "date":
        return _days(v)
    if attr.type in ("number", "integer"):
        return float(v)
    return v


def _atom_truth(atom: Atom, v):
    kind = atom.kind
    if kind == "known":
        return v is not None
    if v is None:
        return None
    if kind == "ge":
        return v >= atom.arg
    if kind == "le":
        return v <= atom.arg
    if kind == "eq":
        return v == atom.arg
    if kind == "in":
        return v in atom.arg
    if kind == "prefix":
        return v.startswith(atom.arg)
    if kind == "true":
        return v is True
    raise ValueError(kind)


# --- the registry as arrays -------------------------------------------------------------------


class RegistryColumns:
    """The columns of a registry frame as numpy arrays, converted on first use.

    * numeric(name): float64, NaN = unknown (numbers, integers, dates as days, derived, and bools
      as 0/1 for formulas);
    * coded(name): (int32 codes, values) with code 0 = unknown and code k = values[k - 1]
      (codes, enums, strings; bools as 1 = false, 2 = true).
    """

    def __init__(self, frame: pl.DataFrame, as_of: date):
        self.frame = frame
        self.as_of = as_of
        self.n = frame.height
        self._numeric: dict[str, np.ndarray] = {}
        self._coded: dict[str, tuple[np.ndarray, list]] = {}
        self._known: dict[str, np.ndarray] = {}

    def _series(self, name: str) -> pl.Series:
        if name not in self.frame.columns:
            return pl.Series(name, [None] * self.n, dtype=pl.Null)
        return self.frame.get_column(name)

    def numeric(self, name: str) -> np.ndarray:
        arr = self._numeric.get(name)
        if arr is not None:
            return arr
        attr = A.ATTRIBUTES[name]
        if attr.derived == "age":
            arr = self._age()
        elif attr.derived == "ratio":
            num, den = (self.numeric(n) for n in attr.inputs)
            with np.errstate(all="ignore"):
                arr = num * attr.scale / den
            arr[den == 0] = np.nan
        elif attr.type == "bool":
            codes, _ = self.coded(name)
            arr = np.array([np.nan, 0.0, 1.0])[codes]
        else:
            s = self._series(name)
            if s.dtype == pl.Null:
                arr = np.full(self.n, np.nan)
            elif attr.type == "date":
                arr = s.cast(pl.Date).cast(pl.Int32).cast(pl.Float64).to_numpy()
            else:
                arr = s.cast(pl.Float64).fill_nan(None).to_numpy()
            arr = np.ascontiguousarray(arr, dtype=np.float64)
        self._numeric[name] = arr
        return arr

    def _age(self) -> np.ndarray:
        s = self._series("founded_on")
        if s.dtype == pl.Null:
            return np.full(self.n, np.nan)
        s = s.cast(pl.Date)
        y = s.dt.year().cast(pl.Float64).to_numpy()
        md = (s.dt.month().cast(pl.Float64) * 100 + s.dt.day().cast(pl.Float64)).to_numpy()
        d = self.as_of
        age = (d.year - y) - (md > d.month * 100 + d.day)
        age[age < 0] = np.nan  # founded after the match date: unknown
        return age

    def known(self, name: str) -> np.ndarray:
        k = self._known.get(name)
        if k is None:
            attr = A.ATTRIBUTES[name]
            if attr.type in ("code", "enum", "string", "bool"):
                k = self.coded(name)[0] != 0
            else:
                k = ~np.isnan(self.numeric(name))
            self._known[name] = k
        return k

    def coded(self, name: str) -> tuple[np.ndarray, list]:
        got = self._coded.get(name)
        if got is not None:
            return got
        attr = A.ATTRIBUTES[name]
        s = self._series(name)
        if s.dtype == pl.Null:
            got = (np.zeros(self.n, np.int32), [])
        elif attr.type == "bool":
            b = s.cast(pl.Boolean)
            codes = np.where(b.fill_null(False).to_numpy(), 2, 1).astype(np.int32)
            codes[b.is_null().to_numpy()] = 0
            got = (codes, [False, True])
        else:
            got = _dictionary(s)
        self._coded[name] = got
        return got


def _dictionary(s: pl.Series) -> tuple[np.ndarray, list[str]]:
    """Dictionary-encode a string-like column: codes (0 = null) and the distinct values."""
    s = s.cast(pl.String)
    phys = s.cast(pl.Categorical).to_physical()
    pairs = pl.DataFrame({"p": phys, "s": s}).drop_nulls().unique("p", keep="first")
    if pairs.height == 0:
        return np.zeros(len(s), np.int32), []
    p = pairs.get_column("p").to_numpy().astype(np.int64)
    values = pairs.get_column("s").to_list()
    lut = np.zeros(int(p.max()) + 1, np.int32)
    lut[p] = np.arange(1, len(p) + 1, dtype=np.int32)
    codes = lut[phys.fill_null(0).to_numpy().astype(np.int64)]
    codes[s.is_null().to_numpy()] = 0
    return codes, values


# --- bitsets ----------------------------------------------------------------------------------


def pack(mask: np.ndarray, words: int) -> np.ndarray:
    """A boolean array as little-endian uint64 words (row i = bit i % 64 of word i // 64)."""
    b = np.packbits(mask, bitorder="little")
    out = np.zeros(words * 8, np.uint8)
    out[: b.size] = b
    return out.view(np.uint64)


# for each byte value, the positions of its set bits (little-endian), -1 padded
_BIT_POS = np.full((256, 8), -1, np.int8)
for _v in range(256):
    _k = 0
    for _b in range(8):
        if _v >> _b & 1:
            _BIT_POS[_v, _k] = _b
            _k += 1


def bit_rows(words: np.ndarray) -> np.ndarray:
    """Row numbers (uint32, ascending) of the set bits.

    Sparse bitsets go through the non-zero bytes only (a table of bit positions per byte value);
    dense ones are unpacked whole, which is then cheaper."""
    by = words.view(np.uint8)
    nzb = np.flatnonzero(by)
    if nzb.size > by.size // 4:
        return np.flatnonzero(np.unpackbits(by, bitorder="little")).astype(np.uint32)
    pos = _BIT_POS[by[nzb]]
    keep = pos >= 0
    return ((nzb.astype(np.uint32) << np.uint32(3))[:, None] + pos.astype(np.uint32))[keep]


def popcount(words: np.ndarray) -> int:
    return int(np.unpackbits(words.view(np.uint8)).sum()) if words.size else 0


class BitsetEvaluator:
    """Evaluates plan nodes over registry columns as (TRUE, FALSE) bitsets, each node and
    polarity at most once; intermediate nodes are dropped when no parent needs them any more."""

    def __init__(self, plan: PolicyPlan, columns: RegistryColumns):
        self.plan = plan
        self.columns = columns
        self.words = (columns.n + 63) // 64
        self._memo: dict[tuple[int, bool], np.ndarray] = {}
        self._uses: dict[int, int] = {}
        self.atoms_evaluated = 0
        self._known: dict[str, np.ndarray] = {}
        self._atom_true: dict[tuple, np.ndarray] = {}

    def count_uses(self, roots: Iterable[int]) -> None:
        """Count how many times each node will be asked for, so shared nodes stay memoised
        exactly as long as needed."""
        seen: set[int] = set()
        stack = list(roots)
        for r in stack:
            self._uses[r] = self._uses.get(r, 0) + 1
        while stack:
            nid = stack.pop()
            if nid in seen:
                continue
            seen.add(nid)
            kind, payload = self.plan.nodes[nid]
            kids = (payload,) if kind == NOT else payload if kind in (AND, OR) else ()
            for c in kids:
                self._uses[c] = self._uses.get(c, 0) + 1
                stack.append(c)

    def bits(self, nid: int, polarity: bool = True) -> np.ndarray:
        """Rows where node ``nid`` is TRUE (polarity True) or FALSE (polarity False)."""
        key = (nid, polarity)
        got = self._memo.get(key)
        if got is not None:
            return got
        kind, payload = self.plan.nodes[nid]
        if kind == ATOM:
            out = self._atom(self.plan.atoms[payload], polarity)
        elif kind == NOT:
            out = self.bits(payload, not polarity)
            self.release(payload)
        else:
            conj = (kind == AND) == polarity  # T of AND and F of OR intersect
            kids = iter(payload)
            out = self.bits(next(kids), polarity).copy()
            for c in kids:
                if conj:
                    np.bitwise_and(out, self.bits(c, polarity), out=out)
                else:
                    np.bitwise_or(out, self.bits(c, polarity), out=out)
            for c in payload:
                self.release(c)
        # atoms are cheap to keep (two bitsets each) and widely shared: keep them all
        if kind == ATOM or self._uses.get(nid, 0) > 1:
            self._memo[key] = out
        return out

    def release(self, nid: int) -> None:
        """A parent is done with ``nid``: forget it when nobody else will ask."""
        left = self._uses.get(nid, 0) - 1
        self._uses[nid] = left
        if left <= 0 and self.plan.nodes[nid][0] != ATOM:
            self._memo.pop((nid, True), None)
            self._memo.pop((nid, False), None)

    def _known_bits(self, name: str) -> np.ndarray:
        k = self._known.get(name)
        if k is None:
            k = self._known[name] = pack(self.columns.known(name), self.words)
        return k

    def _atom(self, atom: Atom, polarity: bool) -> np.ndarray:
        """TRUE rows of an atom from one vectorised test; FALSE rows are the known rows that
        are not TRUE (word-wide), except for `known` itself."""
        if atom.kind == "known":
            k = self.columns.known(atom.attr)
            return pack(k if polarity else ~k, self.words)
        key = (atom, True)
        t = self._atom_true.get(key)
        if t is None:
            self.atoms_evaluated += 1
            t = self._atom_true[key] = pack(self._true_mask(atom), self.words)
        if polarity:
            return t
        return self._known_bits(atom.attr) & ~t

    def _true_mask(self, atom: Atom) -> np.ndarray:
        cols = self.columns
        kind = atom.kind
        attr = A.ATTRIBUTES[atom.attr]
        if kind == "true":
            return cols.coded(atom.attr)[0] == 2
        if kind in ("ge", "le", "eq") or (kind == "in" and attr.type in ("number", "integer",
                                                                         "date")):
            x = cols.numeric(atom.attr)
            if kind == "ge":
                return x >= atom.arg
            if kind == "le":
                return x <= atom.arg
            if kind == "eq":
                return x == atom.arg
            return np.isin(x, np.asarray(atom.arg))
        codes, values = cols.coded(atom.attr)
        if kind == "in":
            wanted = set(atom.arg)
            hit = [v in wanted for v in values]
        else:
            hit = [v.startswith(atom.arg) for v in values]
        lut = np.zeros(len(values) + 1, bool)
        lut[1:] = hit
        return lut[codes]


# --- the engine interface ---------------------------------------------------------------------


@dataclass
class MatchResult:
    """Matched pairs: ``pairs`` has row (UInt32, the registry row), policy_id (Enum of the plan's
    ids) and benefit_wan (Float64, null = unknown); ``near_misses`` (when asked for) has row,
    policy_id and clause (the index of the one failing top-level clause)."""

    pairs: pl.DataFrame
    near_misses: pl.DataFrame | None = None
    stats: dict = field(default_factory=dict)

    def with_uscc(self, registry: pl.DataFrame) -> pl.DataFrame:
        """The pairs with each enterprise's 统一社会信用代码 beside its row number."""
        uscc = registry.get_column("uscc").gather(self.pairs.get_column("row"))
        return self.pairs.with_columns(uscc).select("row", "uscc", "policy_id", "benefit_wan")

    def write_parquet(self, path: str | Path, registry: pl.DataFrame | None = None) -> Path:
        path = Path(path)
        frame = self.pairs if registry is None else self.with_uscc(registry)
        frame.write_parquet(path, compression="lz4", statistics=False)
        return path


class MatchEngine(Protocol):
    name: str

    def match(self, registry: pl.DataFrame, plan: PolicyPlan, *, as_of: date,
              near_misses: bool = False, out: str | Path | None = None) -> MatchResult:
        """Every enterprise of ``registry`` against every policy of ``plan``; the pairs with
        estimated benefits (and near misses), written to ``out`` (Parquet) if given."""
        ...


def _pairs_frame(rows: list[np.ndarray], pols: list[np.ndarray], benefits: list[np.ndarray],
                 ids: Sequence[str]) -> pl.DataFrame:
    enum = pl.Enum(list(ids))
    row = np.concatenate(rows) if rows else np.zeros(0, np.uint32)
    pol = np.concatenate(pols) if pols else np.zeros(0, _policy_dtype(ids))
    ben = np.concatenate(benefits) if benefits else np.zeros(0)
    phys = pl.Series("policy_id", pol)
    return pl.DataFrame([
        pl.Series("row", row, dtype=pl.UInt32),
        phys.cat.to(enum),
        pl.Series("benefit_wan", ben, dtype=pl.Float64, nan_to_null=True),
    ])


def _policy_dtype(ids: Sequence[str]):
    """The physical type of the policy_id Enum: polars uses UInt16 up to 65,535 categories."""
    return np.uint16 if len(ids) < 65536 else np.uint32


class BitsetEngine:
    """Packed bitsets over numpy arrays taken from the polars frame (see the module doc)."""

    name = "bitset"

    def match(self, registry: pl.DataFrame, plan: PolicyPlan, *, as_of: date,
              near_misses: bool = False, out: str | Path | None = None) -> MatchResult:
        t0 = time.perf_counter()
        columns = RegistryColumns(registry, as_of)
        ev = BitsetEvaluator(plan, columns)
        wanted = list(plan.roots)
        if near_misses:
            for i, cl in enumerate(plan.clauses):
                if cl is not None:
                    wanted.extend(cl)
                    if plan.scopes[i] is not None:
                        wanted.append(plan.scopes[i])
        ev.count_uses(wanted)
        ids = plan.policy_ids
        rows, pols, bens = [], [], []
        nm_rows, nm_pols, nm_clauses = [], [], []
        t_benefit = 0.0
        for i, policy in enumerate(plan.policies):
            root = plan.roots[i]
            hit = bit_rows(ev.bits(root, True))
            ev.release(root)
            if hit.size:
                tb = time.perf_counter()
                rows.append(hit)
                pols.append(np.full(hit.size, i, _policy_dtype(ids)))
                bens.append(_benefits(policy, columns, hit))
                t_benefit += time.perf_counter() - tb
            if near_misses and plan.clauses[i] is not None:
                for clause, r in _near_misses(ev, plan, i):
                    nm_rows.append(r)
                    nm_pols.append(np.full(r.size, i, _policy_dtype(ids)))
                    nm_clauses.append(np.full(r.size, clause, np.uint16))
        t1 = time.perf_counter()
        pairs = _pairs_frame(rows, pols, bens, ids)
        nm = None
        if near_misses:
            nm = _pairs_frame(nm_rows, nm_pols, [np.zeros(len(r)) for r in nm_rows], ids).drop(
                "benefit_wan"
            ).with_columns(
                pl.Series("clause", np.concatenate(nm_clauses) if nm_clauses else [],
                          dtype=pl.UInt16)
            )
        result = MatchResult(pairs, nm, {
            "engine": self.name, "policies": len(ids), "enterprises": registry.height,
            "atoms": len(plan.atoms), "nodes": len(plan.nodes),
            "atoms_evaluated": ev.atoms_evaluated, "pairs": pairs.height,
            "match_s": round(t1 - t0 - t_benefit, 4), "benefit_s": round(t_benefit, 4),
        })
        if out is not None:
            t2 = time.perf_counter()
            result.write_parquet(out)
            result.stats["write_s"] = round(time.perf_counter() - t2, 4)
        result.stats["total_s"] = round(time.perf_counter() - t0, 4)
        return result


def _benefits(policy: Policy, columns: RegistryColumns, hit: np.ndarray) -> np.ndarray:
    names = benefit_attributes(policy)
    if not names:  # the same amount for every matched enterprise: compute it once
        return np.full(hit.size, policy_benefit_array(policy, {}, 1)[0])
    gathered = {n: columns.numeric(n)[hit] for n in names}
    return policy_benefit_array(policy, gathered, hit.size)


def _near_misses(ev: BitsetEvaluator, plan: PolicyPlan, i: int):
    """(clause index, rows) where exactly that clause is FALSE and every other one TRUE, within
    the region scope: prefix/suffix ANDs of the clauses' TRUE bitsets."""
    clauses = plan.clauses[i]
    k = len(clauses)
    scope = plan.scopes[i]
    base = ev.bits(scope, True) if scope is not None else None
    trues = [ev.bits(c, True) for c in clauses]
    prefix = [None] * (k + 1)
    suffix = [None] * (k + 1)
    prefix[0] = base
    for j in range(k):
        prefix[j + 1] = trues[j] if prefix[j] is None else prefix[j] & trues[j]
    for j in range(k - 1, -1, -1):
        suffix[j] = trues[j] if suffix[j + 1] is None else suffix[j + 1] & trues[j]
    for j, c in enumerate(clauses):
        m = ev.bits(c, False).copy()
        if prefix[j] is not None:
            m &= prefix[j]
        if suffix[j + 1] is not None:
            m &= suffix[j + 1]
        r = bit_rows(m)
        if r.size:
            yield j, r
    for c in clauses:
        ev.release(c)
    if scope is not None:
        ev.release(scope)


# --- incremental ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchDelta:
    """What changed against a previous result: frames with the key columns, and for ``changed``
    the old and the new benefit."""

    added: pl.DataFrame
    removed: pl.DataFrame
    changed: pl.DataFrame

    @property
    def empty(self) -> bool:
        return self.added.height == 0 and self.removed.height == 0 and self.changed.height == 0


def match_delta(previous: pl.DataFrame, current: pl.DataFrame,
                keys: Sequence[str] = ("row", "policy_id")) -> MatchDelta:
    """Added, removed and changed (benefit) pairs between two results with the same keys."""
    keys = list(keys)
    prev = previous.select([*keys, "benefit_wan"]).with_columns(
        pl.col(k).cast(pl.String) for k in keys if k == "policy_id")
    cur = current.select([*keys, "benefit_wan"]).with_columns(
        pl.col(k).cast(pl.String) for k in keys if k == "policy_id")
    added = cur.join(prev, on=keys, how="anti")
    removed = prev.join(cur, on=keys, how="anti")
    both = prev.join(cur, on=keys, how="inner", suffix="_new").rename(
        {"benefit_wan": "benefit_wan_old"})
    changed = both.filter(
        pl.col("benefit_wan_old").ne_missing(pl.col("benefit_wan_new"))
    )
    return MatchDelta(added, removed, changed)


def rematch_policy(registry: pl.DataFrame, policy: Policy, previous: pl.DataFrame, *,
                   as_of: date, engine: MatchEngine | None = None) -> tuple[pl.DataFrame,
                                                                             MatchDelta]:
    """Match one (new or changed) policy against the whole registry; the delta against the
    previous pairs of that policy id (``previous`` may hold other policies' pairs too)."""
    engine = engine or BitsetEngine()
    plan = compile_policies([policy])
    pairs = engine.match(registry, plan, as_of=as_of).pairs
    old = previous.filter(pl.col("policy_id").cast(pl.String) == policy.id)
    return pairs, match_delta(old, pairs)


def rematch_enterprise(plan: PolicyPlan, profile: Mapping[str, object],
                       previous: Iterable[tuple[str, float | None]], *,
                       as_of: date) -> tuple[ProfileMatch, MatchDelta]:
    """Match one (new or changed) enterprise against every policy of the plan; the delta
    against its previous (policy id, benefit) pairs."""
    result = plan.match_profile(profile, as_of, near_misses=True)

    def frame(pairs):
        pairs = list(pairs)
        return pl.DataFrame(
            {"policy_id": [p for p, _ in pairs], "benefit_wan": [b for _, b in pairs]},
            schema={"policy_id": pl.String, "benefit_wan": pl.Float64},
        )

    return result, match_delta(frame(previous), frame(result.matched), keys=("policy_id",))


def in_force(policies: Iterable[Policy], on: date) -> list[Policy]:
    return [p for p in policies if p.in_force(on)]
