"""The policy language: YAML text → a validated AST of frozen dataclasses.

A policy file::

    id: gd-kjt-2024-017                  # optional; defaults to the 文号
    doc_number: 粤科规范字〔2024〕17号
    title: 广东省高新技术企业培育奖励办法
    issuer: science                      # department key
    level: province                      # national | province | city | county
    region_scope: ["44"]                 # GB/T 2260 prefixes (or full codes); [] = nationwide
    issued_on: 2024-03-01                # optional, defaults to effective_from
    implements: gd-...                   # optional: the policy this one implements (cascade)
    effective_from: 2024-03-01
    effective_to: 2026-12-31             # optional
    free_application: true               # 免申即享
    exclusivity_groups: [rd-subsidy]
    eligibility:
      all:
        - {attr: high_tech, op: is_true}
        - {attr: revenue_wan, op: between, value: [2000, 50000]}
        - any:
            - {attr: rd_intensity, op: ">=", value: 5}
            - not: {attr: tax_credit_rating, op: in, value: [C, D]}
    benefits:
      - {kind: subsidy, name: 研发补助, amount: "min(rd_expense_wan * 0.1, 200)", cap_wan: 200}
    materials: [申请表, 审计报告]
    guide: {steps: [在线申报, 区级初审, 省级复核], channel: 粤商通, deadline: 2024-06-30}

Every problem is collected (not only the first) with its YAML line and field path, in Chinese and
English; ``policy_parse`` raises PolicyValidationError with all of them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from . import attributes as A
from .errors import PolicyValidationError, Problem
from .formula import Formula, FormulaError, formula_parse

LEVELS = ("national", "province", "city", "county")
LEVEL_LABELS = {"national": ("国家级", "national"), "province": ("省级", "provincial"),
                "city": ("市级", "city"), "county": ("县（区）级", "county")}
BENEFIT_KINDS = ("subsidy", "tax_relief", "loan_interest", "talent", "land", "other")
BENEFIT_KIND_LABELS = {
    "subsidy": ("资金补助", "subsidy"), "tax_relief": ("税收优惠", "tax relief"),
    "loan_interest": ("贷款贴息", "loan interest subsidy"), "talent": ("人才支持", "talent"),
    "land": ("用地支持", "land"), "other": ("其他", "other"),
}
MAX_DEPTH = 12

# --- the AST ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cond:
    """An atomic condition. ``value`` is normalised: float or int for numbers, date for dates,
    a tuple for between (lo, hi), in, not_in and prefix_in, None for value-less ops."""

    attr: str
    op: str
    value: object = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Not:
    child: Node
    line: int = field(default=0, compare=False)


Node = Cond | AllOf | AnyOf | Not


@dataclass(frozen=True)
class Benefit:
    kind: str
    name: str = ""
    amount: Formula | None = None  # None: not a sum of money (e.g. land, a talent card)
    cap_wan: float | None = None
    description: str = ""


@dataclass(frozen=True)
class Guide:
    steps: tuple[str, ...] = ()
    channel: str = ""
    deadline: date | None = None
    contact: str = ""


@dataclass(frozen=True)
class Policy:
    id: str
    doc_number: str
    title: str
    issuer: str
    level: str
    region_scope: tuple[str, ...]
    effective_from: date
    effective_to: date | None
    free_application: bool
    exclusivity_groups: tuple[str, ...]
    eligibility: Node
    benefits: tuple[Benefit, ...]
    materials: tuple[str, ...] = ()
    guide: Guide = Guide()
    issued_on: date | None = None
    implements: str | None = None

    @property
    def scope_condition(self) -> Cond | None:
        """The region scope as a condition (None: nationwide)."""
        if not self.region_scope:
            return None
        return Cond("region_code", "prefix_in", self.region_scope)

    @property
    def rule(self) -> Node:
        """What an enterprise must meet: the region scope and the eligibility."""
        scope = self.scope_condition
        return self.eligibility if scope is None else AllOf((scope, self.eligibility))

    @property
    def clauses(self) -> tuple[Node, ...] | None:
        """The top-level clauses of an ``all`` eligibility (for near misses); None otherwise."""
        return self.eligibility.children if isinstance(self.eligibility, AllOf) else None

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on <= self.effective_to)

    @property
    def issue_date(self) -> date:
        return self.issued_on or self.effective_from


def walk(node: Node):
    """Every node of a tree, parents first."""
    yield node
    if isinstance(node, AllOf | AnyOf):
        for c in node.children:
            yield from walk(c)
    elif isinstance(node, Not):
        yield from walk(node.child)


def conditions(node: Node) -> list[Cond]:
    return [n for n in walk(node) if isinstance(n, Cond)]


# --- parsing ----------------------------------------------------------------------------------

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()
_TOP_KEYS = {
    "id", "doc_number", "title", "issuer", "level", "region_scope", "effective_from",
    "effective_to", "issued_on", "implements", "free_application", "exclusivity_groups",
    "eligibility", "benefits", "materials", "guide",
}
_ID = re.compile(r"^[\w.\-〔〕()（）]+$")


class _Ctx:
    def __init__(self):
        self.problems: list[Problem] = []

    def add(self, node, field_path: str, zh: str, en: str):
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(Problem(line, field_path, zh, en))


def _line(node) -> int:
    return node.start_mark.line + 1


def _scalar(node):
    if isinstance(node, yaml.ScalarNode):
        try:
            return _constructor.construct_object(node, deep=True)
        except (ValueError, yaml.YAMLError):  # e.g. 2025-13-01 looks like a date but is not
            return node.value
    return _NOT_SCALAR


_NOT_SCALAR = object()


def _mapping(ctx, node, path) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
    """{key: (key node, value node)} of a mapping node; None (and a problem) if not a mapping."""
    if not isinstance(node, yaml.MappingNode):
        ctx.add(node, path, "应为映射（键: 值）。", "must be a mapping (key: value).")
        return None
    out = {}
    for k, v in node.value:
        key = _scalar(k)
        if not isinstance(key, str):
            ctx.add(k, path, f"键 {key!r} 应为文本。", f"the key {key!r} must be text.")
            continue
        if key in out:
            ctx.add(k, f"{path}.{key}" if path else key, "重复的键。", "duplicate key.")
        out[key] = (k, v)
    return out


def _text(ctx, m, key, path, *, required=True, default="") -> str:
    if key not in m:
        if required:
            ctx.add(None, _join(path, key), "缺少此字段。", "this field is missing.")
        return default
    node = m[key][1]
    value = _scalar(node)
    if value is None and not required:
        return default
    if value is _NOT_SCALAR or value is None or isinstance(value, bool | list | dict):
        ctx.add(node, _join(path, key), "应为文本。", "must be text.")
        return default
    value = str(value).strip()
    if required and not value:
        ctx.add(node, _join(path, key), "不能为空。", "must not be empty.")
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _date(ctx, m, key, path, *, required) -> date | None:
    if key not in m:
        if required:
            ctx.add(None, _join(path, key), "缺少此字段。", "this field is missing.")
        return None
    node = m[key][1]
    value = _scalar(node)
    if value is None and not required:
        return None
    d = A.date_value(value) if value is not _NOT_SCALAR else None
    if d is None:
        ctx.add(node, _join(path, key), f"应为日期（YYYY-MM-DD），而不是 {value!r}。",
                f"must be a date (YYYY-MM-DD), not {value!r}.")
    return d


def _str_list(ctx, m, key, path) -> tuple[str, ...]:
    if key not in m:
        return ()
    node = m[key][1]
    if _scalar(node) is None:
        return ()
    if not isinstance(node, yaml.SequenceNode):
        ctx.add(node, _join(path, key), "应为列表。", "must be a list.")
        return ()
    out = []
    for i, item in enumerate(node.value):
        v = _scalar(item)
        if v is _NOT_SCALAR or v is None or isinstance(v, bool):
            ctx.add(item, f"{_join(path, key)}[{i}]", "应为文本。", "must be text.")
            continue
        out.append(str(v).strip())
    return tuple(out)


def policy_parse(text: str, *, source: str = "") -> Policy:
    """The policy of a YAML text; PolicyValidationError listing every problem otherwise."""
    policy, problems = _parse(text)
    if problems:
        raise PolicyValidationError(problems, source)
    assert policy is not None
    return policy


def policy_problems(text: str) -> list[Problem]:
    """Every problem of a policy text ([] when it is valid): for `cityops policy check`."""
    return _parse(text)[1]


def policy_load(path: str | Path) -> Policy:
    path = Path(path)
    return policy_parse(path.read_text(encoding="utf-8"), source=str(path))


def _parse(text: str) -> tuple[Policy | None, list[Problem]]:
    ctx = _Ctx()
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        return None, [Problem(line, "(yaml)", f"YAML 语法错误：{getattr(e, 'problem', e)}",
                              f"YAML syntax error: {getattr(e, 'problem', e)}")]
    if root is None:
        return None, [Problem(None, "(yaml)", "文件为空。", "the file is empty.")]
    m = _mapping(ctx, root, "")
    if m is None:
        return None, ctx.problems
    for key, (knode, _) in m.items():
        if key not in _TOP_KEYS:
            ctx.add(knode, key, "未知字段。", "unknown field.")

    doc_number = _text(ctx, m, "doc_number", "")
    title = _text(ctx, m, "title", "")
    issuer = _text(ctx, m, "issuer", "")
    pid = _text(ctx, m, "id", "", required=False) or doc_number
    if pid and not _ID.match(pid):
        ctx.add(m["id"][1] if "id" in m else None, "id", "只能包含字母、数字、汉字和 . - 〔〕()。",
                "may contain only letters, digits, Chinese characters and . - 〔〕().")
    level = _text(ctx, m, "level", "")
    if level and level not in LEVELS:
        ctx.add(m["level"][1], "level", f"应为 {'、'.join(LEVELS)} 之一。",
                f"must be one of {', '.join(LEVELS)}.")
    scope = []
    for i, code in enumerate(_str_list(ctx, m, "region_scope", "")):
        prefix = A.region_prefix(code)
        if prefix is None:
            ctx.add(m["region_scope"][1].value[i], f"region_scope[{i}]",
                    f"{code!r} 不是有效的 GB/T 2260 行政区划代码或前缀。",
                    f"{code!r} is not a valid GB/T 2260 division code or prefix.")
        else:
            scope.append(prefix)
    effective_from = _date(ctx, m, "effective_from", "", required=True)
    effective_to = _date(ctx, m, "effective_to", "", required=False)
    if effective_from and effective_to and effective_to < effective_from:
        ctx.add(m["effective_to"][1], "effective_to", "失效日期早于生效日期。",
                "ends before it takes effect.")
    issued_on = _date(ctx, m, "issued_on", "", required=False)
    implements = _text(ctx, m, "implements", "", required=False) or None
    free = False
    if "free_application" in m:
        v = _scalar(m["free_application"][1])
        if not isinstance(v, bool):
            ctx.add(m["free_application"][1], "free_application", "应为 true 或 false。",
                    "must be true or false.")
        else:
            free = v
    groups = _str_list(ctx, m, "exclusivity_groups", "")
    eligibility = None
    if "eligibility" not in m:
        ctx.add(None, "eligibility", "缺少此字段。", "this field is missing.")
    else:
        eligibility = _node(ctx, m["eligibility"][1], "eligibility", 0)
    benefits = _benefits(ctx, m)
    materials = _str_list(ctx, m, "materials", "")
    guide = _guide(ctx, m)
    if ctx.problems:
        return None, ctx.problems
    return (
        Policy(
            id=pid, doc_number=doc_number, title=title, issuer=issuer, level=level,
            region_scope=tuple(scope), effective_from=effective_from, effective_to=effective_to,
            free_application=free, exclusivity_groups=groups, eligibility=eligibility,
            benefits=benefits, materials=materials, guide=guide, issued_on=issued_on,
            implements=implements,
        ),
        [],
    )


def _benefits(ctx, m) -> tuple[Benefit, ...]:
    if "benefits" not in m:
        ctx.add(None, "benefits", "缺少此字段。", "this field is missing.")
        return ()
    node = m["benefits"][1]
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        ctx.add(node, "benefits", "应为非空列表。", "must be a non-empty list.")
        return ()
    out = []
    for i, item in enumerate(node.value):
        path = f"benefits[{i}]"
        bm = _mapping(ctx, item, path)
        if bm is None:
            continue
        for key, (knode, _) in bm.items():
            if key not in ("kind", "name", "amount", "cap_wan", "description"):
                ctx.add(knode, _join(path, key), "未知字段。", "unknown field.")
        kind = _text(ctx, bm, "kind", path)
        if kind and kind not in BENEFIT_KINDS:
            ctx.add(bm["kind"][1], f"{path}.kind", f"应为 {'、'.join(BENEFIT_KINDS)} 之一。",
                    f"must be one of {', '.join(BENEFIT_KINDS)}.")
        amount = None
        if "amount" in bm and _scalar(bm["amount"][1]) is not None:
            anode = bm["amount"][1]
            raw = _scalar(anode)
            try:
                if raw is _NOT_SCALAR:
                    raise FormulaError("应为数字或公式文本。", "must be a number or a formula.")
                amount = formula_parse(raw)
            except FormulaError as e:
                ctx.add(anode, f"{path}.amount", e.zh, e.en)
        cap = None
        if "cap_wan" in bm and _scalar(bm["cap_wan"][1]) is not None:
            cnode = bm["cap_wan"][1]
            cap = _scalar(cnode)
            if isinstance(cap, bool) or not isinstance(cap, int | float) or not math.isfinite(
                cap
            ) or cap < 0:
                ctx.add(cnode, f"{path}.cap_wan", "上限应为非负数（万元）。",
                        "the cap must be a non-negative number (万元).")
                cap = None
            else:
                cap = float(cap)
        out.append(Benefit(kind=kind, name=_text(ctx, bm, "name", path, required=False),
                           amount=amount, cap_wan=cap,
                           description=_text(ctx, bm, "description", path, required=False)))
    return tuple(out)


def _guide(ctx, m) -> Guide:
    if "guide" not in m or _scalar(m["guide"][1]) is None:
        return Guide()
    gm = _mapping(ctx, m["guide"][1], "guide")
    if gm is None:
        return Guide()
    for key, (knode, _) in gm.items():
        if key not in ("steps", "channel", "deadline", "contact"):
            ctx.add(knode, f"guide.{key}", "未知字段。", "unknown field.")
    return Guide(
        steps=_str_list(ctx, gm, "steps", "guide"),
        channel=_text(ctx, gm, "channel", "guide", required=False),
        deadline=_date(ctx, gm, "deadline", "guide", required=False),
        contact=_text(ctx, gm, "contact", "guide", required=False),
    )


# --- conditions -------------------------------------------------------------------------------


def _node(ctx, node, path, depth) -> Node | None:
    if depth > MAX_DEPTH:
        ctx.add(node, path, f"条件嵌套超过 {MAX_DEPTH} 层。",
                f"conditions are nested deeper than {MAX_DEPTH} levels.")
        return None
    m = _mapping(ctx, node, path)
    if m is None:
        return None
    groups = [k for k in ("all", "any", "not") if k in m]
    if groups:
        if len(m) != 1:
            ctx.add(node, path, "all / any / not 须单独成项，不能与其他键并列。",
                    "all / any / not must stand alone, with no other key beside it.")
            return None
        key = groups[0]
        child_node = m[key][1]
        if key == "not":
            child = _node(ctx, child_node, f"{path}.not", depth + 1)
            return Not(child, _line(node)) if child is not None else None
        if not isinstance(child_node, yaml.SequenceNode) or not child_node.value:
            ctx.add(child_node, f"{path}.{key}", "应为非空的条件列表。",
                    "must be a non-empty list of conditions.")
            return None
        children = [
            _node(ctx, c, f"{path}.{key}[{i}]", depth + 1) for i, c in enumerate(child_node.value)
        ]
        if any(c is None for c in children):
            return None
        cls = AllOf if key == "all" else AnyOf
        return cls(tuple(children), _line(node))
    return _cond(ctx, node, m, path)


_NO_VALUE_OPS = {"is_true", "is_false", "known", "unknown"}
_LIST_OPS = {"in", "not_in", "prefix_in"}
_ORDER_OPS = {"<", "<=", ">", ">="}


def _cond(ctx, node, m, path) -> Cond | None:
    bad = False
    for key, (knode, _) in m.items():
        if key not in ("attr", "op", "value", "label"):
            ctx.add(knode, _join(path, key), "未知字段（条件只有 attr、op、value）。",
                    "unknown field (a condition has attr, op, value).")
            bad = True
    if "attr" not in m or "op" not in m:
        ctx.add(node, path, "条件须有 attr 和 op（或为 all / any / not）。",
                "a condition needs attr and op (or is all / any / not).")
        return None
    name = _scalar(m["attr"][1])
    attr = A.attribute(name) if isinstance(name, str) else None
    if attr is None:
        ctx.add(m["attr"][1], f"{path}.attr", f"未知属性 {name!r}。", f"unknown attribute {name!r}.")
        return None
    op = _scalar(m["op"][1])
    if not isinstance(op, str) or op not in A.OPS:
        ctx.add(m["op"][1], f"{path}.op", f"未知运算符 {op!r}。", f"unknown operator {op!r}.")
        return None
    if op not in A.OPS_BY_TYPE[attr.type]:
        ctx.add(m["op"][1], f"{path}.op",
                f"运算符 {op} 不适用于{_type_zh(attr.type)}属性 {name}（{attr.zh}）。",
                f"operator {op} does not apply to the {attr.type} attribute {name} ({attr.en}).")
        return None
    vpath = f"{path}.value"
    if op in _NO_VALUE_OPS:
        if "value" in m and _scalar(m["value"][1]) is not None:
            ctx.add(m["value"][1], vpath, f"运算符 {op} 不需要 value。",
                    f"operator {op} takes no value.")
            return None
        return None if bad else Cond(name, op, None, _line(node))
    if "value" not in m:
        ctx.add(node, vpath, f"运算符 {op} 需要 value。", f"operator {op} needs a value.")
        return None
    vnode = m["value"][1]
    value = _value(ctx, attr, op, vnode, vpath)
    if value is _BAD or bad:
        return None
    if attr.type == "bool":  # == true / != false are is_true / is_false
        positive = value if op == "==" else not value
        return Cond(name, "is_true" if positive else "is_false", None, _line(node))
    return Cond(name, op, value, _line(node))


_BAD = object()


def _type_zh(t: str) -> str:
    return {"number": "数值", "integer": "整数", "bool": "是否", "date": "日期", "code": "代码",
            "enum": "枚举", "string": "文本"}[t]


def _value(ctx, attr: A.Attribute, op: str, vnode, path):
    if op == "between":
        if not isinstance(vnode, yaml.SequenceNode) or len(vnode.value) != 2:
            ctx.add(vnode, path, "between 需要两个值 [下限, 上限]。",
                    "between needs two values [low, high].")
            return _BAD
        lo = _one(ctx, attr, vnode.value[0], f"{path}[0]")
        hi = _one(ctx, attr, vnode.value[1], f"{path}[1]")
        if lo is _BAD or hi is _BAD:
            return _BAD
        if lo > hi:
            ctx.add(vnode, path, f"区间不可能成立：下限 {lo} 大于上限 {hi}。",
                    f"impossible range: the low end {lo} is above the high end {hi}.")
            return _BAD
        if not _domain(ctx, attr, "<=", hi, vnode, path):
            return _BAD
        return (lo, hi)
    if op in _LIST_OPS:
        if isinstance(vnode, yaml.SequenceNode):
            items = vnode.value
        elif isinstance(vnode, yaml.ScalarNode) and _scalar(vnode) is not None:
            items = [vnode]  # a single value is a one-item list
        else:
            items = []
        if not items:
            ctx.add(vnode, path, f"运算符 {op} 需要非空列表。", f"operator {op} needs a non-empty list.")
            return _BAD
        out = []
        for i, item in enumerate(items):
            v = (_prefix(ctx, attr, item, f"{path}[{i}]") if op == "prefix_in"
                 else _one(ctx, attr, item, f"{path}[{i}]"))
            if v is _BAD:
                return _BAD
            if op != "prefix_in" and not _domain(ctx, attr, "==", v, item, f"{path}[{i}]"):
                return _BAD
            if v not in out:
                out.append(v)
        return tuple(out)
    if isinstance(vnode, yaml.SequenceNode):
        ctx.add(vnode, path, f"运算符 {op} 需要单个值，而不是列表。",
                f"operator {op} needs a single value, not a list.")
        return _BAD
    v = _one(ctx, attr, vnode, path)
    if v is _BAD or not _domain(ctx, attr, op, v, vnode, path):
        return _BAD
    return v


def _domain(ctx, attr, op, v, vnode, path) -> bool:
    """Refuse a comparison no enterprise could ever meet because of the attribute's domain."""
    if not attr.is_numeric or attr.minimum is None:
        return True
    lo = attr.minimum
    if (op == "<" and v <= lo) or (op in ("<=", "==") and v < lo):
        ctx.add(vnode, path,
                f"值 {v} 超出属性 {attr.name}（{attr.zh}）的取值范围（不小于 {lo:g}），条件永远不成立。",
                f"the value {v} is outside the domain of {attr.name} ({attr.en}, at least "
                f"{lo:g}): the condition can never hold.")
        return False
    return True


