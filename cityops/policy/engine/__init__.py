"""The policy engine: rules as code for enterprise-support policies (brief §7). Pure: no Django.

* ``language``     YAML → validated AST (frozen dataclasses); errors name line and field
* ``attributes``   the enterprise attributes a rule can test (registry columns, derived ones)
* ``formula``      benefit amount formulas (``ast``-parsed with a whitelist, never eval)
* ``interpreter``  the reference semantics (three-valued), one policy × one enterprise, traced
* ``compiler``     policies → a shared canonical plan → ``MatchEngine`` (``BitsetEngine``),
                   near misses, incremental re-matching, the one-enterprise fast path
* ``duckdb_sql``   the hand-written SQL baseline, also a ``MatchEngine``
* ``benefit``      estimated benefits (scalar and vectorised)
* ``explain``      per-condition explanation in Chinese and English
* ``conflicts``    conflict review with z3 (unsatisfiable, overlapping, redundant rules)
* ``cascade``      province → city (30 days) → county (60 days) implementing rules
* ``registry``     registry import (CSV / Excel / Parquet) with a rejected-rows report
"""

from .cascade import CascadeItem, CascadeNode, cascade_status, overdue
from .compiler import (
    BitsetEngine,
    MatchDelta,
    MatchEngine,
    MatchResult,
    PolicyPlan,
    ProfileMatch,
    compile_policies,
    in_force,
    match_delta,
    rematch_enterprise,
    rematch_policy,
)
from .conflicts import ReviewReport, review
from .errors import PolicyError, PolicyValidationError, Problem
from .explain import ExplainLine, explain, explain_text
from .interpreter import Evaluation, evaluate, matches
from .language import Policy, policy_load, policy_parse, policy_problems
from .registry import RegistryImport, registry_import, registry_validate

__all__ = [
    "BitsetEngine", "CascadeItem", "CascadeNode", "Evaluation", "ExplainLine", "MatchDelta",
    "MatchEngine", "MatchResult", "Policy", "PolicyError", "PolicyPlan", "PolicyValidationError",
    "Problem", "ProfileMatch", "RegistryImport", "ReviewReport", "cascade_status",
    "compile_policies", "evaluate", "explain", "explain_text", "in_force", "match_delta",
    "matches", "overdue", "policy_load", "policy_parse", "policy_problems", "registry_import",
    "registry_validate", "rematch_enterprise", "rematch_policy", "review",
]
