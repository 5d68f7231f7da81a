"""The operation-model advisor (pure, no database of its own): the report's cases rank their
actual model first or second, the ranking is complete and ordered, the scores move the way the
brief's applicability says, bad input names the field, and the reasons cite the brief."""

import json
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityops.portfolio.domain.advisor import (
    AdvisorInputError,
    Characteristics,
    advise,
)
from cityops.portfolio.domain.cases import (
    CASES_PATH,
    CHARACTERISTICS_PATH,
    CaseLibraryError,
    load_case_library,
)
from cityops.portfolio.domain.vocab import OperationModel

LIBRARY = load_case_library()
MODELS = list(OperationModel)
SHARES = [
    "construction_share",
    "demand_stability",
    "public_good",
    "user_payment_share",
    "security_sensitivity",
    "local_soe_capacity",
    "supplier_market_maturity",
    "fiscal_room",
    "cross_department",
]
HAS_CHINESE = re.compile(r"[\u4e00-\u9fff]")

VALID = {
    "investment_wan": 13000,
    "construction_share": 0.5,
    "demand_stability": 0.7,
    "public_good": 0.8,
    "user_payment_share": 0.1,
    "security_sensitivity": 0.3,
    "local_soe_capacity": 0.5,
    "supplier_market_maturity": 0.8,
    "fiscal_room": 0.6,
    "operation_horizon_years": 5,
}

share = st.floats(min_value=0, max_value=1, allow_nan=False)
characteristics = st.builds(
    Characteristics,
    investment_wan=st.decimals(min_value=0, max_value=10_000_000, places=2),
    construction_share=share,
    demand_stability=share,
    public_good=share,
    user_payment_share=share,
    security_sensitivity=share,
    local_soe_capacity=share,
    supplier_market_maturity=share,
    fiscal_room=share,
    operation_horizon_years=st.integers(min_value=0, max_value=50),
    cross_department=share,
)


def ranking_text(advice):
    return ", ".join(f"{a.model.value} {a.score}" for a in advice.ranking)


# -- the report's cases ---------------------------------------------------------------------


def test_the_library_holds_every_case_with_a_model():
    assert [c.id for c in LIBRARY] == [
        "haidian-gov-cloud-2020",
        "yongzhou-app-2020",
        "haikou-citizen-cloud",
        "hefei-hightech-ppp",
        "xiangtan-ppp",
        "huainan-health-ppp",
        "changsha-county-epc",
        "lianjiang-epc",
        "changsha-shuzhi-platform",
        "digital-guangdong-platform",
        "shanghai-suishenban-joint",
        "chengdu-tianfu-joint",
        "changsha-mine-joint",
        "zhumadian-joint",
    ]
    for case in LIBRARY:
        assert set(case.why) >= set(Characteristics.field_names()) - {"cross_department"}
        assert all(why.strip() for why in case.why.values())


@pytest.mark.parametrize("case", LIBRARY, ids=[c.id for c in LIBRARY])
def test_case_ranks_its_actual_model_first_or_second(case):
    advice = advise(case.characteristics)
    rank = advice.rank_of(case.actual_model)
    assert rank <= 2, (
        f"{case.id}: actual model {case.actual_model.value} ranks {rank}: {ranking_text(advice)}"
    )


@pytest.mark.parametrize("case", LIBRARY, ids=[c.id for c in LIBRARY])
def test_case_ranking_survives_small_changes_to_one_judgement(case):
    """The 0..1 values are judgements: moving any one by 0.1 keeps the actual model in the top
    two, so the result does not hang on a single hair-trigger reading."""
    for name in SHARES:
        for delta in (-0.1, 0.1):
            value = min(1.0, max(0.0, getattr(case.characteristics, name) + delta))
            advice = advise(replace(case.characteristics, **{name: value}))
            assert advice.rank_of(case.actual_model) <= 2, (
                f"{case.id} with {name}={value}: {ranking_text(advice)}"
            )


def test_the_copied_cases_file_is_the_shared_one_verbatim():
    shared = Path(__file__).resolve().parents[4] / "shared" / "domain" / "cases.yaml"
    if not shared.exists():
        pytest.skip("shared/domain/cases.yaml is not beside the repository")
    copied = CASES_PATH.read_text(encoding="utf-8")
    assert "shared/domain/cases.yaml" in copied.split("cases:")[0]  # names its source
    assert copied.endswith(shared.read_text(encoding="utf-8"))


