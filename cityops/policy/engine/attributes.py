"""The enterprise attributes a policy can test: the registry's columns and derived attributes.

Pure Python, no Django. Every attribute may be null (unknown: not reported by the enterprise);
see ``interpreter.py`` for the three-valued semantics.

Types:

* ``number``  float amounts and ratios (amounts in 万元);
* ``integer`` counts (employees, patents) and ages in years;
* ``bool``    certifications (高新技术企业, 科技型中小企业);
* ``date``    ``founded_on``;
* ``code``    GB/T 4754 industry codes and GB/T 2260 region codes, matched by prefix;
* ``enum``    a closed list of values (tax credit rating A/B/M/C/D, 专精特新 level, listing);
* ``string``  free text (name, USCC): equality and lists only.

Derived attributes are computed from registry columns and the match date:

* ``age_years``  full years since ``founded_on`` on the match date;
* ratios (``rd_intensity`` = R&D expense × 100 ÷ revenue): unknown when an input is unknown or
  the denominator is 0. Every engine computes them in the same order (num × scale ÷ den) so
  that a value on a threshold compares the same everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from cityops.core import industries, regions

TYPES = ("number", "integer", "bool", "date", "code", "enum", "string")


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str
    zh: str
    en: str
    unit: str = ""  # 万元, 人, 件, %, 年, 万元/人
    code_kind: str = ""  # "industry" or "region" for type code
    choices: tuple[tuple[str, str, str], ...] = ()  # enum: (value, zh label, en label)
    minimum: float | None = None  # smallest value a real enterprise can have
    maximum: float | None = None
    derived: str = ""  # "", "age" or "ratio"
    inputs: tuple[str, ...] = ()  # registry columns a derived attribute is computed from
    scale: float = 1.0  # ratio: num × scale ÷ den
    formula_ok: bool = True  # usable in a benefit formula (numbers, integers, bools)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(v for v, _, _ in self.choices)

    def choice_label(self, value: str, lang: str) -> str:
        for v, zh, en in self.choices:
            if v == value:
                return zh if lang == "zh" else en
        return value

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    @property
    def is_numeric(self) -> bool:
        return self.type in ("number", "integer")


def _num(name, zh, en, unit="万元", **kw) -> Attribute:
    return Attribute(name, "number", zh, en, unit, minimum=0.0, **kw)


def _int(name, zh, en, unit, **kw) -> Attribute:
    return Attribute(name, "integer", zh, en, unit, minimum=0, **kw)


def _bool(name, zh, en) -> Attribute:
    return Attribute(name, "bool", zh, en)


def _enum(name, zh, en, choices) -> Attribute:
    return Attribute(name, "enum", zh, en, choices=tuple(choices), formula_ok=False)


SPECIALISED_SME = (
    ("none", "无", "none"),
    ("province", "省级专精特新中小企业", "provincial specialised SME"),
    ("national", "国家级专精特新“小巨人”", "national 'little giant'"),
)
TAX_CREDIT_RATINGS = (
    ("A", "A级", "A"),
    ("B", "B级", "B"),
    ("M", "M级", "M"),
    ("C", "C级", "C"),
    ("D", "D级", "D"),
)
LISTINGS = (
    ("none", "未上市", "not listed"),
    ("new_third_board", "新三板挂牌", "NEEQ (new third board)"),
    ("beijing", "北交所上市", "Beijing Stock Exchange"),
    ("sme_board", "中小板上市", "SME board"),
    ("chinext", "创业板上市", "ChiNext"),
    ("star_market", "科创板上市", "STAR market"),
    ("main", "主板上市", "main board"),
)
OWNERSHIPS = (
    ("private", "民营企业", "private"),
    ("state", "国有企业", "state-owned"),
    ("foreign", "外商投资企业", "foreign-invested"),
    ("hmt", "港澳台投资企业", "Hong Kong, Macao or Taiwan invested"),
    ("collective", "集体企业", "collective"),
)

# Registry columns, in the order of an import file.
REGISTRY: tuple[Attribute, ...] = (
    Attribute("uscc", "string", "统一社会信用代码", "unified social credit code", formula_ok=False),
    Attribute("name", "string", "企业名称", "enterprise name", formula_ok=False),
    Attribute("industry_code", "code", "行业代码", "industry code", code_kind="industry",
              formula_ok=False),
    Attribute("region_code", "code", "注册地行政区划", "registered region", code_kind="region",
              formula_ok=False),
    Attribute("founded_on", "date", "成立日期", "founded on", formula_ok=False),
    _enum("ownership", "企业性质", "ownership", OWNERSHIPS),
    _int("employees", "从业人数", "employees", "人"),
    _num("revenue_wan", "营业收入", "revenue"),
    _num("assets_wan", "资产总额", "total assets"),
    _num("tax_paid_wan", "纳税总额", "taxes paid"),
    _num("rd_expense_wan", "研发费用", "R&D expense"),
    _int("patents_invention", "发明专利数", "invention patents", "件"),
    _int("patents_total", "专利总数", "patents", "件"),
    _bool("high_tech", "高新技术企业", "high-tech enterprise"),
    _enum("specialised_sme", "专精特新", "specialised SME", SPECIALISED_SME),
    _bool("tech_sme", "科技型中小企业", "technology-based SME"),
    _enum("tax_credit_rating", "纳税信用等级", "tax credit rating", TAX_CREDIT_RATINGS),
    _num("export_wan", "出口额", "exports"),
    _enum("listed", "上市情况", "listing", LISTINGS),
    _int("graduates_hired", "当年招用高校毕业生", "graduates hired this year", "人"),
    _bool("green_factory", "绿色工厂", "green factory"),
)

DERIVED: tuple[Attribute, ...] = (
    Attribute("age_years", "integer", "成立年限", "age", "年", minimum=0, derived="age",
              inputs=("founded_on",)),
    Attribute("rd_intensity", "number", "研发费用占比", "R&D intensity", "%", minimum=0.0,
              derived="ratio", inputs=("rd_expense_wan", "revenue_wan"), scale=100.0),
    Attribute("revenue_per_employee", "number", "人均营业收入", "revenue per employee",
              "万元/人", minimum=0.0, derived="ratio", inputs=("revenue_wan", "employees")),
    Attribute("export_share", "number", "出口额占营业收入比重", "export share of revenue", "%",
              minimum=0.0, derived="ratio", inputs=("export_wan", "revenue_wan"), scale=100.0),
)

ATTRIBUTES: dict[str, Attribute] = {a.name: a for a in REGISTRY + DERIVED}
REGISTRY_COLUMNS: tuple[str, ...] = tuple(a.name for a in REGISTRY)

# Which ops each type accepts (the negated forms are compiled as NOT of the positive ones).
OPS_BY_TYPE: dict[str, frozenset[str]] = {
    "number": frozenset({"==", "!=", "<", "<=", ">", ">=", "between", "known", "unknown"}),
    "integer": frozenset(
        {"==", "!=", "<", "<=", ">", ">=", "between", "in", "not_in", "known", "unknown"}
    ),
    "date": frozenset({"==", "!=", "<", "<=", ">", ">=", "between", "known", "unknown"}),
    "bool": frozenset({"==", "!=", "is_true", "is_false", "known", "unknown"}),
    "code": frozenset({"==", "!=", "in", "not_in", "prefix_in", "known", "unknown"}),
    "enum": frozenset({"==", "!=", "in", "not_in", "known", "unknown"}),
    "string": frozenset({"==", "!=", "in", "not_in", "prefix_in", "known", "unknown"}),
}
OPS = frozenset().union(*OPS_BY_TYPE.values())


def attribute(name: str) -> Attribute | None:
    return ATTRIBUTES.get(name)


# --- codes -----------------------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]+")


def industry_prefix_problem(prefix: str) -> str | None:
    """None when ``prefix`` is a usable GB/T 4754 prefix: a section letter (C), a section letter
    and digits of one of its divisions (C39, C391), or 2–4 digits of an existing division."""
    if not isinstance(prefix, str) or not prefix:
        return "empty"
    if prefix[0].isalpha():
        if not industries.is_industry(prefix[0]):
            return "section"
        if len(prefix) == 1:
            return None
        digits = prefix[1:]
        if not (_DIGITS.fullmatch(digits) and 2 <= len(digits) <= 4):
            return "format"
        if industries.industry_section(digits) != prefix[0]:
            return "section_mismatch"
        return None
    if not (_DIGITS.fullmatch(prefix) and 2 <= len(prefix) <= 4):
        return "format"
    return None if industries.is_industry(prefix) else "unknown"


def industry_digit_prefixes(prefix: str) -> tuple[str, ...]:
    """Digit prefixes a (valid) industry prefix stands for: "C" → every division of section C,
    "C39" → "39", "391" → "391"."""
    if prefix[0].isalpha():
        if len(prefix) == 1:
            return tuple(code for code, _ in industries.divisions(prefix))
        return (prefix[1:],)
    return (prefix,)


def region_prefix(code: str) -> str | None:
    """The prefix a GB/T 2260 code or prefix stands for, None if it is not one.

    "440000" and "44" → "44" (the province), "440300" and "4403" → "4403" (the prefecture),
    "440305" → itself. The division must exist in GB/T 2260.
    """
    if not isinstance(code, str) or not _DIGITS.fullmatch(code) or len(code) not in (2, 4, 6):
        return None
    full = code.ljust(6, "0")
    if not regions.is_region(full):
        # a prefecture prefix with no prefecture row (e.g. under a municipality) still counts
        # when some county sits under it
        if len(code) == 4 and any(c.startswith(code) for c in regions.regions_within(full[:2]
                                                                                      + "0000")):
            return code
        return None
    if full.endswith("0000"):
        return full[:2]
    if full.endswith("00"):
        return full[:4]
    return full


def date_value(value: object) -> date | None:
    """A date from a YAML date or an ISO string; None if it is neither."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def age_years(founded_on: date | None, as_of: date) -> int | None:
    """Full years from ``founded_on`` to ``as_of`` (a birthday-style count: a company founded on
    29 February has its anniversary on 1 March in other years). Negative ages are clamped to
    None (founded after the match date: unknown)."""
    if founded_on is None:
        return None
    years = as_of.year - founded_on.year - (
        (as_of.month, as_of.day) < (founded_on.month, founded_on.day)
    )
    return years if years >= 0 else None
