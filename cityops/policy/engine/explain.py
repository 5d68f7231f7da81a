"""Explain one policy for one enterprise: each condition with the enterprise's value, the
requirement and the outcome, in Chinese or English ("研发费用占比 3.2%，要求 ≥ 5%").

An unknown value says so, and for a derived attribute says which input is missing
("研发费用占比：未知（企业未填报研发费用）").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from cityops.core import industries, regions

from . import attributes as A
from .interpreter import Truth, condition_truth, evaluate, profile_values
from .language import LEVEL_LABELS, AllOf, AnyOf, Cond, Not, Policy

OUTCOME = {True: ("满足", "met"), False: ("不满足", "not met"), None: ("未知", "unknown")}
_UNIT_EN = {"万元": "万元 (10k yuan)", "人": "", "件": "", "%": "%", "年": "years",
            "万元/人": "万元 per employee"}


@dataclass(frozen=True)
class ExplainLine:
    depth: int
    kind: str  # scope, condition, all, any, not
    outcome: str  # met, not met, unknown
    text: str  # the whole line in the chosen language
    attr: str = ""
    value_text: str = ""
    requirement_text: str = ""
    line: int = 0  # YAML line of the condition (0 for the region scope)


def _num(v: float, digits: int = 2) -> str:
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.{digits}f}".rstrip("0").rstrip(".")


def _unit(attr: A.Attribute, lang: str) -> str:
    if lang == "zh":
        return attr.unit
    return _UNIT_EN.get(attr.unit, attr.unit)


def _with_unit(text: str, attr: A.Attribute, lang: str) -> str:
    unit = _unit(attr, lang)
    if not unit:
        return text
    if unit == "%":
        return f"{text}%"
    return f"{text} {unit}"


def format_value(attr: A.Attribute, v, lang: str = "zh") -> str:
    """An attribute's value for a person: units, labels of codes and enums, 是/否."""
    if v is None:
        return "未知" if lang == "zh" else "unknown"
    t = attr.type
    if t in ("number", "integer"):
        return _with_unit(_num(float(v)), attr, lang)
    if t == "bool":
        return ("是" if v else "否") if lang == "zh" else ("yes" if v else "no")
    if t == "date":
        return v.isoformat() if isinstance(v, date) else str(v)
    if t == "enum":
        return attr.choice_label(v, lang)
    if t == "code":
        return _code_label(attr, v, lang)
    return str(v)


def _code_label(attr: A.Attribute, code: str, lang: str) -> str:
    if attr.code_kind == "industry":
        name = industries.industry_name(code[1:] if code[:1].isalpha() and len(code) > 1
                                        else code)
    else:
        name = regions.region_full_name(code.ljust(6, "0")) if code.isdigit() else ""
    if not name:
        return code
    return f"{code}（{name}）" if lang == "zh" else f"{code} ({name})"


def _requirement(cond: Cond, lang: str) -> str:
    attr = A.ATTRIBUTES[cond.attr]
    op, v = cond.op, cond.value

    def one(x):
        return format_value(attr, x, lang)

    def many(xs):
        if op == "prefix_in":
            items = [_code_label(attr, x, lang) if attr.type == "code" else str(x) for x in xs]
        else:
            items = [one(x) for x in xs]
        return ("、" if lang == "zh" else ", ").join(items)

    zh = {
        ">=": lambda: f"要求 ≥ {one(v)}", "<=": lambda: f"要求 ≤ {one(v)}",
        ">": lambda: f"要求 > {one(v)}", "<": lambda: f"要求 < {one(v)}",
        "==": lambda: f"要求为 {one(v)}", "!=": lambda: f"要求不为 {one(v)}",
        "between": lambda: f"要求在 {one(v[0])} 至 {one(v[1])} 之间",
        "in": lambda: f"要求为 {many(v)} 之一" if len(v) > 1 else f"要求为 {many(v)}",
        "not_in": lambda: f"要求不为 {many(v)}",
        "prefix_in": lambda: f"要求属于 {many(v)}",
        "is_true": lambda: "要求为“是”", "is_false": lambda: "要求为“否”",
        "known": lambda: "要求已填报", "unknown": lambda: "要求未填报",
    }
    en = {
        ">=": lambda: f"required ≥ {one(v)}", "<=": lambda: f"required ≤ {one(v)}",
        ">": lambda: f"required > {one(v)}", "<": lambda: f"required < {one(v)}",
        "==": lambda: f"required {one(v)}", "!=": lambda: f"required not {one(v)}",
        "between": lambda: f"required between {one(v[0])} and {one(v[1])}",
        "in": lambda: f"required one of {many(v)}" if len(v) > 1 else f"required {many(v)}",
        "not_in": lambda: f"required none of {many(v)}",
        "prefix_in": lambda: f"required within {many(v)}",
        "is_true": lambda: "required: yes", "is_false": lambda: "required: no",
        "known": lambda: "required: reported", "unknown": lambda: "required: not reported",
    }
    return (zh if lang == "zh" else en)[op]()