def test_library_refuses_a_case_without_characteristics(tmp_path):
    text = CHARACTERISTICS_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "chars.yaml"
    broken.write_text(text.replace("  zhumadian-joint:", "  zhumadian-joint-gone:"), "utf-8")
    with pytest.raises(CaseLibraryError, match="zhumadian-joint"):
        load_case_library(CASES_PATH, broken)


def test_library_refuses_a_value_without_a_why(tmp_path):
    broken = tmp_path / "chars.yaml"
    broken.write_text(
        "cases:\n  haidian-gov-cloud-2020:\n    investment_wan: {value: 1685}\n", "utf-8"
    )
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n  - {id: haidian-gov-cloud-2020, name: x, region: y, model: purchase}\n", "utf-8"
    )
    with pytest.raises(CaseLibraryError, match=r"haidian-gov-cloud-2020\.investment_wan"):
        load_case_library(cases, broken)


def test_library_names_the_case_and_field_of_a_bad_value(tmp_path):
    text = CHARACTERISTICS_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "chars.yaml"
    broken.write_text(
        text.replace("fiscal_room: {value: 0.35,", "fiscal_room: {value: 3.5,"), "utf-8"
    )
    with pytest.raises(CaseLibraryError, match=r"zhumadian-joint\.fiscal_room"):
        load_case_library(CASES_PATH, broken)


# -- the ranking ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(characteristics)
def test_ranking_holds_all_seven_models_sorted_with_scores_in_range(c):
    advice = advise(c)
    assert sorted(a.model for a in advice.ranking) == sorted(MODELS)
    assert len(advice.ranking) == 7
    for a in advice.ranking:
        assert 0 <= a.score <= 100
        assert a.score == round(a.score, 1)
    for first, second in zip(advice.ranking, advice.ranking[1:], strict=False):
        assert first.score >= second.score
        if first.score == second.score:  # ties keep the fixed model order
            assert MODELS.index(first.model) < MODELS.index(second.model)


@settings(max_examples=100, deadline=None)
@given(characteristics)
def test_advice_is_deterministic_and_serialises_to_json(c):
    first, second = advise(c), advise(c)
    assert first.to_dict() == second.to_dict()
    data = json.loads(json.dumps(first.to_dict(), ensure_ascii=False))
    assert [row["model"] for row in data["ranking"]] == [a.model.value for a in first.ranking]
    assert [row["rank"] for row in data["ranking"]] == list(range(1, 8))
    for row in data["ranking"]:
        for key in ("reasons_for", "reasons_against", "risks"):
            for reason in row[key]:
                assert set(reason) == {"code", "en", "zh"}
                assert reason["code"].startswith(row["model"] + ".")


def test_a_score_can_be_recomputed_from_its_terms():
    advice = advise(Characteristics.from_dict(VALID))
    for a in advice.ranking:
        total = sum(t.weight for t in a.terms)
        mean = sum(t.weight * t.fit for t in a.terms) / total
        prerequisite = next(t for t in a.terms if t.code == a.prerequisite)
        assert a.score == pytest.approx(100 * mean * (0.5 + 0.5 * prerequisite.fit), abs=0.051)


# -- monotonic properties: the brief's applicability, direction by direction ----------------


def raised(c, name, up):
    """c with `name` moved up by `up` (clamped), the other characteristics unchanged."""
    if name == "operation_horizon_years":
        return replace(c, **{name: min(50, c.operation_horizon_years + up)})
    if name == "investment_wan":
        return replace(c, **{name: c.investment_wan + Decimal(up)})
    return replace(c, **{name: min(1.0, getattr(c, name) + up)})


def score(c, model):
    return advise(c).assessment(model).score