def _one(ctx, attr: A.Attribute, vnode, path):
    v = _scalar(vnode)
    if v is _NOT_SCALAR or v is None:
        ctx.add(vnode, path, "应为单个值。", "must be a single value.")
        return _BAD
    t = attr.type
    if t in ("number", "integer"):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            ctx.add(vnode, path, f"属性 {attr.name}（{attr.zh}）是{_type_zh(t)}，{v!r} 不是数值。",
                    f"{attr.name} ({attr.en}) is a {t}; {v!r} is not a number.")
            return _BAD
        if t == "integer":
            if float(v) != math.floor(v):
                ctx.add(vnode, path, f"属性 {attr.name}（{attr.zh}）是整数，{v!r} 不是整数。",
                        f"{attr.name} ({attr.en}) is an integer; {v!r} is not.")
                return _BAD
            return int(v)
        return float(v)
    if t == "bool":
        if not isinstance(v, bool):
            ctx.add(vnode, path, f"属性 {attr.name}（{attr.zh}）是“是否”，值应为 true 或 false。",
                    f"{attr.name} ({attr.en}) is a yes/no attribute; use true or false.")
            return _BAD
        return v
    if t == "date":
        d = A.date_value(v)
        if d is None:
            ctx.add(vnode, path, f"属性 {attr.name}（{attr.zh}）是日期，{v!r} 不是 YYYY-MM-DD。",
                    f"{attr.name} ({attr.en}) is a date; {v!r} is not YYYY-MM-DD.")
            return _BAD
        return d
    if isinstance(v, bool) or not isinstance(v, str | int):
        ctx.add(vnode, path, f"属性 {attr.name}（{attr.zh}）的值应为文本。",
                f"the value of {attr.name} ({attr.en}) must be text.")
        return _BAD
    v = str(v).strip()
    if t == "enum" and v not in attr.values:
        ctx.add(vnode, path, f"{v!r} 不是 {attr.name}（{attr.zh}）的取值；可选：{'、'.join(attr.values)}。",
                f"{v!r} is not a value of {attr.name} ({attr.en}); choose from "
                f"{', '.join(attr.values)}.")
        return _BAD
    if t == "code" and attr.code_kind == "industry":
        if not (v.isdigit() and 2 <= len(v) <= 4 and A.industry_prefix_problem(v) is None):
            ctx.add(vnode, path, f"{v!r} 不是有效的 GB/T 4754 行业代码（2–4 位数字）。",
                    f"{v!r} is not a valid GB/T 4754 industry code (2 to 4 digits).")
            return _BAD
    if t == "code" and attr.code_kind == "region":
        if not (len(v) == 6 and v.isdigit() and A.region_prefix(v) is not None):
            ctx.add(vnode, path, f"{v!r} 不是有效的 GB/T 2260 行政区划代码（6 位）。",
                    f"{v!r} is not a valid GB/T 2260 division code (6 digits).")
            return _BAD
    return v