def _unknown_reason(attr: A.Attribute, values: Mapping[str, object], lang: str) -> str:
    """Why a value is unknown: not reported, or (derived) which input is missing or zero."""
    if not attr.derived:
        return "未知（企业未填报）" if lang == "zh" else "unknown (not reported)"
    missing = [A.ATTRIBUTES[n] for n in attr.inputs if values.get(n) is None]
    if missing:
        names = ("、" if lang == "zh" else ", ").join(m.label(lang) for m in missing)
        return f"未知（企业未填报{names}）" if lang == "zh" else f"unknown ({names} not reported)"
    if attr.derived == "age":
        return "未知（成立日期晚于判断日期）" if lang == "zh" else \
            "unknown (founded after the date of the check)"
    den = A.ATTRIBUTES[attr.inputs[1]]
    return f"未知（{den.zh}为 0）" if lang == "zh" else f"unknown ({den.en} is 0)"


def _condition_line(cond: Cond, values, outcome: Truth, depth: int, lang: str,
                    kind: str = "condition") -> ExplainLine:
    attr = A.ATTRIBUTES[cond.attr]
    v = values.get(cond.attr)
    label = attr.label(lang)
    requirement = _requirement(cond, lang)
    if v is None:
        value_text = _unknown_reason(attr, values, lang)
        text = f"{label}：{value_text}，{requirement}" if lang == "zh" else \
            f"{label}: {value_text}; {requirement}"
    else:
        value_text = format_value(attr, v, lang)
        text = f"{label} {value_text}，{requirement}" if lang == "zh" else \
            f"{label} {value_text}, {requirement}"
    return ExplainLine(depth, kind, OUTCOME[outcome][1], text, cond.attr, value_text,
                       requirement, cond.line)


_GROUP = {
    "all": ("以下条件须全部满足", "all of the following"),
    "any": ("以下条件满足其一即可", "any one of the following"),
    "not": ("以下条件不得成立", "the following must not hold"),
}


def explain(policy: Policy, profile: Mapping[str, object], as_of: date,
            lang: str = "zh") -> list[ExplainLine]:
    """Lines, parents first: the region scope (if any), then each node of the eligibility."""
    if lang not in ("zh", "en"):
        raise ValueError("lang must be 'zh' or 'en'")
    values = profile_values(profile, as_of)
    ev = evaluate(policy, profile, as_of, values=values)
    lines = []
    scope = policy.scope_condition
    if scope is not None:
        lines.append(_condition_line(scope, values, condition_truth(scope, values), 0, lang,
                                     "scope"))
    for step in ev.steps:
        node = step.node
        if isinstance(node, Cond):
            lines.append(_condition_line(node, values, step.outcome, step.depth, lang))
        else:
            key = "all" if isinstance(node, AllOf) else "any" if isinstance(node, AnyOf) else "not"
            assert isinstance(node, AllOf | AnyOf | Not)
            text = _GROUP[key][0 if lang == "zh" else 1]
            lines.append(ExplainLine(step.depth, key, OUTCOME[step.outcome][1], text,
                                     line=node.line))
    return lines


def explain_text(policy: Policy, profile: Mapping[str, object], as_of: date,
                 lang: str = "zh") -> str:
    """The explanation as indented text with a verdict line (for the CLI)."""
    ev = evaluate(policy, profile, as_of)
    lines = explain(policy, profile, as_of, lang)
    level = LEVEL_LABELS.get(policy.level, (policy.level, policy.level))
    if lang == "zh":
        verdict = {True: "符合", False: "不符合", None: "无法判断（信息不全）"}[ev.outcome]
        head = f"《{policy.title}》（{policy.doc_number}，{level[0]}）：{verdict}"
        if ev.outcome is True and ev.benefit_wan is not None:
            head += f"，预计可享 {_num(ev.benefit_wan, 4)} 万元"
    else:
        verdict = {True: "eligible", False: "not eligible",
                   None: "cannot tell (information missing)"}[ev.outcome]
        head = f"{policy.title} ({policy.doc_number}, {level[1]}): {verdict}"
        if ev.outcome is True and ev.benefit_wan is not None:
            head += f", estimated benefit {_num(ev.benefit_wan, 4)} 万元"
    out = [head]
    for line in lines:
        mark = {"met": "✓", "not met": "✗", "unknown": "?"}[line.outcome]
        indent = "  " * (line.depth + 1)
        if line.kind in ("condition", "scope"):
            outcome = OUTCOME[{"met": True, "not met": False, "unknown": None}[line.outcome]]
            word = f"（{outcome[0]}）" if lang == "zh" else f" ({outcome[1]})"
            out.append(f"{indent}{mark} {line.text}{word}")
        else:
            out.append(f"{indent}{mark} {line.text}")
    return "\n".join(out)
