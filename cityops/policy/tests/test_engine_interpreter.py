"""The reference semantics (interpreter.py): every operator, three-valued logic on unknown values,
near misses, benefits; and the explanation (explain.py) in Chinese and English."""

from datetime import date
from pathlib import Path

import pytest

from cityops.policy.engine import evaluate, explain, explain_text, policy_load
from cityops.policy.engine.interpreter import condition_truth, node_truth, profile_values
from cityops.policy.engine.language import AllOf, AnyOf, Cond, Not

EXAMPLES = Path(__file__).resolve().parents[1] / "data" / "examples"
AS_OF = date(2025, 6, 30)

FIRM = {
    "uscc": "91440300MA5DXXXX0X",
    "name": "深圳测试科技有限公司",
    "industry_code": "3911",
    "region_code": "440305",
    "founded_on": date(2020, 6, 30),
    "employees": 80,
    "revenue_wan": 2500.0,
    "rd_expense_wan": 80.0,
    "patents_invention": 3,
    "high_tech": False,
    "tech_sme": True,
    "specialised_sme": "province",
    "tax_credit_rating": "A",
    "export_wan": 0.0,
}


def truth(attr, op, value=None, **profile):
    values = profile_values({**FIRM, **profile}, AS_OF)
    return condition_truth(Cond(attr, op, value), values)


@pytest.mark.parametrize("op, value, expected", [
    ("==", 2500.0, True), ("==", 2000.0, False), ("!=", 2000.0, True), ("!=", 2500.0, False),
    ("<", 2500.0, False), ("<", 2600.0, True), ("<=", 2500.0, True), ("<=", 2499.0, False),
    (">", 2500.0, False), (">", 2400.0, True), (">=", 2500.0, True), (">=", 2501.0, False),
    ("between", (2000.0, 2500.0), True), ("between", (2500.1, 3000.0), False),
])
def test_comparisons_on_a_number(op, value, expected):
    assert truth("revenue_wan", op, value) is expected
    assert truth("revenue_wan", op, value, revenue_wan=None) is None


def test_lists_codes_and_prefixes():
    assert truth("employees", "in", (80, 90)) is True
    assert truth("employees", "not_in", (80, 90)) is False
    assert truth("industry_code", "prefix_in", ("C",)) is True  # 39 is in section C
    assert truth("industry_code", "prefix_in", ("C39",)) is True
    assert truth("industry_code", "prefix_in", ("391",)) is True
    assert truth("industry_code", "prefix_in", ("392", "65")) is False
    assert truth("industry_code", "prefix_in", ("I",)) is False
    assert truth("region_code", "prefix_in", ("4403",)) is True
    assert truth("region_code", "prefix_in", ("4401", "440306")) is False
    assert truth("region_code", "prefix_in", ("4403",), region_code=None) is None
    assert truth("tax_credit_rating", "in", ("A", "B")) is True
    assert truth("tax_credit_rating", "not_in", ("C", "D")) is True
    assert truth("tax_credit_rating", "in", ("A",), tax_credit_rating=None) is None


def test_bools_known_and_unknown():
    assert truth("tech_sme", "is_true") is True
    assert truth("high_tech", "is_true") is False
    assert truth("high_tech", "is_false") is True
    assert truth("green_factory", "is_true") is None  # not reported
    assert truth("green_factory", "known") is False
    assert truth("green_factory", "unknown") is True
    assert truth("revenue_wan", "known") is True


def test_dates_and_ages():
    assert truth("founded_on", ">=", date(2020, 6, 30)) is True
    assert truth("age_years", "==", 5) is True  # exactly five years on the day
    assert truth("age_years", "==", 4, founded_on=date(2020, 7, 1)) is True
    assert truth("age_years", "<=", 5, founded_on=None) is None
    # founded after the date of the check: the age is unknown, not negative
    assert truth("age_years", ">=", 0, founded_on=date(2025, 7, 1)) is None
    # a 29 February founding has its anniversary on 1 March in other years
    values = profile_values({"founded_on": date(2020, 2, 29)}, date(2021, 2, 28))
    assert values["age_years"] == 0
    assert profile_values({"founded_on": date(2020, 2, 29)}, date(2021, 3, 1))["age_years"] == 1


def test_derived_ratios():
    values = profile_values(FIRM, AS_OF)
    assert values["rd_intensity"] == pytest.approx(3.2)
    assert values["revenue_per_employee"] == pytest.approx(31.25)
    assert profile_values({**FIRM, "revenue_wan": 0.0}, AS_OF)["rd_intensity"] is None
    assert profile_values({**FIRM, "rd_expense_wan": None}, AS_OF)["rd_intensity"] is None


def test_kleene_logic_with_unknowns():
    values = profile_values({**FIRM, "green_factory": None}, AS_OF)
    t = Cond("tech_sme", "is_true")
    f = Cond("high_tech", "is_true")
    u = Cond("green_factory", "is_true")
    assert node_truth(AllOf((t, u)), values) is None
    assert node_truth(AllOf((f, u)), values) is False  # FALSE wins over UNKNOWN in all
    assert node_truth(AnyOf((t, u)), values) is True  # TRUE wins over UNKNOWN in any
    assert node_truth(AnyOf((f, u)), values) is None
    assert node_truth(Not(u), values) is None
    assert node_truth(Not(f), values) is True


