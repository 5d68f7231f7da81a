"""The policy language (cityops/policy/engine/language.py, formula.py): parsing, validation
errors that name the YAML line and field in both languages, and formulas that are never eval'd."""

from datetime import date
from pathlib import Path

import pytest

from cityops.policy.engine import PolicyValidationError, policy_parse, policy_problems
from cityops.policy.engine.formula import FormulaError, formula_parse, formula_value
from cityops.policy.engine.language import AllOf, AnyOf, Cond, Not, policy_load

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"

HEAD = """\
doc_number: 测试〔2025〕1号
title: 测试政策
issuer: science
level: province
region_scope: ["44"]
effective_from: 2025-01-01
benefits:
  - {kind: subsidy, amount: 10}
"""


def policy_with(eligibility: str) -> str:
    """A valid policy text whose eligibility block is ``eligibility`` (indented YAML)."""
    return HEAD + "eligibility:\n" + eligibility


def problems_of(eligibility: str):
    return policy_problems(policy_with(eligibility))


def test_every_example_policy_parses():
    files = sorted(EXAMPLES.glob("*.yaml"))
    assert len(files) >= 3
    for f in files:
        p = policy_load(f)
        assert p.doc_number and p.title and p.benefits
        assert isinstance(p.eligibility, AllOf | AnyOf | Not | Cond)


def test_example_fields_become_the_ast():
    p = policy_load(EXAMPLES / "gd_high_tech_cultivation.yaml")
    assert p.id == "gd-kjt-2024-cultivation"
    assert p.doc_number == "粤科规范字〔2024〕5号"
    assert p.level == "province" and p.region_scope == ("44",)
    assert p.effective_from == date(2024, 4, 1) and p.effective_to == date(2026, 12, 31)
    assert p.exclusivity_groups == ("high-tech-award-44",)
    assert isinstance(p.eligibility, AllOf) and len(p.eligibility.children) == 6
    assert p.eligibility.children[0] == Cond("tech_sme", "is_true")
    assert p.eligibility.children[3] == Cond("rd_intensity", ">=", 5.0)
    assert isinstance(p.eligibility.children[5], Not)
    assert p.eligibility.children[5].child == Cond("tax_credit_rating", "in", ("C", "D"))
    assert p.benefits[0].cap_wan == 50.0 and p.benefits[0].amount.attributes == ("rd_expense_wan",)
    assert p.guide.channel == "粤商通" and len(p.guide.steps) == 5
    assert p.eligibility.children[1].line == 17  # lines are kept for errors and explanations


def test_region_scope_full_codes_become_prefixes():
    p = policy_load(EXAMPLES / "gd_stable_jobs.yaml")
    assert p.region_scope == ("44",)  # written as 440000


def test_every_operator_parses():
    text = policy_with("""\
  all:
    - {attr: revenue_wan, op: "==", value: 100}
    - {attr: revenue_wan, op: "!=", value: 100}
    - {attr: revenue_wan, op: "<", value: 100}
    - {attr: revenue_wan, op: "<=", value: 100}
    - {attr: revenue_wan, op: ">", value: 100}
    - {attr: revenue_wan, op: ">=", value: 100.5}
    - {attr: revenue_wan, op: between, value: [100, 200]}
    - {attr: employees, op: in, value: [10, 20]}
    - {attr: employees, op: not_in, value: [30]}
    - {attr: industry_code, op: prefix_in, value: [C, C39, "391", "65"]}
    - {attr: region_code, op: prefix_in, value: ["4403", "440305", "440100"]}
    - {attr: tax_credit_rating, op: in, value: [A, B]}
    - {attr: high_tech, op: is_true}
    - {attr: tech_sme, op: is_false}
    - {attr: rd_expense_wan, op: known}
    - {attr: export_wan, op: unknown}
    - {attr: founded_on, op: ">=", value: 2020-01-01}
    - {attr: age_years, op: "<=", value: 5}
    - {attr: green_factory, op: "==", value: true}
    - {attr: high_tech, op: "!=", value: true}
""")
    children = policy_parse(text).eligibility.children
    assert children[5] == Cond("revenue_wan", ">=", 100.5)
    assert children[6] == Cond("revenue_wan", "between", (100.0, 200.0))
    assert children[7] == Cond("employees", "in", (10, 20))
    assert children[9].value == ("C", "C39", "391", "65")
    assert children[10].value == ("4403", "440305", "4401")
    assert children[16] == Cond("founded_on", ">=", date(2020, 1, 1))
    assert children[18] == Cond("green_factory", "is_true")  # == true is is_true
    assert children[19] == Cond("high_tech", "is_false")  # != true is is_false


def test_unknown_attribute_names_the_line_and_field():
    problems = problems_of("""\
  all:
    - {attr: high_tech, op: is_true}
    - {attr: revenue, op: ">=", value: 100}
""")
    assert len(problems) == 1
    p = problems[0]
    assert p.line == 12 and p.field == "eligibility.all[1].attr"
    assert "未知属性" in p.zh and "unknown attribute 'revenue'" in p.en
    assert str(p).startswith("第 12 行，字段 eligibility.all[1].attr：")


def test_wrong_value_type_is_refused():
    [p] = problems_of("  {attr: revenue_wan, op: \">=\", value: lots}\n")
    assert p.field == "eligibility.value" and "not a number" in p.en and "不是数值" in p.zh
    [p] = problems_of("  {attr: employees, op: \">=\", value: 10.5}\n")
    assert "integer" in p.en and "整数" in p.zh
    [p] = problems_of("  {attr: founded_on, op: \">=\", value: last year}\n")
    assert "YYYY-MM-DD" in p.en


