"""Compliance engine: the rules of brief §1 ("Rules with numbers") as data, checked against one
project. Pure: no Django, no database.

- ``rules.yaml`` (``cityops/portfolio/data/``) holds the rules: id, titles, source document and
  article, effective window, PPP regime, the operation models it applies to, the numbers it uses
  (``params``) and the name of the check function below (``check``). ``load_rules`` validates it
  and raises ``RuleFileError`` naming the rule and the field at fault.
- ``check_project`` returns one ``Finding`` per rule that applies to the project, each carrying
  its source and article; ``summary`` gives the worst outcome.

Which rules apply (documented choices):

- **Model**: the project's operation model must be in the rule's ``applies_to``.
- **Date**: a rule's window ``effective_from``..``effective_to`` (both inclusive; ``effective_to``
  null = still in force) must contain the project's *reference date*: its ``approval_date``, or
  ``as_of`` when it has none (a project still being planned is judged by today's rules). Rules
  drawn from guidance rather than law (the 2024 operations report) carry ``date_basis: as_of``:
  they judge the project as it stands on ``as_of`` whatever its approval date.
- **Regime**: PPP rules carry ``regime: ppp-2019`` (财金〔2019〕10号 and its predecessors, for
  projects approved before the 2023 mechanism) or ``regime: concession-2023`` (国办函〔2023〕115号).
  The file's ``regimes`` block dates each regime; a regime rule's window must lie inside its
  regime's window (checked on load), so the project's reference date picks the regime: both
  rule sets are kept, chosen by the approval date.
- The same ``id`` may appear more than once with disjoint windows: versions of one rule (the
  10% red line of 财金〔2015〕21号 and then of 财金〔2019〕10号; the concession term of the 2015
  and 2024 concession measures). At most one version applies on a given date.
- **Not applicable is omitted**: a rule that does not apply to the project (by model, date or
  regime, or because the check itself finds it moot, e.g. the 5% line for a project that is not
  a new government-pay PPP) yields no finding. ``include_not_applicable=True`` returns them as
  ``Outcome.NOT_APPLICABLE`` findings with the reason (one per rule id), for reports that list
  every rule. ``summary`` ignores them.
- **Missing facts warn**: when a fact the check needs is not recorded (no contract term, no
  fiscal data for the project's years) the finding is ``WARN`` saying what is missing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

import yaml

from .facts import PortfolioContext, ProjectFacts
from .vocab import (
    OperationModel,
    OperationObject,
    Outcome,
    PPPSubtype,
    ReturnMechanism,
    ServiceCategory,
)

DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "data" / "rules.yaml"

_SEVERITY = {Outcome.PASS: 1, Outcome.WARN: 2, Outcome.FAIL: 3}


# ---------------------------------------------------------------------------------------------
# Data types


class RuleFileError(ValueError):
    """The rule file is unreadable or invalid. ``rule_id`` and ``field`` name the culprit
    (``rule_id`` is ``"#3"`` for a third rule without a usable id, None for file-level errors)."""

    def __init__(
        self,
        message: str,
        *,
        rule_id: str | None = None,
        field: str | None = None,
        path: Path | str | None = None,
    ):
        self.rule_id = rule_id
        self.field = field
        self.path = str(path) if path is not None else None
        where = []
        if self.path:
            where.append(Path(self.path).name)
        if rule_id is not None:
            where.append(f"rule {rule_id!r}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {message}" if where else message)


@dataclass(frozen=True)
class Rule:
    id: str
    title_en: str
    title_zh: str
    source: str
    article: str
    effective_from: dt.date
    effective_to: dt.date | None
    regime: str | None
    applies_to: frozenset[OperationModel]
    params: Mapping[str, Any]  # numbers as Decimal
    check: str
    date_basis: str = "approval"  # "approval" (approval_date, else as_of) or "as_of"
    # the regime's own window (from the file's ``regimes`` block), for project_regime()
    regime_from: dt.date | None = None
    regime_to: dt.date | None = None

    def in_force_on(self, day: dt.date) -> bool:
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


@dataclass(frozen=True)
class Finding:
    rule_id: str
    outcome: Outcome
    message_en: str
    message_zh: str
    source: str
    article: str
    regime: str | None
    title_en: str = ""
    title_zh: str = ""


class Verdict(NamedTuple):
    outcome: Outcome
    message_en: str
    message_zh: str


# ---------------------------------------------------------------------------------------------
# Formatting helpers: messages state the numbers


def _num(value: Decimal | int | float) -> str:
    d = Decimal(str(value)).normalize()
    text = format(d, "f")
    return "0" if text in ("-0", "") else text


def _pct(share: Decimal) -> str:
    return f"{_num((Decimal(share) * 100).quantize(Decimal('0.01')))}%"


def _years_en(value: Decimal | int) -> str:
    return f"{_num(value)} year" + ("" if Decimal(str(value)) == 1 else "s")


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _year_ranges(years: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for y in sorted(set(years)):
        if out and y == out[-1][1] + 1:
            out[-1] = (out[-1][0], y)
        else:
            out.append((y, y))
    return out


def _years_list(years: Iterable[int], sep: str) -> str:
    return sep.join(str(a) if a == b else f"{a}–{b}" for a, b in _year_ranges(years))


def _term_parts(facts: ProjectFacts, include_build: bool) -> tuple[int, str, str]:
    """A PPP/concession term in years with its make-up, for messages."""
    if include_build:
        term = facts.build_years + facts.operation_years
        en = f"{facts.build_years}-year build + {facts.operation_years}-year operation"
        zh = f"建设期 {facts.build_years} 年 + 运营期 {facts.operation_years} 年"
    else:
        term = facts.operation_years
        en, zh = "operation period", "运营期"
    return term, en, zh


def reference_date(facts: ProjectFacts, as_of: dt.date) -> dt.date:
    """The date that picks the rules for a project: its approval date, else ``as_of``."""
    return facts.approval_date or as_of


# ---------------------------------------------------------------------------------------------
# Checks. Each takes (rule, facts, context, as_of) and returns a Verdict.

CheckFunc = Callable[[Rule, ProjectFacts, PortfolioContext, dt.date], Verdict]

_PURCHASE_CONDITIONS = (
    ("content_fixed", "content fixed", "购买内容相对固定"),
    ("continuity_strong", "strong continuity", "连续性强"),
    ("funding_stable", "stable funding", "经费来源稳定"),
    ("prices_stable", "stable prices", "价格变化幅度小"),
)


def check_purchase_term(
    rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date
) -> Verdict:
    general = rule.params["max_years"]
    maximum = rule.params["max_years_with_conditions"]
    term = f.contract_term_years
    if term is None or term <= 0:
        return Verdict(
            Outcome.WARN,
            f"Contract term not recorded: cannot check the limits (generally "
            f"{_years_en(general)}, at most {_years_en(maximum)}).",
            f"未填写合同期限，无法核对一般不超过 {_num(general)} 年、最长不超过 {_num(maximum)} 年的要求。",
        )
    renewals = max(f.renewals, 0)
    total = term * (1 + renewals)
    if term > maximum:
        return Verdict(
            Outcome.FAIL,
            f"Contract term {_years_en(term)}, longer than the maximum of {_years_en(maximum)}.",
            f"合同期限 {_num(term)} 年，超过最长 {_num(maximum)} 年。",
        )
    if total > maximum:
        return Verdict(
            Outcome.FAIL,
            f"Contract term {_years_en(term)} renewable {_times(renewals)}: "
            f"{_years_en(total)} in total, longer than the maximum of {_years_en(maximum)}.",
            f"合同期限 {_num(term)} 年、可续签 {renewals} 次，总期限 {_num(total)} 年，"
            f"超过最长 {_num(maximum)} 年。",
        )
    renewal_en = (
        f"; renewable {_times(renewals)}, {_years_en(total)} in total, within {_years_en(maximum)}"
        if renewals
        else ""
    )
    renewal_zh = (
        f"；可续签 {renewals} 次，总期限 {_num(total)} 年，不超过 {_num(maximum)} 年"
        if renewals
        else ""
    )
    # A 1-year contract renewed into a longer whole is a longer term in substance: the four
    # conditions apply to the total (the same reading as procurement/domain/contracts.py).
    if total > general:
        missing = [(en, zh) for attr, en, zh in _PURCHASE_CONDITIONS if not getattr(f, attr)]
        all_en = ", ".join(en for _, en, _ in _PURCHASE_CONDITIONS)
        all_zh = "、".join(zh for _, _, zh in _PURCHASE_CONDITIONS)
        if missing:
            if len(missing) == len(_PURCHASE_CONDITIONS):
                missing_en, missing_zh = "none is met", "四个条件均未满足"
            else:
                missing_en = f"missing: {', '.join(en for en, _ in missing)}"
                missing_zh = f"未满足：{'、'.join(zh for _, zh in missing)}"
            chain_en = (f" renewable {_times(renewals)} ({_years_en(total)} in total)"
                        if renewals else "")
            chain_zh = f"、可续签 {renewals} 次（总期限 {_num(total)} 年）" if renewals else ""
            return Verdict(
                Outcome.FAIL,
                f"Contract term {_years_en(term)}{chain_en}, longer than {_years_en(general)} "
                f"without all four conditions ({all_en}); {missing_en}.",
                f"合同期限 {_num(term)} 年{chain_zh}，超过 {_num(general)} 年，且未同时满足"
                f"{all_zh}四个条件（{missing_zh}）。",
            )
        return Verdict(
            Outcome.PASS,
            f"Contract term {_years_en(term)}: longer than {_years_en(general)} but within "
            f"{_years_en(maximum)}, and all four conditions ({all_en}) are met{renewal_en}.",
            f"合同期限 {_num(term)} 年，超过 {_num(general)} 年但不超过 {_num(maximum)} 年，"
            f"且同时满足{all_zh}四个条件{renewal_zh}。",
        )
    return Verdict(
        Outcome.PASS,
        f"Contract term {_years_en(term)}, within {_years_en(general)}{renewal_en}.",
        f"合同期限 {_num(term)} 年，不超过 {_num(general)} 年{renewal_zh}。",
    )


# 财政部令第102号 第十条: what may not be bought as a service
_NEGATIVE_LIST = {
    ServiceCategory.OUTSIDE_DUTIES: (
        "(1)",
        "matters outside the government's duties",
        "（一）",
        "不属于政府职责范围的服务事项",
    ),
    ServiceCategory.GOVERNMENT_ONLY: (
        "(2)",
        "matters the government must perform itself",
        "（二）",
        "应当由政府直接履职的事项",
    ),
    ServiceCategory.GOODS: (
        "(3)",
        "goods under the government-procurement laws",
        "（三）",
        "政府采购法律、行政法规规定的货物",
    ),
    ServiceCategory.WORKS: (
        "(3)",
        "works under the government-procurement laws",
        "（三）",
        "政府采购法律、行政法规规定的工程",
    ),
    ServiceCategory.WORKS_WITH_SERVICES: (
        "(3)",
        "works packaged together with services",
        "（三）",
        "将工程和服务打包的项目",
    ),
    ServiceCategory.FINANCING: ("(4)", "financing", "（四）", "融资行为"),
    ServiceCategory.OWN_STAFFING: (
        "(5)",
        "the buyer's own recruitment, labour dispatch or public-welfare posts",
        "（五）",
        "购买主体的人员招、聘用，以劳务派遣方式用工，以及设置公益性岗位等事项",
    ),
    ServiceCategory.OTHER_BARRED: (
        "(6)",
        "other matters barred by law, administrative regulation or the State Council",
        "（六）",
        "法律、行政法规以及国务院规定的其他不得作为政府购买服务内容的事项",
    ),
}


def check_purchase_negative_list(
    rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date
) -> Verdict:
    category = ServiceCategory(f.service_category)
    if category is not ServiceCategory.SERVICE:
        item_en, what_en, item_zh, what_zh = _NEGATIVE_LIST[category]
        return Verdict(
            Outcome.FAIL,
            f"What is bought is on the negative list, item {item_en}: {what_en}; it may not be "
            "bought as a government service.",
            f"购买内容属于负面清单第{item_zh}项“{what_zh}”，不得作为政府购买服务内容。",
        )
    if f.construction_share > 0:
        return Verdict(
            Outcome.WARN,
            f"Works make up {_pct(f.construction_share)} of the investment: make sure works are "
            "not packaged with the services (negative list item (3)).",
            f"投资中工程占 {_pct(f.construction_share)}，须确认未将工程和服务打包（负面清单第（三）项）。",
        )
    return Verdict(
        Outcome.PASS,
        "What is bought is a service, not on the negative list.",
        "购买内容为服务，不属于负面清单事项。",
    )


def _project_years(f: ProjectFacts) -> list[int] | None:
    life = f.build_years + f.operation_years
    if f.start_year is None or life <= 0:
        return None
    return list(range(f.start_year, f.start_year + life))


def _share_series(rule: Rule, ctx: PortfolioContext) -> dict[int, Decimal]:
    if rule.params.get("share_basis") == "government_pay_ppp":
        return ctx.government_pay_ppp_share_by_year
    return ctx.ppp_share_by_year


def _years_in_scope(
    f: ProjectFacts, series: Mapping[int, Decimal]
) -> tuple[list[int], list[int], str, str]:
    """(years with data, project years without data, scope in English, scope in Chinese)."""
    years = _project_years(f)
    if years is None:
        known = sorted(series)
        scope = f"{_years_list(known, ', ')}" if known else ""
        return (
            known,
            [],
            (f"all years on record ({scope})" if known else "no years"),
            (f"全部有数据的年份（{_years_list(known, '、')} 年）" if known else "无年份"),
        )
    have = [y for y in years if y in series]
    missing = [y for y in years if y not in series]
    return (
        have,
        missing,
        f"the project's years {years[0]}–{years[-1]}",
        f"项目期内（{years[0]}–{years[-1]} 年）",
    )


def _missing_note(missing: list[int]) -> tuple[str, str]:
    if not missing:
        return "", ""
    return (
        f" No data for {_years_list(missing, ', ')}.",
        f"{_years_list(missing, '、')} 年缺少数据。",
    )


def check_ppp_fiscal_red_line(
    rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date
) -> Verdict:
    red = rule.params["red_line"]
    warn = rule.params.get("warn_line")
    series = ctx.ppp_share_by_year
    years, missing, scope_en, scope_zh = _years_in_scope(f, series)
    if not years:
        return Verdict(
            Outcome.WARN,
            f"No PPP fiscal-liability share on record for {scope_en}: cannot check the "
            f"{_pct(red)} red line.",
            f"{scope_zh}没有 PPP 财政支出责任占比数据，无法核对 {_pct(red)} 红线。",
        )
    peak = max(years, key=lambda y: (series[y], -y))
    over = [y for y in years if series[y] > red]
    note_en, note_zh = _missing_note(missing)
    if over:
        return Verdict(
            Outcome.FAIL,
            f"All PPP fiscal liabilities reach {_pct(series[peak])} of the general public budget "
            f"expenditure in {peak}, above the {_pct(red)} red line (years above: "
            f"{_years_list(over, ', ')}).{note_en}",
            f"{peak} 年全部 PPP 项目财政支出责任占一般公共预算支出 {_pct(series[peak])}，"
            f"超过 {_pct(red)} 红线（超过的年份：{_years_list(over, '、')}）。{note_zh}",
        )
    if warn is not None and series[peak] > warn:
        return Verdict(
            Outcome.WARN,
            f"PPP fiscal liabilities peak at {_pct(series[peak])} in {peak}: within the "
            f"{_pct(red)} red line but above the {_pct(warn)} risk-warning line.{note_en}",
            f"PPP 财政支出责任占比最高为 {peak} 年的 {_pct(series[peak])}，未超过 {_pct(red)} 红线，"
            f"但超过 {_pct(warn)} 风险提示线。{note_zh}",
        )
    if missing:
        return Verdict(
            Outcome.WARN,
            f"PPP fiscal liabilities peak at {_pct(series[peak])} in {peak}, within the "
            f"{_pct(red)} red line, but the check is incomplete.{note_en}",
            f"PPP 财政支出责任占比最高为 {peak} 年的 {_pct(series[peak])}，未超过 {_pct(red)} 红线，"
            f"但核对不完整：{note_zh}",
        )
    return Verdict(
        Outcome.PASS,
        f"Over {scope_en} PPP fiscal liabilities peak at {_pct(series[peak])} ({peak}), within "
        f"the {_pct(red)} red line.",
        f"{scope_zh}PPP 财政支出责任占比最高为 {peak} 年的 {_pct(series[peak])}，"
        f"未超过 {_pct(red)} 红线。",
    )


def _is_new(f: ProjectFacts, as_of: dt.date) -> bool:
    """A "new" project: not approved yet, or approved after ``as_of``."""
    return f.approval_date is None or f.approval_date > as_of


def check_ppp_government_pay_line(
    rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date
) -> Verdict:
    line = rule.params["government_pay_line"]
    if f.return_mechanism != ReturnMechanism.GOVERNMENT_PAY:
        return Verdict(
            Outcome.NOT_APPLICABLE,
            "Not a government-pay project: the 5% line bars only new government-pay PPP.",
            "不是政府付费项目：5% 限制只针对新上政府付费 PPP 项目。",
        )
    if not _is_new(f, as_of):
        return Verdict(
            Outcome.NOT_APPLICABLE,
            f"Approved on {f.approval_date.isoformat()}, not a new project on {as_of.isoformat()}.",
            f"项目已于 {f.approval_date.isoformat()} 批准，截至 {as_of.isoformat()} 不属于新上项目。",
        )
    series = _share_series(rule, ctx)
    years, missing, scope_en, scope_zh = _years_in_scope(f, series)
    if not years:
        return Verdict(
            Outcome.WARN,
            f"No PPP fiscal-liability share on record for {scope_en}: cannot check the "
            f"{_pct(line)} line for new government-pay PPP.",
            f"{scope_zh}没有 PPP 财政支出责任占比数据，无法核对新上政府付费项目的 {_pct(line)} 限制。",
        )
    peak = max(years, key=lambda y: (series[y], -y))
    over = [y for y in years if series[y] > line]
    note_en, note_zh = _missing_note(missing)
    if over:
        return Verdict(
            Outcome.FAIL,
            f"PPP fiscal liabilities reach {_pct(series[peak])} of the general public budget "
            f"expenditure in {peak}, above {_pct(line)} (years above: "
            f"{_years_list(over, ', ')}): no new government-pay PPP.{note_en}",
            f"{peak} 年 PPP 财政支出责任占一般公共预算支出 {_pct(series[peak])}，超过 {_pct(line)}"
            f"（超过的年份：{_years_list(over, '、')}），不得新上政府付费项目。{note_zh}",
        )
    if missing:
        return Verdict(
            Outcome.WARN,
            f"PPP fiscal liabilities peak at {_pct(series[peak])} in {peak}, within "
            f"{_pct(line)}, but the check is incomplete.{note_en}",
            f"PPP 财政支出责任占比最高为 {peak} 年的 {_pct(series[peak])}，未超过 {_pct(line)}，"
            f"但核对不完整：{note_zh}",
        )
    return Verdict(
        Outcome.PASS,
        f"Over {scope_en} PPP fiscal liabilities peak at {_pct(series[peak])} ({peak}), within "
        f"{_pct(line)}: a new government-pay PPP is allowed.",
        f"{scope_zh}PPP 财政支出责任占比最高为 {peak} 年的 {_pct(series[peak])}，"
        f"未超过 {_pct(line)}，可新上政府付费项目。",
    )


def check_ppp_bundling(
    rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date
) -> Verdict:
    minimum = rule.params["min_user_payment_share"]
    share = f.user_payment_share
    if f.bundled_unrelated_parts and share < minimum:
        return Verdict(
            Outcome.FAIL,
            f"Unrelated government-pay parts are bundled with a user-payment share of "
            f"{_pct(share)}, below {_pct(minimum)}: refused.",
            f"打捆了无实质关联的政府付费内容，使用者付费比例 {_pct(share)}，低于 {_pct(minimum)}，不予入库。",
        )
    if f.bundled_unrelated_parts:
        return Verdict(
            Outcome.PASS,
            f"Unrelated parts are bundled, but user payment is {_pct(share)}, not below "
            f"{_pct(minimum)}.",
            f"虽打捆了无实质关联的内容，但使用者付费比例 {_pct(share)}，不低于 {_pct(minimum)}。",
        )
    return Verdict(
        Outcome.PASS,
        "No unrelated government-pay parts are bundled.",
        "未打捆无实质关联的政府付费内容。",
    )


def check_ppp_term(rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date) -> Verdict:
    low, high = rule.params["min_years"], rule.params["max_years"]
    term, parts_en, parts_zh = _term_parts(f, rule.params.get("include_build_years", True))
    if term <= 0:
        return Verdict(
            Outcome.WARN,
            f"Cooperation term not recorded: cannot check the {_num(low)}–{_num(high)}-year range.",
            f"未填写合作期限，无法核对 {_num(low)}–{_num(high)} 年的要求。",
        )
    if term < low or term > high:
        side_en = (
            f"shorter than {_years_en(low)}" if term < low else f"longer than {_years_en(high)}"
        )
        side_zh = f"短于 {_num(low)} 年" if term < low else f"超过 {_num(high)} 年"
        return Verdict(
            Outcome.FAIL,
            f"PPP term {_years_en(term)} ({parts_en}), {side_en}.",
            f"PPP 合作期限 {term} 年（{parts_zh}），{side_zh}。",
        )
    return Verdict(
        Outcome.PASS,
        f"PPP term {_years_en(term)} ({parts_en}), within {_num(low)}–{_num(high)} years.",
        f"PPP 合作期限 {term} 年（{parts_zh}），在 {_num(low)}–{_num(high)} 年之间。",
    )


def check_ppp_not_bt(rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date) -> Verdict:
    if f.ppp_subtype is None:
        return Verdict(
            Outcome.WARN,
            "PPP operating mode (BOT, TOT, ...) not recorded: cannot confirm it is not BT.",
            "未填写 PPP 运作方式（BOT、TOT 等），无法确认不是 BT。",
        )
    subtype = PPPSubtype(f.ppp_subtype)
    if subtype is PPPSubtype.BT:
        return Verdict(
            Outcome.FAIL,
            "Build-transfer (BT) has no operation: it is not PPP.",
            "建设-移交（BT）项目无运营内容，不属于 PPP。",
        )
    return Verdict(
        Outcome.PASS,
        f"Operating mode {subtype.value.upper()}, not BT.",
        f"运作方式为 {subtype.value.upper()}，不是 BT。",
    )


def check_concession_user_pay(
    rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date
) -> Verdict:
    minimum = rule.params["min_user_payment_share"]
    share = f.user_payment_share
    if share < minimum:
        return Verdict(
            Outcome.FAIL,
            f"User payment is {_pct(share)} of the project's revenue, below {_pct(minimum)}: "
            "projects under the 2023 mechanism must be user-payment projects.",
            f"使用者付费占项目收入 {_pct(share)}，低于 {_pct(minimum)}：新机制项目应以使用者付费为主。",
        )
    return Verdict(
        Outcome.PASS,
        f"User payment is {_pct(share)} of the project's revenue, not below {_pct(minimum)}.",
        f"使用者付费占项目收入 {_pct(share)}，不低于 {_pct(minimum)}。",
    )


def check_concession_no_fiscal_burden(
    rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date
) -> Verdict:
    if f.adds_fiscal_burden:
        return Verdict(
            Outcome.FAIL,
            "The project adds future fiscal expenditure obligations: not allowed under the 2023 "
            "mechanism.",
            "项目新增地方财政未来支出责任，不符合新机制要求。",
        )
    return Verdict(
        Outcome.PASS,
        "The project adds no future fiscal expenditure obligations.",
        "项目不新增地方财政未来支出责任。",
    )


def check_concession_mode(
    rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date
) -> Verdict:
    if not f.concession:
        return Verdict(
            Outcome.FAIL,
            "Not carried out as a concession: all PPP under the 2023 mechanism must be.",
            "未采取特许经营模式：新机制下的政府和社会资本合作应全部采取特许经营模式。",
        )
    return Verdict(Outcome.PASS, "Carried out as a concession.", "采取特许经营模式。")


def check_concession_term(
    rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date
) -> Verdict:
    maximum = rule.params["max_concession_years"]
    term, parts_en, parts_zh = _term_parts(f, rule.params.get("include_build_years", True))
    if term <= 0:
        return Verdict(
            Outcome.WARN,
            f"Concession term not recorded: cannot check the {_years_en(maximum)} limit.",
            f"未填写特许经营期限，无法核对 {_num(maximum)} 年的上限。",
        )
    if term > maximum:
        return Verdict(
            Outcome.FAIL,
            f"Concession term {_years_en(term)} ({parts_en}), longer than {_years_en(maximum)}: "
            "a longer term needs a documented exception (large investment, long payback).",
            f"特许经营期限 {term} 年（{parts_zh}），超过 {_num(maximum)} 年：确需延长的，"
            "须有投资规模大、回报周期长等依据。",
        )
    return Verdict(
        Outcome.PASS,
        f"Concession term {_years_en(term)} ({parts_en}), within {_years_en(maximum)}.",
        f"特许经营期限 {term} 年（{parts_zh}），不超过 {_num(maximum)} 年。",
    )


def check_platform_one_per_locality(
    rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date
) -> Verdict:
    maximum = int(rule.params["max_per_region"])
    count = ctx.platform_companies_by_region.get(f.region_code, 0)
    if count > maximum:
        return Verdict(
            Outcome.FAIL,
            f"Region {f.region_code} has {count} platform companies; one locality should have "
            f"{maximum}.",
            f"地区 {f.region_code} 有 {count} 家平台公司，一个地方一般只设立 {maximum} 家。",
        )
    if count == 0:
        return Verdict(
            Outcome.WARN,
            f"No platform company recorded for region {f.region_code}: record the company that "
            "runs this project.",
            f"地区 {f.region_code} 未登记平台公司，请登记承担本项目的平台公司。",
        )
    return Verdict(
        Outcome.PASS,
        f"Region {f.region_code} has {count} platform company.",
        f"地区 {f.region_code} 有 {count} 家平台公司。",
    )


_OBJECT_ZH = {
    OperationObject.INFRASTRUCTURE: "基础设施",
    OperationObject.DATA: "数据",
    OperationObject.SYSTEM: "系统",
    OperationObject.PORTAL: "门户",
    OperationObject.SECURITY: "安全",
}


def check_epc_operations_handover(
    rule: Rule, f: ProjectFacts, ctx: PortfolioContext, as_of: dt.date
) -> Verdict:
    if f.has_operations_handover_plan:
        return Verdict(
            Outcome.PASS,
            "An operations hand-over plan says who operates what is built.",
            "已有运营衔接方案，明确建成后的运营主体。",
        )
    needing = sorted(
        set(rule.params["fail_objects"]) & {OperationObject(o) for o in f.operation_objects}
    )
    if needing:
        names_en = ", ".join(o.value for o in needing)
        names_zh = "、".join(_OBJECT_ZH[o] for o in needing)
        return Verdict(
            Outcome.FAIL,
            f"No operations hand-over plan although the project builds objects that need "
            f"continuous operation ({names_en}): nobody will own operations after acceptance.",
            f"无运营衔接方案，而项目建设的{names_zh}需要持续运营：建成后无人负责运营（建运分离）。",
        )
    return Verdict(
        Outcome.WARN,
        "No operations hand-over plan: say who runs and maintains what is built after acceptance.",
        "无运营衔接方案：须明确建成验收后由谁运营运维。",
    )


# ---------------------------------------------------------------------------------------------
# Parameter kinds: (validator returning the parsed value or raising ValueError, description)


def _p_number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected a number, got {value!r}")
    d = Decimal(str(value))
    if d < 0:
        raise ValueError(f"expected a number ≥ 0, got {value!r}")
    return d


def _p_fraction(value: Any) -> Decimal:
    d = _p_number(value)
    if d > 1:
        raise ValueError(f"expected a share between 0 and 1 (0.10 = 10%), got {value!r}")
    return d


def _p_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _p_objects(value: Any) -> frozenset[OperationObject]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"expected a non-empty list of operation objects, got {value!r}")
    try:
        return frozenset(OperationObject(v) for v in value)
    except ValueError:
        allowed = ", ".join(o.value for o in OperationObject)
        raise ValueError(f"unknown operation object in {value!r} (allowed: {allowed})") from None


def _p_share_basis(value: Any) -> str:
    if value not in ("all_ppp", "government_pay_ppp"):
        raise ValueError(f"expected all_ppp or government_pay_ppp, got {value!r}")
    return value


@dataclass(frozen=True)
class _CheckSpec:
    func: CheckFunc
    required: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    optional: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)


CHECKS: Mapping[str, _CheckSpec] = MappingProxyType(
    {
        "check_purchase_term": _CheckSpec(
            check_purchase_term, {"max_years": _p_number, "max_years_with_conditions": _p_number}
        ),
        "check_purchase_negative_list": _CheckSpec(check_purchase_negative_list),
        "check_ppp_fiscal_red_line": _CheckSpec(
            check_ppp_fiscal_red_line, {"red_line": _p_fraction}, {"warn_line": _p_fraction}
        ),
        "check_ppp_government_pay_line": _CheckSpec(
            check_ppp_government_pay_line,
            {"government_pay_line": _p_fraction},
            {"share_basis": _p_share_basis},
        ),
        "check_ppp_bundling": _CheckSpec(
            check_ppp_bundling, {"min_user_payment_share": _p_fraction}
        ),
        "check_ppp_term": _CheckSpec(
            check_ppp_term,
            {"min_years": _p_number, "max_years": _p_number},
            {"include_build_years": _p_bool},
        ),
        "check_ppp_not_bt": _CheckSpec(check_ppp_not_bt),
        "check_concession_user_pay": _CheckSpec(
            check_concession_user_pay, {"min_user_payment_share": _p_fraction}
        ),
        "check_concession_no_fiscal_burden": _CheckSpec(check_concession_no_fiscal_burden),
        "check_concession_mode": _CheckSpec(check_concession_mode),
        "check_concession_term": _CheckSpec(
            check_concession_term,
            {"max_concession_years": _p_number},
            {"include_build_years": _p_bool},
        ),
        "check_platform_one_per_locality": _CheckSpec(
            check_platform_one_per_locality, {"max_per_region": _p_number}
        ),
        "check_epc_operations_handover": _CheckSpec(
            check_epc_operations_handover, {"fail_objects": _p_objects}
        ),
    }
)


# ---------------------------------------------------------------------------------------------
# Loading and validating the rule file


class _Loader(yaml.SafeLoader):
    """yaml.SafeLoader that leaves dates as strings, so that a bad date is reported with the
    rule and field it belongs to (SafeLoader would raise on 2020-13-01 with neither)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_RULE_FIELDS = (
    "id",
    "title_en",
    "title_zh",
    "source",
    "article",
    "effective_from",
    "effective_to",
    "regime",
    "applies_to",
    "params",
    "check",
)
_OPTIONAL_RULE_FIELDS = ("date_basis",)
_REGIME_FIELDS = ("title_en", "title_zh", "source", "effective_from", "effective_to")
_ID_RE = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(value: Any, *, nullable: bool, err: Callable[[str], RuleFileError]) -> dt.date | None:
    if value is None:
        if nullable:
            return None
        raise err("is required (an ISO date, YYYY-MM-DD)")
    text = str(value)
    if isinstance(value, str) and _DATE_RE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise err(f"{value!r} is not an ISO date (YYYY-MM-DD)")


