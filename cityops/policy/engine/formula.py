"""Benefit amount formulas: a small arithmetic language, e.g. ``min(rd_expense_wan * 0.1, 200)``.

The text is parsed with Python's ``ast`` module (parsing only: nothing is ever evaluated by
Python) and the tree is walked with a whitelist into our own frozen dataclasses:

* numbers, enterprise attributes (numbers, integers; bools count as 1 or 0);
* ``+ - * /``, unary minus, parentheses;
* ``min(a, b, ...)``, ``max(a, b, ...)``, ``abs(a)``, ``floor(a)``, ``ceil(a)``,
  ``round(a, n)`` (half up, n = 0–4);
* ``a if x >= 10 else b`` with one comparison (``< <= > >= == !=``) as the test.

Unknown inputs make the result unknown (None in Python, NaN in arrays), never 0. Division by
zero is unknown too. The scalar and the vectorised evaluators do the same float operations in the
same order, so they give bit-identical results.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .attributes import ATTRIBUTES

FUNCTIONS = {"min": (2, 99), "max": (2, 99), "abs": (1, 1), "floor": (1, 1), "ceil": (1, 1),
             "round": (1, 2)}
_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_CMPOPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
MAX_LENGTH = 500


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Ref:
    attr: str


@dataclass(frozen=True)
class Bin:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Neg:
    operand: Expr


@dataclass(frozen=True)
class Call:
    func: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Cmp:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class IfElse:
    test: Cmp
    body: Expr
    orelse: Expr


Expr = Num | Ref | Bin | Neg | Call | IfElse


@dataclass(frozen=True)
class Formula:
    text: str
    expr: Expr

    @property
    def attributes(self) -> tuple[str, ...]:
        return tuple(sorted(_refs(self.expr)))


class FormulaError(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh = zh
        self.en = en


def _refs(e) -> set[str]:
    if isinstance(e, Ref):
        return {e.attr}
    if isinstance(e, Bin | Cmp):
        return _refs(e.left) | _refs(e.right)
    if isinstance(e, Neg):
        return _refs(e.operand)
    if isinstance(e, Call):
        return set().union(*(_refs(a) for a in e.args))
    if isinstance(e, IfElse):
        return _refs(e.test) | _refs(e.body) | _refs(e.orelse)
    return set()


def formula_parse(text: str | int | float) -> Formula:
    """Parse a formula (or a plain number); raise FormulaError (zh, en) on anything else."""
    if isinstance(text, bool):
        raise FormulaError("金额公式不能是布尔值。", "An amount formula cannot be a boolean.")
    if isinstance(text, int | float):
        if not math.isfinite(text):
            raise FormulaError("金额必须是有限数值。", "The amount must be a finite number.")
        return Formula(repr(text), Num(float(text)))
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("金额公式为空。", "The amount formula is empty.")
    if len(text) > MAX_LENGTH:
        raise FormulaError("金额公式过长。", f"The amount formula is longer than {MAX_LENGTH}.")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        raise FormulaError(
            f"金额公式语法错误（第 {e.offset or 0} 个字符）。",
            f"Syntax error in the amount formula (at character {e.offset or 0}).",
        ) from None
    return Formula(text.strip(), _walk(tree.body))


def _walk(node: ast.AST) -> Expr:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaError(f"公式中不允许常量 {node.value!r}。",
                               f"The constant {node.value!r} is not allowed in a formula.")
        return Num(float(node.value))
    if isinstance(node, ast.Name):
        attr = ATTRIBUTES.get(node.id)
        if attr is None:
            raise FormulaError(f"未知属性 {node.id}。", f"Unknown attribute {node.id}.")
        if not attr.formula_ok:
            raise FormulaError(f"属性 {node.id}（{attr.zh}）不是数值，不能用于金额公式。",
                               f"Attribute {node.id} ({attr.en}) is not numeric; it cannot be "
                               "used in an amount formula.")
        return Ref(node.id)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return Bin(_BINOPS[type(node.op)], _walk(node.left), _walk(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        operand = _walk(node.operand)
        return Neg(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            name = node.func.id if isinstance(node.func, ast.Name) else "?"
            raise FormulaError(
                f"公式中不允许函数 {name}；可用：{'、'.join(FUNCTIONS)}。",
                f"Function {name} is not allowed; use one of {', '.join(FUNCTIONS)}.",
            )
        lo, hi = FUNCTIONS[node.func.id]
        if not lo <= len(node.args) <= hi:
            raise FormulaError(f"函数 {node.func.id} 的参数个数不对。",
                               f"Wrong number of arguments for {node.func.id}.")
        args = tuple(_walk(a) for a in node.args)
        if node.func.id == "round" and len(args) == 2:
            digits = args[1]
            if not (isinstance(digits, Num) and digits.value in (0, 1, 2, 3, 4)):
                raise FormulaError("round 的第二个参数应为 0 到 4 的整数。",
                                   "The second argument of round must be an integer 0 to 4.")
        return Call(node.func.id, args)
    if isinstance(node, ast.IfExp):
        test = node.test
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1
                and type(test.ops[0]) in _CMPOPS):
            raise FormulaError("条件表达式的条件只能是一个比较（如 employees >= 100）。",
                               "The test of a conditional must be one comparison "
                               "(e.g. employees >= 100).")
        cmp = Cmp(_CMPOPS[type(test.ops[0])], _walk(test.left), _walk(test.comparators[0]))
        return IfElse(cmp, _walk(node.body), _walk(node.orelse))
    raise FormulaError(
        f"公式中不允许此写法：{ast.unparse(node)!r}。",
        f"Not allowed in a formula: {ast.unparse(node)!r}.",
    )


# --- evaluation -------------------------------------------------------------------------------


def _round_half_up(x: float, digits: int) -> float:
    scale = float(10**digits)
    return float(math.floor(x * scale + 0.5)) / scale


def formula_value(expr: Expr, values: Mapping[str, object]) -> float | None:
    """The formula for one enterprise; None when an input is unknown or a division is by 0."""
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Ref):
        v = values.get(expr.attr)
        if v is None:
            return None
        v = float(v)
        return None if math.isnan(v) else v
    if isinstance(expr, Neg):
        v = formula_value(expr.operand, values)
        return None if v is None else -v
    if isinstance(expr, Bin):
        a = formula_value(expr.left, values)
        b = formula_value(expr.right, values)
        if a is None or b is None:
            return None
        if expr.op == "+":
            return a + b
        if expr.op == "-":
            return a - b
        if expr.op == "*":
            return a * b
        return None if b == 0 else a / b
    if isinstance(expr, Call):
        args = [formula_value(a, values) for a in expr.args]
        if expr.func == "round":
            if args[0] is None:
                return None
            return _round_half_up(args[0], int(args[1]) if len(args) == 2 else 0)
        if any(a is None for a in args):
            return None
        if expr.func in ("min", "max"):
            acc = args[0]
            for a in args[1:]:
                acc = (a if a < acc else acc) if expr.func == "min" else (a if a > acc else acc)
            return acc
        if expr.func == "abs":
            return abs(args[0])
        if expr.func == "floor":
            return float(math.floor(args[0]))
        return float(math.ceil(args[0]))
    if isinstance(expr, IfElse):
        a = formula_value(expr.test.left, values)
        b = formula_value(expr.test.right, values)
        if a is None or b is None:
            return None
        chosen = expr.body if _compare(expr.test.op, a, b) else expr.orelse
        return formula_value(chosen, values)
    raise TypeError(expr)


def _compare(op, a, b):
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    if op == ">=":
        return a >= b
    if op == "==":
        return a == b
    return a != b


def formula_array(expr: Expr, columns: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """The formula over arrays (float64, NaN = unknown) of length ``n``; NaN where unknown."""
    with np.errstate(all="ignore"):
        return _arr(expr, columns, n)


def _arr(expr, columns, n):
    if isinstance(expr, Num):
        return np.full(n, expr.value)
    if isinstance(expr, Ref):
        return columns[expr.attr]
    if isinstance(expr, Neg):
        return -_arr(expr.operand, columns, n)
    if isinstance(expr, Bin):
        a = _arr(expr.left, columns, n)
        b = _arr(expr.right, columns, n)
        if expr.op == "+":
            return a + b
        if expr.op == "-":
            return a - b
        if expr.op == "*":
            return a * b
        out = a / b
        out[b == 0] = np.nan
        return out
    if isinstance(expr, Call):
        args = [_arr(a, columns, n) for a in expr.args]
        if expr.func == "round":
            scale = float(10 ** int(expr.args[1].value)) if len(expr.args) == 2 else 1.0
            return np.floor(args[0] * scale + 0.5) / scale
        if expr.func in ("min", "max"):
            acc = args[0]
            for a in args[1:]:
                # np.minimum propagates NaN (unknown), as the scalar path does
                acc = np.minimum(acc, a) if expr.func == "min" else np.maximum(acc, a)
            return acc
        if expr.func == "abs":
            return np.abs(args[0])
        if expr.func == "floor":
            return np.floor(args[0])
        return np.ceil(args[0])
    if isinstance(expr, IfElse):
        a = _arr(expr.test.left, columns, n)
        b = _arr(expr.test.right, columns, n)
        test = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
                "==": np.equal, "!=": np.not_equal}[expr.test.op](a, b)
        out = np.where(test, _arr(expr.body, columns, n), _arr(expr.orelse, columns, n))
        out[np.isnan(a) | np.isnan(b)] = np.nan
        return out
    raise TypeError(expr)