def test_operator_must_fit_the_attribute_type():
    [p] = problems_of("  {attr: high_tech, op: \">=\", value: 1}\n")
    assert p.field == "eligibility.op" and "does not apply" in p.en and "不适用" in p.zh
    [p] = problems_of("  {attr: revenue_wan, op: prefix_in, value: [\"1\"]}\n")
    assert "does not apply" in p.en


def test_unknown_operator_is_refused():
    [p] = problems_of("  {attr: revenue_wan, op: \"=>\", value: 1}\n")
    assert p.field == "eligibility.op" and "unknown operator" in p.en and "未知运算符" in p.zh


def test_impossible_range_is_refused():
    [p] = problems_of("  {attr: revenue_wan, op: between, value: [10, 5]}\n")
    assert p.line == 10 and "impossible range" in p.en and "区间不可能成立" in p.zh


def test_value_outside_the_domain_is_refused():
    [p] = problems_of("  {attr: revenue_wan, op: \"<\", value: 0}\n")
    assert "can never hold" in p.en and "永远不成立" in p.zh
    [p] = problems_of("  {attr: tax_credit_rating, op: in, value: [A, E]}\n")
    assert p.field == "eligibility.value[1]" and "'E' is not a value" in p.en


def test_bad_code_formats_are_refused():
    problems = problems_of("""\
  all:
    - {attr: industry_code, op: prefix_in, value: [C99]}
    - {attr: industry_code, op: "==", value: "9999"}
    - {attr: region_code, op: prefix_in, value: ["4499"]}
    - {attr: region_code, op: "==", value: "4403"}
""")
    assert [p.line for p in problems] == [11, 12, 13, 14]
    assert "GB/T 4754" in problems[0].en and "GB/T 4754" in problems[1].en
    assert "GB/T 2260" in problems[2].en and "6 digits" in problems[3].en


def test_all_problems_are_collected_not_only_the_first():
    text = """\
doc_number: 测试〔2025〕1号
level: city
region_scope: ["9999"]
effective_from: 2025-13-01
eligibility:
  all:
    - {attr: nope, op: is_true}
    - {attr: revenue_wan, op: between, value: [9, 1]}
benefits:
  - {kind: cash, amount: "__import__('os').system('echo')"}
color: red
"""
    problems = policy_problems(text)
    fields = {p.field for p in problems}
    assert {"title", "issuer", "region_scope[0]", "effective_from", "eligibility.all[0].attr",
            "eligibility.all[1].value", "benefits[0].kind", "benefits[0].amount",
            "color"} <= fields
    with pytest.raises(PolicyValidationError) as e:
        policy_parse(text, source="bad.yaml")
    assert len(e.value.problems) == len(problems)
    assert "bad.yaml" in str(e.value) and "line 7" in str(e.value)


def test_yaml_syntax_error_names_the_line():
    [p] = policy_problems("doc_number: x\ntitle: [unclosed\n")
    assert p.field == "(yaml)" and p.line is not None


def test_condition_needs_attr_and_op():
    [p] = problems_of("  {attr: revenue_wan}\n")
    assert "needs attr and op" in p.en


def test_group_must_stand_alone():
    [p] = problems_of("  {all: [{attr: high_tech, op: is_true}], attr: x}\n")
    assert "must stand alone" in p.en


# --- formulas ---------------------------------------------------------------------------------


def test_formula_arithmetic_and_functions():
    f = formula_parse("min(rd_expense_wan * 0.1, 200)")
    assert formula_value(f.expr, {"rd_expense_wan": 500.0}) == 50.0
    assert formula_value(f.expr, {"rd_expense_wan": 5000.0}) == 200.0
    assert formula_value(formula_parse("round(employees * 0.0125, 2)").expr,
                         {"employees": 3}) == 0.04
    assert formula_value(formula_parse("max(1, 2, 3) - abs(-2) + floor(2.7) + ceil(0.2)").expr,
                         {}) == 4.0
    g = formula_parse("30 if employees >= 100 else 10")
    assert formula_value(g.expr, {"employees": 100}) == 30.0
    assert formula_value(g.expr, {"employees": 99}) == 10.0
    assert formula_value(formula_parse("-revenue_wan + 1").expr, {"revenue_wan": 2.0}) == -1.0


def test_formula_unknown_input_and_division_by_zero_are_unknown_not_zero():
    assert formula_value(formula_parse("rd_expense_wan * 0.1").expr, {}) is None
    assert formula_value(formula_parse("revenue_wan / employees").expr,
                         {"revenue_wan": 10.0, "employees": 0}) is None
    assert formula_value(formula_parse("1 if employees > 5 else 2").expr, {}) is None


@pytest.mark.parametrize("text", [
    "__import__('os').system('true')",
    "revenue_wan.__class__",
    "open('/etc/passwd')",
    "[x for x in ()]",
    "revenue_wan ** 2",
    "lambda: 1",
    "'text'",
    "eval('1')",
    "revenue_wan and 1",
    "round(revenue_wan, employees)",
])
def test_formula_refuses_everything_outside_the_whitelist(text):
    with pytest.raises(FormulaError) as e:
        formula_parse(text)
    assert e.value.zh and e.value.en


def test_formula_refuses_non_numeric_attributes():
    with pytest.raises(FormulaError, match="not numeric"):
        formula_parse("industry_code * 2")
    with pytest.raises(FormulaError, match="Unknown attribute"):
        formula_parse("profit_wan * 2")


def test_formula_error_in_a_policy_names_the_benefit_line():
    text = HEAD.replace("amount: 10", "amount: \"min(rd_expense_wan *, 3)\"") + \
        "eligibility: {attr: high_tech, op: is_true}\n"
    [p] = policy_problems(text)
    assert p.line == 8 and p.field == "benefits[0].amount" and "语法错误" in p.zh
