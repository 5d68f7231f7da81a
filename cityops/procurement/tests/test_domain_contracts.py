"""Contract rules (pure, no database): the purchase-of-services term and renewals (102号令
art. 24), contents (art. 23), the performance deposit, the Guangzhou-style service package with
tiers, milestones and payments, amendments, and expiry/renewal reminders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import pytest
import yaml

from cityops.procurement.domain import ProcurementInputError
from cityops.procurement.domain.contracts import (
    REQUIRED_CONTENTS,
    AmendmentFacts,
    BaseService,
    ContractFacts,
    MilestonePlan,
    PriceBand,
    ServicePackage,
    TermFacts,
    TierMode,
    ValueAddedService,
    check_amendment,
    check_contents,
    check_contract,
    check_deposit,
    check_term,
    payment_schedule,
    price_period,
    price_term,
    reminders,
    term_years,
)
from cityops.procurement.domain.rules import Severity

FOUR = dict(content_fixed=True, continuity_strong=True, funding_stable=True, prices_stable=True)


def codes(findings):
    return [f.code for f in findings]


# -- term (art. 24) -----------------------------------------------------------------------------


def test_one_year_is_fine_without_conditions():
    assert check_term(TermFacts(D(1))) == []


def test_two_years_without_the_four_conditions_is_refused():
    (f,) = check_term(TermFacts(D(2)))
    assert f.code == "term.conditions_missing" and f.severity is Severity.BLOCK
    assert f.citation.article.startswith("第二十四条")
    assert f.citation.effective_from == dt.date(2020, 3, 1)
    assert "购买内容相对固定、连续性强、经费来源稳定、价格变化幅度小" in f.message_zh


def test_three_of_the_four_conditions_are_not_enough_and_the_missing_one_is_named():
    (f,) = check_term(TermFacts(D(2), **{**FOUR, "prices_stable": False}))
    assert f.message_zh.endswith("未满足：价格变化幅度小。")
    assert f.message_en.endswith("missing: stable prices.")


def test_three_years_with_the_four_conditions_is_fine():
    assert check_term(TermFacts(D(3), **FOUR)) == []


def test_four_years_is_refused_even_with_the_conditions():
    assert codes(check_term(TermFacts(D(4), **FOUR))) == ["term.too_long"]


def test_renewals_beyond_three_years_in_all_are_refused():
    (f,) = check_term(TermFacts(D(1), renewals_max=3, **FOUR))
    assert f.code == "term.renewals_too_long"
    assert f.numbers["total_years"] == D(4)
    assert "总期限 4 年" in f.message_zh
    # a stated total cap above three years is refused on its own
    assert codes(check_term(TermFacts(D(1), renewals_max=1, total_term_max_years=D(4), **FOUR))) == [
        "term.renewals_too_long"]


def test_the_haidian_security_monitoring_contract_of_cases_yaml():
    cases = Path(__file__).resolve().parents[2] / "portfolio" / "data" / "cases.yaml"
    data = yaml.safe_load(cases.read_text(encoding="utf-8"))
    haidian = next(c for c in data["cases"] if c["id"] == "haidian-gov-cloud-2020")
    monitoring = next(c for c in haidian["contracts"] if c.get("renewals_max"))
    facts = dict(term_years=D(monitoring["term_years"]), renewals_max=monitoring["renewals_max"],
                 total_term_max_years=D(monitoring["total_term_max_years"]))
    assert (facts["term_years"], facts["renewals_max"], facts["total_term_max_years"]) == (
        D(1), 2, D(3))
    # renewed year by year up to three years: lawful where the four conditions hold ...
    assert check_term(TermFacts(**facts, **FOUR)) == []
    # ... and not otherwise
    assert codes(check_term(TermFacts(**facts))) == ["term.conditions_missing"]


def test_term_from_dates():
    assert term_years(dt.date(2024, 1, 1), dt.date(2024, 12, 31)) == 1
    assert term_years(dt.date(2024, 3, 1), dt.date(2027, 2, 28)) == 3
    assert term_years(dt.date(2024, 1, 1), dt.date(2024, 1, 31)) == D("0.0833")
    assert term_years(dt.date(2023, 1, 2), dt.date(2024, 1, 2)) == D("1.0027")  # 366 days / 365
    contract = ContractFacts("C1", "运维服务", D(100), dt.date(2023, 1, 2), dt.date(2024, 1, 2),
                             contents=frozenset(REQUIRED_CONTENTS))
    assert codes(check_contract(contract)) == ["term.conditions_missing"]  # one day over a year
    with pytest.raises(ProcurementInputError) as e:
        term_years(dt.date(2024, 1, 2), dt.date(2024, 1, 1))
    assert e.value.field == "end_on"


def test_contracts_signed_before_the_2020_order_are_not_judged_by_it():
    assert check_term(TermFacts(D(2), signed_on=dt.date(2020, 2, 29))) == []
    assert codes(check_term(TermFacts(D(2), signed_on=dt.date(2020, 3, 1)))) == [
        "term.conditions_missing"]


@pytest.mark.parametrize(
    ("facts", "field"),
    [(TermFacts(D(0)), "term_years"), (TermFacts(D(-1)), "term_years"),
     (TermFacts(D(1), renewals_max=-1), "renewals_max")],
)
def test_bad_terms_name_the_field(facts, field):
    with pytest.raises(ProcurementInputError) as e:
        check_term(facts)
    assert e.value.field == field and e.value.zh


# -- contents and deposit -----------------------------------------------------------------------


def test_contents_required_by_art_23():
    assert check_contents(REQUIRED_CONTENTS) == []
    (f,) = check_contents({c: "有" for c in REQUIRED_CONTENTS if c not in ("quality", "liability")}
                          | {"quality": "  "})
    assert f.code == "contract.contents_missing"
    assert "质量、违约责任" in f.message_zh and "quality, liability for breach" in f.message_en
    with pytest.raises(ProcurementInputError) as e:
        check_contents(["content", "colour"])
    assert e.value.field == "contents" and "colour" in e.value.en


def test_deposit_at_10_percent_passes_and_10_5_percent_is_refused():
    assert check_deposit(D(156), D("15.6")) == []
    (f,) = check_deposit(D(100), D("10.5"))
    assert f.code == "contract.deposit_over_cap" and f.severity is Severity.BLOCK
    assert f.numbers["share"] == D("0.105") and f.numbers["cap_wan"] == D("10.00")
    assert "10.5%" in f.message_zh and "《中华人民共和国政府采购法实施条例》" == f.citation.source
    with pytest.raises(ProcurementInputError) as e:
        check_deposit(D(100), D(-1))
    assert e.value.field == "deposit_wan"


# -- service package (Guangzhou: base service + value-added services) ---------------------------

PACKAGE = ServicePackage(
    "城市运行管理平台全生命周期服务包",
    base=(
        BaseService("operations", "平台运维", D(120), "platform operations"),
        BaseService("security", "安全保障", D(30), "security"),
    ),
    value_added=(
        # new applications connected: first 10 at 8万, 11th–30th at 6万, beyond 30 at 5万
        ValueAddedService("apps", "新增应用接入",
                          (PriceBand(D(0), D(8)), PriceBand(D(10), D(6)), PriceBand(D(30), D(5))),
                          unit_zh="个", unit_en="applications"),
        # data governance: 0.5万 per 万条 up to 100, all at 0.4万 once the volume passes 100
        ValueAddedService("data", "数据治理", (PriceBand(D(0), D("0.5")), PriceBand(D(100), D("0.4"))),
                          unit_zh="万条", unit_en="10k records", mode=TierMode.ALL_UNITS),
    ),
)


def test_service_package_price_of_a_period_with_graduated_tiers():
    p = price_period(PACKAGE, {"apps": D(35), "data": D(80)})
    assert p.base_wan == D(150)
    lines = {line.key: line for line in p.lines}
    assert lines["apps"].amount_wan == D(225)  # 10 × 8 + 20 × 6 + 5 × 5
    assert "10 × 8 + 20 × 6 + 5 × 5 = 225万元" in lines["apps"].formula_zh
    assert lines["data"].amount_wan == D(40)  # 80 × 0.5: below the volume band
    assert p.value_added_wan == D(265) and p.total_wan == D(415)


def test_all_units_tier_prices_every_unit_at_the_band_reached():
    assert price_period(PACKAGE, {"data": D(100)}).value_added_wan == D(50)  # 100 × 0.5
    assert price_period(PACKAGE, {"data": D(150)}).value_added_wan == D(60)  # 150 × 0.4
    assert price_period(PACKAGE, {"apps": D(10)}).value_added_wan == D(80)
    assert price_period(PACKAGE, {"apps": D(11)}).value_added_wan == D(86)  # 80 + 1 × 6


def test_service_package_price_of_the_whole_term():
    term = price_term(PACKAGE, [{"apps": D(8), "data": D(80)},   # 150 + 64 + 40
                                {"apps": D(25), "data": D(150)},  # 150 + 170 + 60
                                {"apps": D(35)}])                 # 150 + 225
    assert [p.total_wan for p in term.periods] == [D(254), D(380), D(375)]
    assert term.base_wan == D(450) and term.value_added_wan == D(559)
    assert term.total_wan == D(1009)


@pytest.mark.parametrize(
    ("package", "quantities", "field"),
    [
        (PACKAGE, {"cloud": D(1)}, "quantities[1].cloud"),
        (PACKAGE, {"apps": D(-1)}, "quantities[1].apps"),
        (ServicePackage("x", value_added=(ValueAddedService("a", "a", (PriceBand(D(5), D(1)),)),)),
         {}, "value_added[0].bands[0].from_quantity"),
        (ServicePackage("x", value_added=(ValueAddedService(
            "a", "a", (PriceBand(D(0), D(1)), PriceBand(D(0), D(2)))),)), {},
         "value_added[0].bands[1].from_quantity"),
        (ServicePackage("x", base=(BaseService("a", "a", D(-3)),)), {},
         "base[0].price_per_period_wan"),
    ],
)
def test_bad_package_input_names_the_field(package, quantities, field):
    with pytest.raises(ProcurementInputError) as e:
        price_period(package, quantities)
    assert e.value.field == field and e.value.zh


# -- milestones and payments --------------------------------------------------------------------

START, END = dt.date(2024, 4, 1), dt.date(2025, 3, 31)


def test_payment_schedule_adds_up_to_the_amount():
    plan = [
        MilestonePlan("M3", "年度验收", dt.date(2025, 3, 31), D("0.30"), "全年可用性 ≥ 99.9%"),
        MilestonePlan("M1", "上线验收", dt.date(2024, 5, 1), D("0.30"), "系统上线", dt.date(2024, 4, 28)),
        MilestonePlan("M2", "中期验收", dt.date(2024, 10, 1), D("0.40")),
    ]
    schedule = payment_schedule(D(156), plan, start_on=START, end_on=END)
    assert [p.milestone_key for p in schedule] == ["M1", "M2", "M3"]
    assert [p.amount_wan for p in schedule] == [D("46.80"), D("62.40"), D("46.80")]
    assert [p.payable for p in schedule] == [True, False, False]
    thirds = [MilestonePlan(f"M{i}", "节点", dt.date(2024, 4 + i, 1), s)
              for i, s in enumerate([D("0.3333"), D("0.3333"), D("0.3334")])]
    schedule = payment_schedule(D("100.01"), thirds)
    assert sum(p.amount_wan for p in schedule) == D("100.01")  # the last takes the remainder


@pytest.mark.parametrize(
    ("shares", "field", "words"),
    [((D("0.3"), D("0.3"), D("0.3")), "milestones", "90%"),
     ((D("0.5"), D("0.6"), D(0)), "milestones[2].share", "above zero")],
)
def test_payment_shares_must_sum_to_100_percent(shares, field, words):
    plan = [MilestonePlan(f"M{i}", "节点", dt.date(2024, 5 + i, 1), s) for i, s in enumerate(shares)]
    with pytest.raises(ProcurementInputError) as e:
        payment_schedule(D(100), plan)
    assert e.value.field == field and words in e.value.en


def test_a_milestone_outside_the_contract_period_is_refused():
    plan = [MilestonePlan("M1", "验收", dt.date(2025, 4, 1), D(1))]
    with pytest.raises(ProcurementInputError) as e:
        payment_schedule(D(100), plan, start_on=START, end_on=END)
    assert e.value.field == "milestones[0].due_on"
    assert "不在合同期内" in e.value.zh


# -- amendments ---------------------------------------------------------------------------------

CONTRACT = ContractFacts("C1", "政务云平台网络安全监测服务", D(156), START, END, owner="海淀区政数局",
                         supplier="某安全公司", contents=frozenset(REQUIRED_CONTENTS),
                         deposit_wan=D("7.8"))


def amendment(after, reason="增加 2 个监测系统", end_after=END):
    return AmendmentFacts(reason, D(156), D(after), END, end_after)


def test_an_amount_change_within_10_percent_passes():
    assert check_contract(CONTRACT) == []
    assert check_amendment(CONTRACT, amendment("171.6")) == []  # +10% exactly


def test_an_amount_change_beyond_10_percent_is_flagged_and_needs_a_reason():
    (f,) = check_amendment(CONTRACT, amendment("171.61"))
    assert f.code == "amendment.amount_over_cap" and f.severity is Severity.WARN
    assert "提请复核" in f.message_zh and f.citation.article.startswith("第四十九条")
    found = check_amendment(CONTRACT, amendment("120", reason=" "))  # −23%, no reason
    assert codes(found) == ["amendment.reason_missing", "amendment.amount_over_cap"]
    assert all(f.severity is Severity.BLOCK for f in found)
    assert "减少" in found[1].message_zh


def test_term_extensions_beyond_the_rules_are_refused():
    two_years = amendment("156", end_after=dt.date(2026, 3, 31))
    (f,) = check_amendment(CONTRACT, two_years)
    assert f.code == "amendment.term.conditions_missing" and f.severity is Severity.BLOCK
    assert f.message_zh.startswith("变更后（至 2026-03-31）")
    conditioned = ContractFacts(**{**CONTRACT.__dict__, **FOUR})
    assert check_amendment(conditioned, amendment("156", end_after=dt.date(2027, 3, 31))) == []
    assert codes(check_amendment(conditioned, amendment("156", end_after=dt.date(2028, 3, 31)))) == [
        "amendment.term.too_long"]


# -- reminders ----------------------------------------------------------------------------------

TODAY = dt.date(2025, 1, 1)


def ending_in(days, cid, **kw):
    end = TODAY + dt.timedelta(days=days)
    return ContractFacts(cid, f"合同{cid}", D(100), end - dt.timedelta(days=200), end,
                         owner="数据局", supplier="供应商甲", **kw)


def test_reminders_at_90_30_and_7_days_to_the_right_people():
    contracts = [
        ending_in(91, "far"),
        ending_in(90, "d90"),
        ending_in(31, "d31"),
        ending_in(30, "d30", renewals_max=2, **FOUR),
        ending_in(7, "d7", renewals_max=2, renewals_used=2),
        ending_in(0, "today"),
        ending_in(-1, "ended"),
        ending_in(20, "inactive", active=False),
        ending_in(25, "sent", reminded=frozenset({30})),
    ]
    got = {r.contract_id: r for r in reminders(contracts, TODAY)}
    assert list(got) == ["today", "d7", "d30", "d31", "d90"]  # soonest first
    assert (got["d90"].threshold_days, got["d31"].threshold_days, got["d30"].threshold_days) == (
        90, 90, 30)
    assert got["today"].threshold_days == 7 and got["today"].days_left == 0
    renewal = got["d30"]
    assert renewal.kind == "renewal" and renewal.recipients == ("数据局", "供应商甲")
    assert "尚可续签 2 次" in renewal.message_zh
    used_up = got["d7"]
    assert used_up.kind == "expiry" and used_up.recipients == ("数据局",)
    assert "新的采购" in used_up.message_zh


def test_no_renewal_reminder_when_renewing_would_break_the_term_rule():
    # 1 year renewable twice without the four conditions: the renewal is not lawful
    c = ContractFacts("C", "合同", D(100), dt.date(2024, 3, 1), dt.date(2025, 2, 28), owner="数据局",
                      supplier="甲", renewals_max=2)
    (r,) = reminders([c], dt.date(2025, 2, 1))
    assert r.kind == "expiry"
    (r,) = reminders([ContractFacts(**{**c.__dict__, **FOUR})], dt.date(2025, 2, 1))
    assert r.kind == "renewal" and r.threshold_days == 30


def test_reminder_days_are_configurable():
    got = reminders([ending_in(45, "a"), ending_in(14, "b")], TODAY, days=(60, 14))
    assert [(r.contract_id, r.threshold_days) for r in got] == [("b", 14), ("a", 60)]