def _prefix(ctx, attr: A.Attribute, vnode, path):
    v = _scalar(vnode)
    if v is _NOT_SCALAR or v is None or isinstance(v, bool):
        ctx.add(vnode, path, "应为代码前缀文本。", "must be a code prefix (text).")
        return _BAD
    v = str(v).strip()
    if attr.code_kind == "industry":
        problem = A.industry_prefix_problem(v)
        if problem is not None:
            ctx.add(vnode, path,
                    f"{v!r} 不是有效的 GB/T 4754 行业代码前缀（门类字母，或 2–4 位已存在大类的代码，如 C、C39、391）。",
                    f"{v!r} is not a valid GB/T 4754 prefix (a section letter, or 2 to 4 digits "
                    "of an existing division, e.g. C, C39, 391).")
            return _BAD
        return v
    if attr.code_kind == "region":
        prefix = A.region_prefix(v)
        if prefix is None:
            ctx.add(vnode, path, f"{v!r} 不是有效的 GB/T 2260 行政区划代码或前缀（2、4 或 6 位）。",
                    f"{v!r} is not a valid GB/T 2260 division code or prefix (2, 4 or 6 digits).")
            return _BAD
        return prefix
    if not v:
        ctx.add(vnode, path, "前缀不能为空。", "a prefix must not be empty.")
        return _BAD
    return v
