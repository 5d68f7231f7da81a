"""Compliance engine (pure: no database): every rule passes and fails, the boundaries of its
figures, the 2023 regime switch, and the validation of the rule file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest

from cityops.portfolio.domain.compliance import (
    DEFAULT_RULES_PATH,
    Finding,
    RuleFileError,
    check_project,
    load_rules,
    project_regime,
    summary,
)
from cityops.portfolio.domain.facts import PortfolioContext, ProjectFacts
from cityops.portfolio.domain.vocab import (
    OperationModel,
    OperationObject,
    Outcome,
    PPPSubtype,
    ReturnMechanism,
    ServiceCategory,
)

RULES = load_rules()
AS_OF = dt.date(2025, 6, 30)
SWITCH = dt.date(2023, 11, 8)  # 国办函〔2023〕115号: the concession regime starts
EMPTY = PortfolioContext()
PASS, WARN, FAIL, NA = Outcome.PASS, Outcome.WARN, Outcome.FAIL, Outcome.NOT_APPLICABLE


# -- builders ---------------------------------------------------------------------------------


def purchase(**kw) -> ProjectFacts:
    base = dict(
        code="P-BUY",
        name="政务云服务",
        region_code="110108",
        operation_model=OperationModel.PURCHASE,
        approval_date=dt.date(2024, 3, 1),
        contract_term_years=D(1),
    )
    return ProjectFacts(**{**base, **kw})


def ppp_old(**kw) -> ProjectFacts:
    """A PPP of the 2019 regime: approved 2021, 2-year build + 10-year operation from 2021."""
    base = dict(
        code="P-PPP",
        name="智慧城市 PPP",
        region_code="430300",
        operation_model=OperationModel.PPP,
        approval_date=dt.date(2021, 5, 1),
        start_year=2021,
        build_years=2,
        operation_years=10,
        ppp_subtype=PPPSubtype.BOT,
        return_mechanism=ReturnMechanism.VGF,
        user_payment_share=D("0.30"),
    )
    return ProjectFacts(**{**base, **kw})


def concession(**kw) -> ProjectFacts:
    """A PPP of the 2023 mechanism: approved 2024-06-01, user-pay concession, 2 + 25 years."""
    base = dict(
        code="P-CON",
        name="智慧停车特许经营",
        region_code="430100",
        operation_model=OperationModel.PPP,
        approval_date=dt.date(2024, 6, 1),
        start_year=2024,
        build_years=2,
        operation_years=25,
        ppp_subtype=PPPSubtype.BOT,
        return_mechanism=ReturnMechanism.USER_PAY,
        user_payment_share=D("0.80"),
        concession=True,
    )
    return ProjectFacts(**{**base, **kw})


def platform(**kw) -> ProjectFacts:
    base = dict(
        code="P-PLAT",
        name="数智科技",
        region_code="430100",
        operation_model=OperationModel.PLATFORM,
        approval_date=dt.date(2023, 1, 1),
    )
    return ProjectFacts(**{**base, **kw})


def epc(**kw) -> ProjectFacts:
    base = dict(
        code="P-EPC",
        name="新型智慧城市一期",
        region_code="440881",
        operation_model=OperationModel.EPC,
        approval_date=dt.date(2022, 1, 1),
        operation_objects=frozenset({OperationObject.INFRASTRUCTURE, OperationObject.SYSTEM}),
    )
    return ProjectFacts(**{**base, **kw})


def shares(value: str, years=range(2015, 2060), **overrides: str) -> PortfolioContext:
    """PPP share of the general public budget: ``value`` every year, with overrides y2027=..."""
    by_year = {y: D(value) for y in years}
    by_year.update({int(k[1:]): D(v) for k, v in overrides.items()})
    return PortfolioContext(ppp_share_by_year=by_year)


def findings(facts, context=EMPTY, as_of=AS_OF, **kw) -> dict[str, Finding]:
    out = check_project(facts, context, rules=RULES, as_of=as_of, **kw)
    ids = [f.rule_id for f in out]
    assert len(ids) == len(set(ids)), f"one finding per rule: {ids}"
    return {f.rule_id: f for f in out}


def finding(rule_id, facts, context=EMPTY, as_of=AS_OF) -> Finding:
    got = findings(facts, context, as_of)
    assert rule_id in got, f"{rule_id} did not apply; got {sorted(got)}"
    return got[rule_id]


# -- every rule passes and fails: one table --------------------------------------------------

NEW = dict(approval_date=None)  # a PPP still being planned: judged by as_of's rules
AS_OF_2022 = dt.date(2022, 6, 1)  # before the 2023 switch, so a new PPP is in the 2019 regime

CASES = [
    # purchase.term
    ("term 1 year", "purchase.term", purchase(), EMPTY, AS_OF, PASS),
    ("term 0.5 year", "purchase.term", purchase(contract_term_years=D("0.5")), EMPTY, AS_OF, PASS),
    # Renewed into 3 years in all: the four conditions of art. 24 apply to the whole term.
    ("1 year renewable twice, no conditions", "purchase.term", purchase(renewals=2), EMPTY,
     AS_OF, FAIL),
    ("1 year renewable twice, four conditions", "purchase.term",
     purchase(renewals=2, content_fixed=True, continuity_strong=True, funding_stable=True,
              prices_stable=True), EMPTY, AS_OF, PASS),
    ("1 year renewable 3 times", "purchase.term", purchase(renewals=3), EMPTY, AS_OF, FAIL),
    (
        "2 years, no conditions",
        "purchase.term",
        purchase(contract_term_years=D(2)),
        EMPTY,
        AS_OF,
        FAIL,
    ),
    (
        "3 years, all conditions",
        "purchase.term",
        purchase(
            contract_term_years=D(3),
            content_fixed=True,
            continuity_strong=True,
            funding_stable=True,
            prices_stable=True,
        ),
        EMPTY,
        AS_OF,
        PASS,
    ),
    (
        "3 years, prices not stable",
        "purchase.term",
        purchase(
            contract_term_years=D(3),
            content_fixed=True,
            continuity_strong=True,
            funding_stable=True,
        ),
        EMPTY,
        AS_OF,
        FAIL,
    ),
    (
        "4 years, all conditions",
        "purchase.term",
        purchase(
            contract_term_years=D(4),
            content_fixed=True,
            continuity_strong=True,
            funding_stable=True,
            prices_stable=True,
        ),
        EMPTY,
        AS_OF,
        FAIL,
    ),
    ("term not recorded", "purchase.term", purchase(contract_term_years=None), EMPTY, AS_OF, WARN),
    # purchase.negative_list
    ("a service", "purchase.negative_list", purchase(), EMPTY, AS_OF, PASS),
    (
        "goods",
        "purchase.negative_list",
        purchase(service_category=ServiceCategory.GOODS),
        EMPTY,
        AS_OF,
        FAIL,
    ),
    (
        "service with works",
        "purchase.negative_list",
        purchase(construction_share=D("0.3")),
        EMPTY,
        AS_OF,
        WARN,
    ),
    # ppp.fiscal_red_line (2019 version)
    ("share 6%", "ppp.fiscal_red_line", ppp_old(), shares("0.06"), AS_OF, PASS),
    ("share 7% exactly", "ppp.fiscal_red_line", ppp_old(), shares("0.07"), AS_OF, PASS),
    ("share 8%", "ppp.fiscal_red_line", ppp_old(), shares("0.08"), AS_OF, WARN),
    ("share 10% exactly", "ppp.fiscal_red_line", ppp_old(), shares("0.10"), AS_OF, WARN),
    (
        "share 10.01% one year",
        "ppp.fiscal_red_line",
        ppp_old(),
        shares("0.06", y2027="0.1001"),
        AS_OF,
        FAIL,
    ),
    ("no fiscal data", "ppp.fiscal_red_line", ppp_old(), EMPTY, AS_OF, WARN),
    # ppp.fiscal_red_line (2015 version, approved 2016)
    (
        "2016 project at 9.5%",
        "ppp.fiscal_red_line",
        ppp_old(approval_date=dt.date(2016, 8, 1), start_year=2016),
        shares("0.095"),
        AS_OF,
        PASS,
    ),
    (
        "2016 project at 11%",
        "ppp.fiscal_red_line",
        ppp_old(approval_date=dt.date(2016, 8, 1), start_year=2016),
        shares("0.11"),
        AS_OF,
        FAIL,
    ),
    # ppp.government_pay_line
    (
        "new gov-pay at 5% exactly",
        "ppp.government_pay_line",
        ppp_old(return_mechanism=ReturnMechanism.GOVERNMENT_PAY, **NEW),
        shares("0.05"),
        AS_OF_2022,
        PASS,
    ),
    (
        "new gov-pay at 6%",
        "ppp.government_pay_line",
        ppp_old(return_mechanism=ReturnMechanism.GOVERNMENT_PAY, **NEW),
        shares("0.06"),
        AS_OF_2022,
        FAIL,
    ),
    # ppp.bundling
    ("not bundled", "ppp.bundling", ppp_old(user_payment_share=D(0)), EMPTY, AS_OF, PASS),
    (
        "bundled, user pay 10% exactly",
        "ppp.bundling",
        ppp_old(bundled_unrelated_parts=True, user_payment_share=D("0.10")),
        EMPTY,
        AS_OF,
        PASS,
    ),
    (
        "bundled, user pay 9%",
        "ppp.bundling",
        ppp_old(bundled_unrelated_parts=True, user_payment_share=D("0.09")),
        EMPTY,
        AS_OF,
        FAIL,
    ),
    # ppp.term
    ("term 12", "ppp.term", ppp_old(), EMPTY, AS_OF, PASS),
    ("term 10 exactly", "ppp.term", ppp_old(build_years=2, operation_years=8), EMPTY, AS_OF, PASS),
    ("term 30 exactly", "ppp.term", ppp_old(build_years=3, operation_years=27), EMPTY, AS_OF, PASS),
    ("term 9", "ppp.term", ppp_old(build_years=2, operation_years=7), EMPTY, AS_OF, FAIL),
    ("term 31", "ppp.term", ppp_old(build_years=3, operation_years=28), EMPTY, AS_OF, FAIL),
    (
        "term not recorded",
        "ppp.term",
        ppp_old(build_years=0, operation_years=0),
        EMPTY,
        AS_OF,
        WARN,
    ),
    # ppp.not_bt
    ("BOT", "ppp.not_bt", ppp_old(), EMPTY, AS_OF, PASS),
    ("BT", "ppp.not_bt", ppp_old(ppp_subtype=PPPSubtype.BT), EMPTY, AS_OF, FAIL),
    (
        "BT under the concession regime",
        "ppp.not_bt",
        concession(ppp_subtype=PPPSubtype.BT),
        EMPTY,
        AS_OF,
        FAIL,
    ),
    ("subtype not recorded", "ppp.not_bt", ppp_old(ppp_subtype=None), EMPTY, AS_OF, WARN),
    # concession.user_pay
    (
        "user pay 50% exactly",
        "concession.user_pay",
        concession(user_payment_share=D("0.5")),
        EMPTY,
        AS_OF,
        PASS,
    ),
    (
        "user pay 49%",
        "concession.user_pay",
        concession(user_payment_share=D("0.49")),
        EMPTY,
        AS_OF,
        FAIL,
    ),
    # concession.no_fiscal_burden
    ("no new burden", "concession.no_fiscal_burden", concession(), EMPTY, AS_OF, PASS),
    (
        "new burden",
        "concession.no_fiscal_burden",
        concession(adds_fiscal_burden=True),
        EMPTY,
        AS_OF,
        FAIL,
    ),
    # concession.mode
    ("a concession", "concession.mode", concession(), EMPTY, AS_OF, PASS),
    ("not a concession", "concession.mode", concession(concession=False), EMPTY, AS_OF, FAIL),
    # concession.term (2024 version: 40 years)
    (
        "concession 40 exactly",
        "concession.term",
        concession(build_years=2, operation_years=38),
        EMPTY,
        AS_OF,
        PASS,
    ),
    (
        "concession 41",
        "concession.term",
        concession(build_years=2, operation_years=39),
        EMPTY,
        AS_OF,
        FAIL,
    ),
    # concession.term (2015 version: 30 years, approvals 2023-11-08 .. 2024-04-30)
    (
        "interim concession 30",
        "concession.term",
        concession(approval_date=dt.date(2024, 1, 15), build_years=2, operation_years=28),
        EMPTY,
        AS_OF,
        PASS,
    ),
    (
        "interim concession 31",
        "concession.term",
        concession(approval_date=dt.date(2024, 1, 15), build_years=2, operation_years=29),
        EMPTY,
        AS_OF,
        FAIL,
    ),
    # platform.one_per_locality
    (
        "one platform company",
        "platform.one_per_locality",
        platform(),
        PortfolioContext(platform_companies_by_region={"430100": 1}),
        AS_OF,
        PASS,
    ),
    (
        "two platform companies",
        "platform.one_per_locality",
        platform(),
        PortfolioContext(platform_companies_by_region={"430100": 2}),
        AS_OF,
        FAIL,
    ),
    (
        "none recorded",
        "platform.one_per_locality",
        platform(),
        PortfolioContext(platform_companies_by_region={"430200": 1}),
        AS_OF,
        WARN,
    ),
    # epc.operations_handover
    (
        "hand-over plan",
        "epc.operations_handover",
        epc(has_operations_handover_plan=True),
        EMPTY,
        AS_OF,
        PASS,
    ),
    ("no plan, builds a system", "epc.operations_handover", epc(), EMPTY, AS_OF, FAIL),
    (
        "no plan, infrastructure only",
        "epc.operations_handover",
        epc(operation_objects=frozenset({OperationObject.INFRASTRUCTURE})),
        EMPTY,
        AS_OF,
        WARN,
    ),
]


@pytest.mark.parametrize(
    ("rule_id", "facts", "context", "as_of", "expected"),
    [case[1:] for case in CASES],
    ids=[f"{case[1]}: {case[0]}" for case in CASES],
)
def test_rule_outcome(rule_id, facts, context, as_of, expected):
    f = finding(rule_id, facts, context, as_of)
    assert f.outcome == expected, f.message_en
    assert f.message_en and f.message_zh


def test_every_rule_version_has_a_passing_and_a_failing_case():
    seen = set()
    for _, rule_id, facts, context, as_of, _expected in CASES:
        f = finding(rule_id, facts, context, as_of)
        seen.add((f.rule_id, f.source, f.outcome))
    for rule in RULES:
        for outcome in (PASS, FAIL):
            assert (rule.id, rule.source, outcome) in seen, (
                f"no {outcome} case for {rule.id} ({rule.source})"
            )


# -- messages state the numbers ---------------------------------------------------------------


def test_purchase_term_message_names_the_term_and_missing_conditions():
    f = finding(
        "purchase.term",
        purchase(contract_term_years=D(2), content_fixed=True, continuity_strong=True),
    )
    assert f.outcome == FAIL
    assert "合同期限 2 年，超过 1 年" in f.message_zh
    assert "未同时满足" in f.message_zh and "四个条件" in f.message_zh
    assert "未满足：经费来源稳定、价格变化幅度小" in f.message_zh
    assert "Contract term 2 years, longer than 1 year" in f.message_en
    assert "stable funding, stable prices" in f.message_en


def test_purchase_term_renewals_count_toward_three_years():
    ok = finding("purchase.term", purchase(renewals=2, content_fixed=True, continuity_strong=True,
                                           funding_stable=True, prices_stable=True))
    assert "总期限 3 年" in ok.message_zh
    bad = finding("purchase.term", purchase(renewals=3))
    assert "可续签 3 次，总期限 4 年，超过最长 3 年" in bad.message_zh
    # 1.5 years renewable once: 3 years in all, and > 1 year so the four conditions are needed
    conditions = dict(
        content_fixed=True, continuity_strong=True, funding_stable=True, prices_stable=True
    )
    with_all = purchase(contract_term_years=D("1.5"), renewals=1, **conditions)
    assert finding("purchase.term", with_all).outcome == PASS
    without = purchase(contract_term_years=D("1.5"), renewals=1)
    assert finding("purchase.term", without).outcome == FAIL


@pytest.mark.parametrize(
    ("category", "item"),
    [
        (ServiceCategory.OUTSIDE_DUTIES, "（一）"),
        (ServiceCategory.GOVERNMENT_ONLY, "（二）"),
        (ServiceCategory.GOODS, "（三）"),
        (ServiceCategory.WORKS, "（三）"),
        (ServiceCategory.WORKS_WITH_SERVICES, "（三）"),
        (ServiceCategory.FINANCING, "（四）"),
        (ServiceCategory.OWN_STAFFING, "（五）"),
        (ServiceCategory.OTHER_BARRED, "（六）"),
    ],
)
def test_negative_list_names_the_item(category, item):
    f = finding("purchase.negative_list", purchase(service_category=category))
    assert f.outcome == FAIL
    assert f"负面清单第{item}项" in f.message_zh
    assert "negative list, item (" in f.message_en


def test_red_line_message_names_year_and_share():
    f = finding("ppp.fiscal_red_line", ppp_old(), shares("0.06", y2027="0.104", y2028="0.11"))
    assert f.outcome == FAIL
    assert "2028 年" in f.message_zh and "11%" in f.message_zh and "10% 红线" in f.message_zh
    assert "2027–2028" in f.message_zh  # the years above the line
    assert "11% of the general public budget expenditure in 2028" in f.message_en


def test_red_line_only_counts_the_projects_years():
    # project years 2021-2032; a breach in 2040 is not this project's
    f = finding("ppp.fiscal_red_line", ppp_old(), shares("0.05", y2040="0.15"))
    assert f.outcome == PASS
    assert "2021–2032" in f.message_zh


def test_red_line_missing_years_warn():
    f = finding("ppp.fiscal_red_line", ppp_old(), shares("0.05", years=range(2021, 2030)))
    assert f.outcome == WARN
    assert "2030–2032 年缺少数据" in f.message_zh


def test_red_line_without_start_year_uses_all_years_on_record():
    f = finding("ppp.fiscal_red_line", ppp_old(start_year=None), shares("0.05", y2050="0.12"))
    assert f.outcome == FAIL and "2050" in f.message_zh


def test_2016_red_line_cites_2015_guide_and_has_no_warning_line():
    f = finding(
        "ppp.fiscal_red_line",
        ppp_old(approval_date=dt.date(2016, 8, 1), start_year=2016),
        shares("0.095"),
    )
    assert f.outcome == PASS
    assert "财金〔2015〕21号" in f.source and f.article.startswith("第二十五条")


# -- the 5% line only bars NEW government-pay PPP --------------------------------------------


def test_government_pay_line_not_for_approved_or_non_government_pay_projects():
    high = shares("0.08")
    approved = ppp_old(return_mechanism=ReturnMechanism.GOVERNMENT_PAY)
    assert "ppp.government_pay_line" not in findings(approved, high)
    vgf = ppp_old(return_mechanism=ReturnMechanism.VGF, **NEW)
    assert "ppp.government_pay_line" not in findings(vgf, high, AS_OF_2022)
    # approved after as_of: still new
    later = ppp_old(
        return_mechanism=ReturnMechanism.GOVERNMENT_PAY, approval_date=dt.date(2023, 3, 1)
    )
    f = finding("ppp.government_pay_line", later, high, as_of=dt.date(2023, 1, 1))
    assert f.outcome == FAIL
    assert "超过 5%" in f.message_zh and "不得新上政府付费项目" in f.message_zh


def test_government_pay_line_uses_the_share_of_all_ppp():
    context = PortfolioContext(
        ppp_share_by_year={y: D("0.06") for y in range(2020, 2040)},
        government_pay_ppp_share_by_year={y: D("0.01") for y in range(2020, 2040)},
    )
    new = ppp_old(return_mechanism=ReturnMechanism.GOVERNMENT_PAY, **NEW)
    assert finding("ppp.government_pay_line", new, context, AS_OF_2022).outcome == FAIL


def test_a_new_ppp_today_falls_under_the_concession_regime():
    # not approved yet: judged by as_of, which is after the switch
    got = findings(ppp_old(return_mechanism=ReturnMechanism.GOVERNMENT_PAY, **NEW), shares("0.08"))
    assert "ppp.government_pay_line" not in got
    assert got["concession.user_pay"].outcome == FAIL


# -- the 2023 switch ---------------------------------------------------------------------------

OLD_IDS = {"ppp.fiscal_red_line", "ppp.government_pay_line", "ppp.bundling", "ppp.term"}
NEW_IDS = {
    "concession.user_pay",
    "concession.no_fiscal_burden",
    "concession.mode",
    "concession.term",
}


def test_approved_the_day_before_the_switch_gets_the_2019_rules():
    facts = ppp_old(approval_date=SWITCH - dt.timedelta(days=1))
    got = findings(facts, shares("0.05"))
    assert OLD_IDS - {"ppp.government_pay_line"} <= set(got)
    assert not NEW_IDS & set(got)
    assert {got[i].regime for i in OLD_IDS - {"ppp.government_pay_line"}} == {"ppp-2019"}
    assert got["ppp.not_bt"].regime is None
    assert project_regime(facts, rules=RULES, as_of=AS_OF) == "ppp-2019"


def test_approved_on_the_switch_day_gets_the_concession_rules():
    facts = concession(approval_date=SWITCH)
    got = findings(facts, shares("0.12"))
    assert NEW_IDS <= set(got)
    assert not OLD_IDS & set(got)
    assert {got[i].regime for i in NEW_IDS} == {"concession-2023"}
    assert project_regime(facts, rules=RULES, as_of=AS_OF) == "concession-2023"
    # the interim concession term comes from the 2015 measures, 30 years
    assert "令第25号" in got["concession.term"].source
    assert "ppp.not_bt" in got


def test_concession_term_switches_to_40_years_on_2024_05_01():
    facts = concession(build_years=2, operation_years=33)  # 35 years
    before = finding(
        "concession.term",
        concession(approval_date=dt.date(2024, 4, 30), build_years=2, operation_years=33),
    )
    after = finding(
        "concession.term",
        concession(approval_date=dt.date(2024, 5, 1), build_years=2, operation_years=33),
    )
    assert before.outcome == FAIL and "超过 30 年" in before.message_zh
    assert after.outcome == PASS and "不超过 40 年" in after.message_zh
    assert "第17号" in after.source and after.article.startswith("第九条")
    assert finding("concession.term", facts).outcome == PASS


def test_project_regime_is_none_outside_ppp():
    assert project_regime(purchase(), rules=RULES, as_of=AS_OF) is None


# -- which rules apply ------------------------------------------------------------------------


def test_rules_apply_by_model():
    assert set(findings(purchase())) == {"purchase.term", "purchase.negative_list"}
    assert set(findings(epc())) == {"epc.operations_handover"}
    plat = PortfolioContext(platform_companies_by_region={"430100": 1})
    assert set(findings(platform(), plat)) == {"platform.one_per_locality"}
    joint = ProjectFacts(
        code="J", name="j", region_code="510100", operation_model=OperationModel.JOINT
    )
    assert findings(joint) == {}
    assert summary(check_project(joint, EMPTY, rules=RULES, as_of=AS_OF)) == NA


def test_purchase_rules_apply_by_approval_date_or_as_of():
    # approved before 财政部令第102号 took effect (2020-03-01): not checked against it
    assert findings(purchase(approval_date=dt.date(2020, 2, 29))) == {}
    assert set(findings(purchase(approval_date=dt.date(2020, 3, 1)))) == {
        "purchase.term",
        "purchase.negative_list",
    }
    # not approved: judged by as_of
    assert findings(purchase(approval_date=None), as_of=dt.date(2020, 2, 29)) == {}
    assert "purchase.term" in findings(purchase(approval_date=None), as_of=dt.date(2020, 3, 1))


def test_epc_message_names_the_objects_that_need_operations():
    f = finding("epc.operations_handover", epc())
    assert "项目建设的系统需要持续运营" in f.message_zh and "建运分离" in f.message_zh
    assert "(system)" in f.message_en


def test_purchase_term_without_any_condition_says_so():
    f = finding("purchase.term", purchase(contract_term_years=D(2)))
    assert "四个条件均未满足" in f.message_zh and "none is met" in f.message_en


def test_guidance_rules_are_judged_on_as_of_whatever_the_approval_date():
    old = epc(approval_date=dt.date(2018, 1, 1))
    assert findings(old)["epc.operations_handover"].outcome == FAIL
    assert findings(old, as_of=dt.date(2023, 12, 31)) == {}


def test_not_applicable_rules_are_listed_only_on_request():
    facts = ppp_old()
    got = check_project(
        facts, shares("0.05"), rules=RULES, as_of=AS_OF, include_not_applicable=True
    )
    ids = [f.rule_id for f in got]
    assert sorted(ids) == sorted({r.id for r in RULES})  # each id once, versions folded
    na = {f.rule_id: f for f in got if f.outcome == NA}
    assert "purchase.term" in na and "concession.mode" in na
    assert "2023-11-08" in na["concession.mode"].message_en
    assert "不是政府付费项目" in na["ppp.government_pay_line"].message_zh
    # n/a findings do not change the summary
    applicable = [f for f in got if f.outcome != NA]
    assert summary(got) == summary(applicable)


def test_every_finding_carries_source_and_article_of_its_rule():
    by_key = {(r.id, r.source): r for r in RULES}
    gov_pay_new = ppp_old(return_mechanism=ReturnMechanism.GOVERNMENT_PAY, **NEW)
    projects = [
        (purchase(), EMPTY, AS_OF),
        (ppp_old(), shares("0.05"), AS_OF),
        (ppp_old(approval_date=dt.date(2016, 8, 1), start_year=2016), shares("0.05"), AS_OF),
        (gov_pay_new, shares("0.05"), AS_OF_2022),
        (concession(), EMPTY, AS_OF),
        (concession(approval_date=SWITCH), EMPTY, AS_OF),
        (platform(), PortfolioContext(platform_companies_by_region={"430100": 1}), AS_OF),
        (epc(), EMPTY, AS_OF),
    ]
    seen = set()
    for facts, context, as_of in projects:
        for f in check_project(facts, context, rules=RULES, as_of=as_of):
            rule = by_key[(f.rule_id, f.source)]
            assert f.source and f.article
            assert f.article == rule.article and f.regime == rule.regime
            assert f.title_zh == rule.title_zh
            seen.add((f.rule_id, f.source))
    assert seen == set(by_key), "every rule version is reached by one of these projects"


def test_summary_is_the_worst_outcome():
    def f(outcome):
        return Finding("r", outcome, "", "", "s", "a", None)

    assert summary([f(PASS), f(WARN), f(PASS)]) == WARN
    assert summary([f(WARN), f(FAIL), f(NA)]) == FAIL
    assert summary([f(PASS), f(NA)]) == PASS
    assert summary([]) == NA
    got = check_project(purchase(contract_term_years=D(4)), EMPTY, rules=RULES, as_of=AS_OF)
    assert summary(got) == FAIL


# -- the rule file ----------------------------------------------------------------------------


def test_packaged_rule_file_loads():
    assert DEFAULT_RULES_PATH.is_file()
    rules = load_rules(DEFAULT_RULES_PATH)
    ids = {r.id for r in rules}
    assert {
        "purchase.term",
        "purchase.negative_list",
        "ppp.fiscal_red_line",
        "ppp.government_pay_line",
        "ppp.bundling",
        "ppp.term",
        "ppp.not_bt",
        "concession.user_pay",
        "concession.no_fiscal_burden",
        "concession.mode",
        "concession.term",
        "platform.one_per_locality",
        "epc.operations_handover",
    } <= ids
    term = next(r for r in rules if r.id == "purchase.term")
    assert term.params["max_years"] == 1 and term.params["max_years_with_conditions"] == 3
    assert term.effective_from == dt.date(2020, 3, 1) and term.effective_to is None
    assert term.article.startswith("第二十四条") and "102号" in term.source


GOOD_RULE = """\
regimes:
  ppp-2019: {title_en: old, title_zh: 旧, source: 财金〔2019〕10号, effective_from: null,
             effective_to: 2023-11-07}