def _text(value: Any, err: Callable[[str], RuleFileError]) -> str:
    if not isinstance(value, str) or not value.strip():
        raise err(f"expected non-empty text, got {value!r}")
    return value.strip()


def _window_overlaps(
    a_from: dt.date | None, a_to: dt.date | None, b_from: dt.date | None, b_to: dt.date | None
) -> bool:
    lo = max(a_from or dt.date.min, b_from or dt.date.min)
    hi = min(a_to or dt.date.max, b_to or dt.date.max)
    return lo <= hi


def _parse_regimes(raw: Any, path: Path) -> dict[str, tuple[dt.date | None, dt.date | None]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RuleFileError(
            "'regimes' must be a mapping of regime name to its window", field="regimes", path=path
        )
    out: dict[str, tuple[dt.date | None, dt.date | None]] = {}
    for name, spec in raw.items():

        def err(msg: str, fld: str | None = None, name=name) -> RuleFileError:
            return RuleFileError(
                msg, field=f"regimes.{name}" + (f".{fld}" if fld else ""), path=path
            )

        if not isinstance(spec, dict):
            raise err("must be a mapping")
        for fld in _REGIME_FIELDS:
            if fld not in spec:
                raise err("is missing", fld)
        unknown = sorted(set(spec) - set(_REGIME_FIELDS))
        if unknown:
            raise err(f"unknown field(s): {', '.join(unknown)}", unknown[0])
        for fld in ("title_en", "title_zh", "source"):
            _text(spec[fld], lambda m, fld=fld: err(m, fld))
        start = _date(spec["effective_from"], nullable=True, err=lambda m: err(m, "effective_from"))
        end = _date(spec["effective_to"], nullable=True, err=lambda m: err(m, "effective_to"))
        if start and end and end < start:
            raise err("ends before it starts", "effective_to")
        for other, (o_from, o_to) in out.items():
            if _window_overlaps(start, end, o_from, o_to):
                raise err(
                    f"overlaps regime {other!r}: a project must fall in one regime",
                    "effective_from",
                )
        out[str(name)] = (start, end)
    return out


def _parse_rule(
    raw: Any, index: int, regimes: Mapping[str, tuple[dt.date | None, dt.date | None]], path: Path
) -> Rule:
    label = f"#{index + 1}"
    if isinstance(raw, dict) and isinstance(raw.get("id"), str) and raw["id"].strip():
        label = raw["id"].strip()

    def err_for(fld: str | None) -> Callable[[str], RuleFileError]:
        return lambda msg: RuleFileError(msg, rule_id=label, field=fld, path=path)

    if not isinstance(raw, dict):
        raise err_for(None)("each rule must be a mapping of fields")
    for fld in _RULE_FIELDS:
        if fld not in raw:
            raise err_for(fld)("is missing")
    unknown = sorted(set(raw) - set(_RULE_FIELDS) - set(_OPTIONAL_RULE_FIELDS))
    if unknown:
        raise err_for(unknown[0])(f"unknown field (known: {', '.join(_RULE_FIELDS)}, date_basis)")

    rule_id = _text(raw["id"], err_for("id"))
    if not _ID_RE.match(rule_id):
        raise err_for("id")(f"{rule_id!r} is not a slug (lower case, digits, '.', '_', '-')")
    texts = {
        fld: _text(raw[fld], err_for(fld)) for fld in ("title_en", "title_zh", "source", "article")
    }
    start = _date(raw["effective_from"], nullable=False, err=err_for("effective_from"))
    end = _date(raw["effective_to"], nullable=True, err=err_for("effective_to"))
    if end is not None and end < start:
        raise err_for("effective_to")(
            f"{end.isoformat()} is before effective_from {start.isoformat()}"
        )

    regime = raw["regime"]
    regime_from = regime_to = None
    if regime is not None:
        if regime not in regimes:
            known = ", ".join(regimes) or "none declared"
            raise err_for("regime")(f"unknown regime {regime!r} (declared: {known})")
        regime_from, regime_to = regimes[regime]
        if (regime_from and start < regime_from) or (
            regime_to and (end is None or end > regime_to)
        ):
            raise err_for(
                "effective_from" if regime_from and start < regime_from else "effective_to"
            )(
                f"the rule's window {start.isoformat()}..{end.isoformat() if end else 'open'} "
                f"must lie inside regime {regime!r} "
                f"({regime_from.isoformat() if regime_from else 'open'}.."
                f"{regime_to.isoformat() if regime_to else 'open'})"
            )

    applies = raw["applies_to"]
    if not isinstance(applies, list) or not applies:
        raise err_for("applies_to")(
            f"expected a non-empty list of operation models, got {applies!r}"
        )
    models = set()
    for value in applies:
        try:
            models.add(OperationModel(value))
        except ValueError:
            allowed = ", ".join(m.value for m in OperationModel)
            raise err_for("applies_to")(
                f"unknown operation model {value!r} (allowed: {allowed})"
            ) from None

    check = raw["check"]
    if check not in CHECKS:
        raise err_for("check")(f"unknown check {check!r} (known: {', '.join(CHECKS)})")
    spec = CHECKS[check]

    params_raw = raw["params"] if raw["params"] is not None else {}
    if not isinstance(params_raw, dict):
        raise err_for("params")(f"expected a mapping, got {params_raw!r}")
    params: dict[str, Any] = {}
    for name in spec.required:
        if name not in params_raw:
            raise err_for(f"params.{name}")(f"is missing (check {check} needs it)")
    for name, value in params_raw.items():
        parse = spec.required.get(name) or spec.optional.get(name)
        if parse is None:
            known = ", ".join([*spec.required, *spec.optional]) or "none"
            raise err_for(f"params.{name}")(f"unknown parameter for {check} (known: {known})")
        try:
            params[name] = parse(value)
        except ValueError as exc:
            raise err_for(f"params.{name}")(str(exc)) from None

    date_basis = raw.get("date_basis", "approval")
    if date_basis not in ("approval", "as_of"):
        raise err_for("date_basis")(f"expected approval or as_of, got {date_basis!r}")

    return Rule(
        id=rule_id,
        effective_from=start,
        effective_to=end,
        regime=regime,
        applies_to=frozenset(models),
        params=MappingProxyType(params),
        check=check,
        date_basis=date_basis,
        regime_from=regime_from,
        regime_to=regime_to,
        **texts,
    )


def load_rules(path: Path | str | None = None) -> list[Rule]:
    """Read and validate a rule file (default: the packaged ``data/rules.yaml``)."""
    path = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(f"cannot read the rule file: {exc}", path=path) from exc
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise RuleFileError(f"not valid YAML: {exc}", path=path) from exc
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        raise RuleFileError(
            "the file must be a mapping with a 'rules' list", field="rules", path=path
        )
    unknown = sorted(set(data) - {"version", "regimes", "rules"})
    if unknown:
        raise RuleFileError(
            f"unknown top-level key(s): {', '.join(unknown)}", field=unknown[0], path=path
        )
    regimes = _parse_regimes(data.get("regimes"), path)
    rules = [_parse_rule(raw, i, regimes, path) for i, raw in enumerate(data["rules"])]
    seen: dict[str, list[Rule]] = {}
    for rule in rules:
        for other in seen.get(rule.id, []):
            if _window_overlaps(
                rule.effective_from, rule.effective_to, other.effective_from, other.effective_to
            ):
                raise RuleFileError(
                    "duplicate id whose effective window overlaps another version's "
                    f"({other.effective_from.isoformat()}.."
                    f"{other.effective_to.isoformat() if other.effective_to else 'open'}); "
                    "versions of a rule need disjoint windows",
                    rule_id=rule.id,
                    field="effective_from",
                    path=path,
                )
        seen.setdefault(rule.id, []).append(rule)
    return rules


# ---------------------------------------------------------------------------------------------
# Checking a project


def project_regime(facts: ProjectFacts, *, rules: Iterable[Rule], as_of: dt.date) -> str | None:
    """The PPP regime a PPP project falls in (by its approval date, else ``as_of``), from the
    regimes the rules declare; None for other models or when no regime covers the date."""
    if facts.operation_model != OperationModel.PPP:
        return None
    day = reference_date(facts, as_of)
    for rule in rules:
        if (
            rule.regime
            and (rule.regime_from is None or rule.regime_from <= day)
            and (rule.regime_to is None or day <= rule.regime_to)
        ):
            return rule.regime
    return None


def _not_applicable(rule: Rule, facts: ProjectFacts, as_of: dt.date) -> Verdict | None:
    model = OperationModel(facts.operation_model)
    if model not in rule.applies_to:
        models = ", ".join(sorted(m.value for m in rule.applies_to))
        return Verdict(
            Outcome.NOT_APPLICABLE,
            f"Applies to {models}, not to {model.value}.",
            f"本条适用于 {models}，不适用于 {model.value}。",
        )
    if rule.date_basis == "as_of":
        day, what_en, what_zh = as_of, "on", "截至"
    elif facts.approval_date is not None:
        day, what_en, what_zh = facts.approval_date, "for projects approved on", "项目批准日"
    else:
        day, what_en, what_zh = as_of, "on", "截至"
    if not rule.in_force_on(day):
        start, end = rule.effective_from.isoformat(), rule.effective_to
        window_en = f"{start} to {end.isoformat()}" if end else f"from {start}"
        window_zh = f"{start} 至 {end.isoformat()}" if end else f"{start} 起"
        regime_en = f" (regime {rule.regime})" if rule.regime else ""
        regime_zh = f"（{rule.regime}）" if rule.regime else ""
        return Verdict(
            Outcome.NOT_APPLICABLE,
            f"Not in force {what_en} {day.isoformat()}: applies {window_en}{regime_en}.",
            f"{what_zh} {day.isoformat()} 不在本条适用期间（{window_zh}）{regime_zh}。",
        )
    return None


def check_project(
    facts: ProjectFacts,
    context: PortfolioContext,
    *,
    rules: Iterable[Rule],
    as_of: dt.date,
    include_not_applicable: bool = False,
) -> list[Finding]:
    """One finding per applicable rule, in file order. Rules that do not apply are omitted, or
    returned once per rule id as NOT_APPLICABLE with the reason when asked."""
    findings: list[Finding] = []
    skipped: dict[str, Finding] = {}
    applied: set[str] = set()
    for rule in rules:
        verdict = _not_applicable(rule, facts, as_of)
        if verdict is None:
            verdict = CHECKS[rule.check].func(rule, facts, context, as_of)
        finding = Finding(
            rule_id=rule.id,
            outcome=verdict.outcome,
            message_en=verdict.message_en,
            message_zh=verdict.message_zh,
            source=rule.source,
            article=rule.article,
            regime=rule.regime,
            title_en=rule.title_en,
            title_zh=rule.title_zh,
        )
        if verdict.outcome is Outcome.NOT_APPLICABLE:
            skipped.setdefault(rule.id, finding)
            continue
        applied.add(rule.id)
        findings.append(finding)
    if include_not_applicable:
        findings.extend(f for rid, f in skipped.items() if rid not in applied)
    return findings


def summary(findings: Iterable[Finding]) -> Outcome:
    """The worst outcome (fail > warn > pass); NOT_APPLICABLE when no rule applied."""
    worst = Outcome.NOT_APPLICABLE
    for finding in findings:
        if _SEVERITY.get(finding.outcome, 0) > _SEVERITY.get(worst, 0):
            worst = finding.outcome
    return worst