def test_an_enterprise_qualifies_only_when_the_rule_is_true():
    p = policy_load(EXAMPLES / "gd_high_tech_cultivation.yaml")
    rich = {**FIRM, "rd_expense_wan": 150.0}  # 6% of revenue
    ev = evaluate(p, rich, AS_OF)
    assert ev.outcome is True and ev.matched and ev.benefit_wan == 15.0
    ev = evaluate(p, {**FIRM, "rd_expense_wan": None}, AS_OF)
    assert ev.outcome is None and not ev.matched and ev.benefit_wan is None
    ev = evaluate(p, {**rich, "region_code": "110108"}, AS_OF)  # 北京: outside the scope
    assert ev.outcome is False and ev.in_scope is False


def test_near_miss_is_exactly_one_false_clause():
    p = policy_load(EXAMPLES / "gd_high_tech_cultivation.yaml")
    ev = evaluate(p, FIRM, AS_OF)  # R&D intensity 3.2% < 5%: the only failing clause
    assert ev.outcome is False and ev.near_miss_clause == 3
    ev = evaluate(p, {**FIRM, "patents_invention": 0}, AS_OF)  # two clauses fail
    assert ev.near_miss_clause is None
    ev = evaluate(p, {**FIRM, "region_code": "110108"}, AS_OF)  # outside the region
    assert ev.near_miss_clause is None


def test_benefit_is_capped_and_unknown_inputs_stay_unknown():
    p = policy_load(EXAMPLES / "gd_high_tech_cultivation.yaml")
    big = {**FIRM, "revenue_wan": 20000.0, "rd_expense_wan": 2000.0}
    assert evaluate(p, big, AS_OF).benefit_wan == 50.0  # 10% of 2,000 capped at 50
    jobs = policy_load(EXAMPLES / "gd_stable_jobs.yaml")
    assert evaluate(jobs, FIRM, AS_OF).benefit_wan == 0.96  # 80 × 0.012


# --- explain ----------------------------------------------------------------------------------


def test_explain_in_chinese_says_value_and_requirement():
    p = policy_load(EXAMPLES / "gd_high_tech_cultivation.yaml")
    lines = explain(p, FIRM, AS_OF, "zh")
    texts = [line.text for line in lines]
    assert "研发费用占比 3.2%，要求 ≥ 5%" in texts
    assert "成立年限 5 年，要求 ≥ 1 年" in texts
    assert "科技型中小企业 是，要求为“是”" in texts
    assert "纳税信用等级 A级，要求为 C级、D级 之一" in texts
    assert lines[0].kind == "scope" and "注册地行政区划 440305（广东省深圳市南山区）" in lines[0].text
    rd = next(line for line in lines if line.attr == "rd_intensity")
    assert rd.outcome == "not met" and rd.line == 19


def test_explain_in_english():
    p = policy_load(EXAMPLES / "gd_high_tech_cultivation.yaml")
    texts = [line.text for line in explain(p, FIRM, AS_OF, "en")]
    assert "R&D intensity 3.2%, required ≥ 5%" in texts
    assert "technology-based SME yes, required: yes" in texts


def test_explain_says_when_a_value_is_unknown():
    p = policy_load(EXAMPLES / "gd_high_tech_cultivation.yaml")
    firm = {**FIRM, "patents_invention": None, "rd_expense_wan": None}
    zh = {line.attr: line for line in explain(p, firm, AS_OF, "zh")}
    assert zh["patents_invention"].text == "发明专利数：未知（企业未填报），要求 ≥ 1 件"
    assert zh["patents_invention"].outcome == "unknown"
    assert zh["rd_intensity"].value_text == "未知（企业未填报研发费用）"
    en = {line.attr: line for line in explain(p, firm, AS_OF, "en")}
    assert en["patents_invention"].text == "invention patents: unknown (not reported); required ≥ 1"
    assert en["rd_intensity"].value_text == "unknown (R&D expense not reported)"
    zero = {line.attr: line for line in explain(p, {**FIRM, "revenue_wan": 0.0}, AS_OF, "zh")}
    assert zero["rd_intensity"].value_text == "未知（营业收入为 0）"


def test_explain_text_has_a_verdict():
    p = policy_load(EXAMPLES / "gd_high_tech_cultivation.yaml")
    text = explain_text(p, {**FIRM, "rd_expense_wan": 150.0}, AS_OF, "zh")
    assert text.splitlines()[0] == ("《广东省高新技术企业培育库入库企业奖励办法》（粤科规范字〔2024〕5号，省级）："
                                    "符合，预计可享 15 万元")
    assert "✓ 研发费用占比 6%，要求 ≥ 5%（满足）" in text
    text = explain_text(p, FIRM, AS_OF, "en")
    assert text.splitlines()[0].endswith(": not eligible")
    assert "✗ R&D intensity 3.2%, required ≥ 5% (not met)" in text


def test_explain_refuses_an_unknown_language():
    p = policy_load(EXAMPLES / "gd_high_tech_cultivation.yaml")
    with pytest.raises(ValueError):
        explain(p, FIRM, AS_OF, "fr")