rules:
  - id: purchase.term
    title_en: Purchase term
    title_zh: 期限
    source: 《政府购买服务管理办法》(财政部令第102号)
    article: 第二十四条
    effective_from: 2020-03-01
    effective_to: null
    regime: null
    applies_to: [purchase]
    params: {max_years: 1, max_years_with_conditions: 3}
    check: check_purchase_term
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_minimal_rule_file_loads(tmp_path):
    (rule,) = load_rules(write(tmp_path, GOOD_RULE))
    assert rule.id == "purchase.term"


@pytest.mark.parametrize(
    ("old", "new", "rule_id", "field", "says"),
    [
        (
            "check: check_purchase_term",
            "check: check_purchase_trem",
            "purchase.term",
            "check",
            "unknown check 'check_purchase_trem'",
        ),
        ("    article: 第二十四条\n", "", "purchase.term", "article", "is missing"),
        (
            "effective_from: 2020-03-01",
            "effective_from: 2020-13-01",
            "purchase.term",
            "effective_from",
            "not an ISO date",
        ),
        (
            "effective_from: 2020-03-01",
            "effective_from: March 2020",
            "purchase.term",
            "effective_from",
            "not an ISO date",
        ),
        (
            "effective_to: null",
            "effective_to: 2019-01-01",
            "purchase.term",
            "effective_to",
            "before effective_from",
        ),
        (
            "effective_from: 2020-03-01",
            "effective_from: null",
            "purchase.term",
            "effective_from",
            "is required",
        ),
        (
            "applies_to: [purchase]",
            "applies_to: [purchase, bot]",
            "purchase.term",
            "applies_to",
            "unknown operation model 'bot'",
        ),
        (
            "regime: null",
            "regime: ppp-2015",
            "purchase.term",
            "regime",
            "unknown regime 'ppp-2015'",
        ),
        ("max_years: 1, ", "", "purchase.term", "params.max_years", "is missing"),
        (
            "max_years: 1,",
            "max_years: one,",
            "purchase.term",
            "params.max_years",
            "expected a number",
        ),
        (
            "max_years: 1,",
            "max_years: 1, min_years: 0,",
            "purchase.term",
            "params.min_years",
            "unknown parameter",
        ),
        (
            "    check: check_purchase_term\n",
            "    check: check_purchase_term\n    colour: red\n",
            "purchase.term",
            "colour",
            "unknown field",
        ),
        ("- id: purchase.term", "- id: Purchase Term", "Purchase Term", "id", "not a slug"),
        (
            "    title_zh: 期限\n",
            "    title_zh: ''\n",
            "purchase.term",
            "title_zh",
            "non-empty text",
        ),
    ],
)
def test_rule_file_errors_name_the_rule_and_field(tmp_path, old, new, rule_id, field, says):
    assert old in GOOD_RULE
    with pytest.raises(RuleFileError) as exc:
        load_rules(write(tmp_path, GOOD_RULE.replace(old, new, 1)))
    assert exc.value.rule_id == rule_id
    assert exc.value.field == field
    assert says in str(exc.value)
    assert repr(rule_id) in str(exc.value) and repr(field) in str(exc.value)