step = st.floats(min_value=0, max_value=1, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(characteristics, step)
def test_more_construction_never_lowers_epc(c, up):
    # EPC fits "large engineering-heavy projects"
    assert score(raised(c, "construction_share", up), "epc") >= score(c, "epc")


@settings(max_examples=200, deadline=None)
@given(characteristics, step)
def test_more_user_payment_never_lowers_ppp_against_purchase(c, up):
    more = raised(c, "user_payment_share", up)
    assert score(more, "ppp") - score(more, "purchase") >= score(c, "ppp") - score(c, "purchase")


@settings(max_examples=200, deadline=None)
@given(characteristics, step)
def test_less_fiscal_room_never_raises_ppp(c, down):
    # the 10% red line of 财金〔2019〕10号
    less = replace(c, fiscal_room=max(0.0, c.fiscal_room - down))
    assert score(less, "ppp") <= score(c, "ppp")


@settings(max_examples=200, deadline=None)
@given(characteristics, step)
def test_more_construction_never_raises_purchase(c, up):
    # works are on the purchase-of-services negative list (财政部令第102号)
    assert score(raised(c, "construction_share", up), "purchase") <= score(c, "purchase")


@settings(max_examples=200, deadline=None)
@given(characteristics, st.integers(min_value=0, max_value=50))
def test_longer_horizon_never_lowers_ppp_joint_or_platform_nor_raises_purchase(c, up):
    longer = raised(c, "operation_horizon_years", up)
    for model in ("ppp", "joint", "platform"):
        assert score(longer, model) >= score(c, model)
    assert score(longer, "purchase") <= score(c, "purchase")


@settings(max_examples=200, deadline=None)
@given(characteristics, step)
def test_wider_cross_department_scope_never_lowers_platform(c, up):
    assert score(raised(c, "cross_department", up), "platform") >= score(c, "platform")


@settings(max_examples=200, deadline=None)
@given(characteristics, step)
def test_more_security_sensitivity_never_lowers_self_built(c, up):
    assert score(raised(c, "security_sensitivity", up), "self_built") >= score(c, "self_built")


@settings(max_examples=200, deadline=None)
@given(characteristics, st.integers(min_value=0, max_value=1_000_000))
def test_more_investment_never_lowers_ppp(c, up):
    assert score(raised(c, "investment_wan", up), "ppp") >= score(c, "ppp")


@settings(max_examples=200, deadline=None)
@given(characteristics, step)
def test_stronger_local_soe_never_lowers_platform_or_joint(c, up):
    stronger = raised(c, "local_soe_capacity", up)
    assert score(stronger, "platform") >= score(c, "platform")
    assert score(stronger, "joint") >= score(c, "joint")


# -- reasons and risks cite the brief --------------------------------------------------------


def risk_codes(c, model):
    return {r.code for r in advise(c).assessment(model).risks}


@settings(max_examples=100, deadline=None)
@given(characteristics)
def test_every_model_always_carries_its_known_weakness(c):
    advice = advise(c)
    purchase = {r.code: r for r in advice.assessment("purchase").risks}
    churn = purchase["purchase.supplier_churn"]
    assert "≤1 year, at most 3" in churn.en and "supplier churn" in churn.en
    assert "不超过1年" in churn.zh and "最长3年" in churn.zh and "服务商更替" in churn.zh
    epc = {r.code: r for r in advice.assessment("epc").risks}
    assert "nobody owns operations" in epc["epc.build_operate_gap"].en
    assert "建运分离" in epc["epc.build_operate_gap"].zh
    ppp = {r.code: r for r in advice.assessment("ppp").risks}
    assert "hidden-debt" in ppp["ppp.hidden_debt"].en.lower()
    assert "隐性" in ppp["ppp.hidden_debt"].zh
    assert "2–3 years from idea to signing" in ppp["ppp.lead_time"].en
    assert "2–3年" in ppp["ppp.lead_time"].zh
    assert "hard to measure" in ppp["ppp.hard_to_measure"].en
    assert {
        "platform.one_per_locality",
        "platform.few_boundaries",
        "platform.needs_supervision",
    } <= risk_codes(c, "platform")
    assert {"joint.balanced_interests", "joint.long_commitment"} <= risk_codes(c, "joint")
    for a in advice.ranking:
        assert a.risks, f"{a.model.value} has no risk"
        for reason in [*a.reasons_for, *a.reasons_against, *a.risks]:
            assert reason.en and HAS_CHINESE.search(reason.zh), reason


def test_ppp_warns_about_the_fiscal_red_line_only_when_room_is_low():
    tight = Characteristics.from_dict({**VALID, "fiscal_room": 0.2})
    ample = Characteristics.from_dict({**VALID, "fiscal_room": 0.9})
    assert "ppp.fiscal_red_line" in risk_codes(tight, "ppp")
    assert "ppp.fiscal_red_line" not in risk_codes(ample, "ppp")
    red_line = next(r for r in advise(tight).assessment("ppp").risks if r.code.endswith("red_line"))
    assert "10%" in red_line.en and "财金〔2019〕10号" in red_line.zh


def test_ppp_warns_when_user_payment_is_below_ten_percent():
    low = Characteristics.from_dict({**VALID, "user_payment_share": 0.05})
    high = Characteristics.from_dict({**VALID, "user_payment_share": 0.4})
    assert "ppp.low_user_payment" in risk_codes(low, "ppp")
    assert "ppp.low_user_payment" not in risk_codes(high, "ppp")


def test_purchase_beyond_three_years_and_works_heavy_purchase_are_flagged():
    long_works = Characteristics.from_dict(
        {**VALID, "operation_horizon_years": 8, "construction_share": 0.8}
    )
    codes = risk_codes(long_works, "purchase")
    assert {"purchase.term_exceeded", "purchase.negative_list"} <= codes
    against = {r.code for r in advise(long_works).assessment("purchase").reasons_against}
    assert {"purchase.services_not_works", "purchase.short_term"} <= against
    short_service = Characteristics.from_dict(
        {**VALID, "operation_horizon_years": 1, "construction_share": 0.1}
    )
    assert not {"purchase.term_exceeded", "purchase.negative_list"} & risk_codes(
        short_service, "purchase"
    )


def test_self_built_always_carries_the_reduce_self_build_rule():
    advice = advise(Characteristics.from_dict({**VALID, "security_sensitivity": 1.0}))
    against = {r.code: r for r in advice.assessment("self_built").reasons_against}
    assert "自建自管自用自维" in against["self_built.policy"].zh


def test_reasons_follow_the_fit_thresholds():
    c = Characteristics.from_dict(
        {**VALID, "construction_share": 0.9, "investment_wan": 50000, "operation_horizon_years": 2}
    )
    epc = advise(c).assessment("epc")
    assert "epc.engineering_heavy" in {r.code for r in epc.reasons_for}
    assert "epc.short_build" in {r.code for r in epc.reasons_for}
    service = Characteristics.from_dict({**VALID, "construction_share": 0.05})
    assert "epc.engineering_heavy" in {
        r.code for r in advise(service).assessment("epc").reasons_against
    }


# -- input validation ------------------------------------------------------------------------


def test_valid_input_round_trips():
    c = Characteristics.from_dict(VALID)
    assert c.investment_wan == Decimal(13000)
    assert c.cross_department == 0.5  # optional, defaults to the middle
    assert Characteristics.from_dict({**VALID, "investment_wan": "1685.5"}).investment_wan == (
        Decimal("1685.5")
    )
    assert Characteristics.from_dict({**VALID, "operation_horizon_years": 10.0}) == (
        Characteristics.from_dict({**VALID, "operation_horizon_years": 10})
    )
    again = Characteristics.from_dict(c.to_dict())
    assert again == c


BAD = [
    pytest.param("fiscal_room", None, "is required", id="missing"),
    pytest.param("public_good", "high", "must be a number", id="share-not-a-number"),
    pytest.param("public_good", True, "must be a number", id="share-bool"),
    pytest.param("user_payment_share", 1.5, "between 0 and 1", id="share-above-one"),
    pytest.param("construction_share", -0.1, "between 0 and 1", id="share-negative"),
    pytest.param("demand_stability", float("nan"), "between 0 and 1", id="share-nan"),
    pytest.param("investment_wan", -5, ">= 0", id="investment-negative"),
    pytest.param("investment_wan", "lots", "must be a number", id="investment-not-a-number"),
    pytest.param("investment_wan", [1], "must be a number", id="investment-list"),
    pytest.param("investment_wan", "Infinity", "finite", id="investment-infinite"),
    pytest.param("operation_horizon_years", -1, "between 0 and 50", id="horizon-negative"),
    pytest.param("operation_horizon_years", 51, "between 0 and 50", id="horizon-too-long"),
    pytest.param("operation_horizon_years", 2.5, "whole number", id="horizon-fraction"),
    pytest.param("operation_horizon_years", "10", "whole number", id="horizon-string"),
    pytest.param("cross_departmnet", 0.5, "unknown field", id="unknown-field"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD)
def test_bad_input_names_the_field_in_english_and_chinese(field, value, message):
    data = dict(VALID)
    if value is None:
        del data[field]
    else:
        data[field] = value
    with pytest.raises(AdvisorInputError) as caught:
        Characteristics.from_dict(data)
    error = caught.value
    assert error.field == field
    assert message in error.message_en
    assert HAS_CHINESE.search(error.message_zh)
    assert field in str(error) and error.message_en in str(error) and error.message_zh in str(error)
    assert error.to_dict() == {"field": field, "en": error.message_en, "zh": error.message_zh}


@pytest.mark.parametrize("data", [[], "x", None, 3])
def test_input_that_is_not_an_object_is_refused(data):
    with pytest.raises(AdvisorInputError) as caught:
        Characteristics.from_dict(data)
    assert caught.value.field == "characteristics"


def test_direct_construction_is_validated_too():
    with pytest.raises(AdvisorInputError) as caught:
        replace(Characteristics.from_dict(VALID), fiscal_room=2.0)
    assert caught.value.field == "fiscal_room"
