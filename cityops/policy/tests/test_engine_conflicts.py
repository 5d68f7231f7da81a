"""Conflict review with z3 (conflicts.py): unsatisfiable rules with the conflicting clauses
named, overlapping exclusive policies with a witness the interpreter confirms and a registry
count, duplicates and subsumption, and pairs that must not be flagged."""

from datetime import date

import yaml

from cityops.policy import synthetic
from cityops.policy.engine import review
from cityops.policy.engine.conflicts import overlap_witness, unsatisfiable
from cityops.policy.engine.interpreter import evaluate
from cityops.policy.engine.language import policy_parse

AS_OF = date(2025, 6, 30)


def policy(pid, eligibility, *, groups=(), scope=("44",), start="2025-01-01", end=None):
    doc = {"id": pid, "doc_number": f"测试〔2025〕{pid}号", "title": pid, "issuer": "science",
           "level": "province", "region_scope": list(scope), "effective_from": start,
           "exclusivity_groups": list(groups), "eligibility": eligibility,
           "benefits": [{"kind": "subsidy", "amount": 10}]}
    if end:
        doc["effective_to"] = end
    return policy_parse(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


def c(attr, op, value=None):
    return {"attr": attr, "op": op, **({"value": value} if value is not None else {})}


def test_a_rule_no_enterprise_can_meet_is_found_with_its_conflicting_clauses():
    dead = policy("dead", {"all": [c("revenue_wan", ">=", 5000), c("high_tech", "is_true"),
                                   c("revenue_wan", "<", 1000)]})
    found = unsatisfiable(dead, AS_OF)
    assert found is not None
    lines = [n.line for n in dead.eligibility.children]
    assert [cl.line for cl in found.clauses] == [lines[0], lines[2]]  # the revenue clauses only
    assert "营业收入要求 ≥ 5,000 万元" in found.zh and "营业收入要求 < 1,000 万元" in found.zh
    assert "No enterprise can ever meet policy dead" in found.en
    report = review(dead, [], as_of=AS_OF)
    assert report.unsatisfiable and not report.ok


def test_domains_make_rules_unsatisfiable_too():
    # R&D intensity ≥ 5% needs R&D expense ≥ 5% of revenue: impossible with no R&D expense
    dead = policy("ratio", {"all": [c("rd_intensity", ">=", 5), c("rd_expense_wan", "<=", 0)]})
    assert unsatisfiable(dead, AS_OF) is not None
    # a region scope of Shenzhen and a district of Guangzhou
    dead = policy("place", {"all": [c("region_code", "prefix_in", ["440103"])]}, scope=["4403"])
    assert unsatisfiable(dead, AS_OF) is not None
    # founded within 3 years but older than 5
    dead = policy("age", {"all": [c("age_years", "<=", 3), c("founded_on", "<=", "2019-01-01")]})
    assert unsatisfiable(dead, AS_OF) is not None
    alive = policy("ok", {"all": [c("age_years", "<=", 3), c("founded_on", ">=", "2023-01-01")]})
    assert unsatisfiable(alive, AS_OF) is None


def test_overlapping_exclusive_policies_come_with_a_witness_that_meets_both():
    a = policy("a", {"all": [c("rd_intensity", ">=", 3), c("high_tech", "is_true"),
                             c("industry_code", "prefix_in", ["C", "I"])]},
               groups=["rd-subsidy"])
    b = policy("b", {"all": [c("rd_expense_wan", ">=", 100),
                             c("revenue_wan", "between", [1000, 30000]),
                             c("tax_credit_rating", "in", ["A", "B"])]},
               groups=["rd-subsidy"], scope=["4403"])
    registry = synthetic.registry(20_000, seed=3)
    report = review(a, [b], registry, as_of=AS_OF)
    [overlap] = report.overlaps
    assert overlap.groups == ("rd-subsidy",) and overlap.verified
    w = overlap.witness
    assert evaluate(a, w, AS_OF).outcome is True and evaluate(b, w, AS_OF).outcome is True
    assert w["region_code"].startswith("4403") and len(w["industry_code"]) == 4
    assert "一家企业：" in overlap.witness_zh and "互斥组 rd-subsidy" in overlap.zh
    # the count is the registry enterprises that qualify for both, by the interpreter too
    expected = sum(
        1 for r in registry.iter_rows(named=True)
        if evaluate(a, r, AS_OF).outcome is True and evaluate(b, r, AS_OF).outcome is True
    )
    assert overlap.registry_count == expected and expected > 0


def test_witness_on_a_ratio_threshold_holds_in_floats():
    a = policy("a", {"all": [c("rd_intensity", ">=", 3.3)]}, groups=["g"])
    b = policy("b", {"all": [c("rd_intensity", "<=", 3.3)]}, groups=["g"])
    status, witness, verified = overlap_witness(a, b, AS_OF)
    assert status == "sat" and verified
    assert evaluate(a, witness, AS_OF).outcome is True
    assert evaluate(b, witness, AS_OF).outcome is True


def test_exclusive_policies_that_cannot_overlap_are_not_flagged():
    small = policy("small", {"all": [c("employees", "<", 50)]}, groups=["jobs"])
    large = policy("large", {"all": [c("employees", ">=", 50)]}, groups=["jobs"])
    other_city = policy("gz", {"all": [c("employees", "<", 50)]}, groups=["jobs"], scope=["4401"])
    sz = policy("sz", {"all": [c("employees", "<", 50)]}, groups=["jobs"], scope=["4403"])
    assert review(small, [large]).ok
    assert review(sz, [other_city]).ok
    later = policy("later", {"all": [c("employees", "<", 50)]}, groups=["jobs"],
                   start="2027-01-01")
    earlier = policy("earlier", {"all": [c("employees", "<", 60)]}, groups=["jobs"],
                     end="2026-12-31")
    assert review(later, [earlier]).ok  # never in force at the same time


def test_subsumed_and_duplicate_policies_are_found():
    broad = policy("broad", {"all": [c("high_tech", "is_true"), c("revenue_wan", ">=", 1000)]})
    narrow = policy("narrow", {"all": [c("high_tech", "is_true"), c("revenue_wan", ">=", 5000),
                                       c("tax_credit_rating", "==", "A")]}, scope=["4403"])
    same = policy("same", {"all": [c("revenue_wan", ">=", 1000),
                                   {"not": c("high_tech", "is_false")},
                                   c("high_tech", "known")]})
    unrelated = policy("unrelated", {"all": [c("export_wan", ">=", 500)]})
    report = review(narrow, [broad, unrelated], as_of=AS_OF)
    assert [(r.other_id, r.relation) for r in report.redundancies] == [("broad", "subsumed_by")]
    assert "必然符合现行政策 broad" in report.redundancies[0].zh
    report = review(broad, [narrow, same, unrelated], as_of=AS_OF)
    assert {(r.other_id, r.relation) for r in report.redundancies} == {
        ("narrow", "subsumes"), ("same", "duplicate")}


def test_review_against_the_synthetic_policy_set_is_quick_and_consistent():
    policies = synthetic.policies(300, seed=9, parsed=True)
    new = policies[0]
    report = review(new, policies, as_of=AS_OF)
    registry = synthetic.registry(5000, seed=2)
    for r in report.redundancies:  # every implication holds on real-looking enterprises
        other = next(p for p in policies if p.id == r.other_id)
        for firm in registry.head(2000).iter_rows(named=True):
            a = evaluate(new, firm, AS_OF).outcome is True
            b = evaluate(other, firm, AS_OF).outcome is True
            if r.relation in ("subsumed_by", "duplicate"):
                assert not a or b
            if r.relation in ("subsumes", "duplicate"):
                assert not b or a