def test_rule_without_an_id_is_named_by_position(tmp_path):
    text = GOOD_RULE.replace("  - id: purchase.term\n    title_en", "  - title_en")
    with pytest.raises(RuleFileError) as exc:
        load_rules(write(tmp_path, text))
    assert (exc.value.rule_id, exc.value.field) == ("#1", "id")


def test_regime_rule_must_lie_inside_its_regime(tmp_path):
    text = GOOD_RULE.replace("regime: null", "regime: ppp-2019").replace(
        "applies_to: [purchase]", "applies_to: [ppp]"
    )
    with pytest.raises(RuleFileError) as exc:
        load_rules(write(tmp_path, text))  # open-ended rule in a regime that ends 2023-11-07
    assert (exc.value.rule_id, exc.value.field) == ("purchase.term", "effective_to")
    assert "must lie inside regime 'ppp-2019'" in str(exc.value)


def test_versions_of_a_rule_need_disjoint_windows(tmp_path):
    rule = GOOD_RULE.split("rules:\n", 1)[1]
    second = rule.replace("effective_from: 2020-03-01", "effective_from: 2024-01-01")
    with pytest.raises(RuleFileError) as exc:
        load_rules(write(tmp_path, GOOD_RULE + second))
    assert (exc.value.rule_id, exc.value.field) == ("purchase.term", "effective_from")
    assert "overlaps" in str(exc.value)
    # disjoint windows: two versions load
    first = GOOD_RULE.replace("effective_to: null", "effective_to: 2023-12-31")
    assert len(load_rules(write(tmp_path, first + second))) == 2


def test_file_level_errors(tmp_path):
    with pytest.raises(RuleFileError, match="not valid YAML"):
        load_rules(write(tmp_path, "rules: [\n"))
    with pytest.raises(RuleFileError, match="'rules' list"):
        load_rules(write(tmp_path, "- a\n- b\n"))
    with pytest.raises(RuleFileError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")
    with pytest.raises(RuleFileError) as exc:
        load_rules(
            write(
                tmp_path, GOOD_RULE.replace("effective_to: 2023-11-07", "effective_to: 2023-02-30")
            )
        )
    assert exc.value.field == "regimes.ppp-2019.effective_to"
