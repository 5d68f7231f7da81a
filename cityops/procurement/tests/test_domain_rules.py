"""Procurement-method rules (pure, no database): the thresholds at and just below their figures,
each method's conditions, the single-source 10% follow-on cap, split detection, configuration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from cityops.procurement.domain import ProcurementInputError
from cityops.procurement.domain.rules import (
    DEFAULT_THRESHOLDS,
    Category,
    Method,
    ProcurementFacts,
    ProcurementThresholds,
    RelatedPurchase,
    Severity,
    allowed_methods,
    check_method,
    load_thresholds,
    similarity,
    thresholds_in_force,
)

DAY = dt.date(2024, 6, 1)


def facts(**kw) -> ProcurementFacts:
    base = dict(
        category=Category.SERVICES,
        estimated_amount_wan=D(150),
        method=Method.PUBLIC_TENDER,
        date=DAY,
        subject="政务云平台服务",
        category_code="C16",
    )
    return ProcurementFacts(**{**base, **kw})


def codes(findings) -> list[str]:
    return [f.code for f in findings]


def blocking(findings) -> list[str]:
    return [f.code for f in findings if f.severity is Severity.BLOCK]


# -- thresholds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "amount", "allowed"),
    [
        (Category.GOODS, D("99.99"), True),
        (Category.GOODS, D(100), False),  # "≥ 100万": exactly at the line falls under the rules
        (Category.SERVICES, D("99.99"), True),
        (Category.SERVICES, D(100), False),
        (Category.WORKS, D("119.99"), True),
        (Category.WORKS, D(120), False),
    ],
)
def test_self_purchase_only_below_the_procurement_threshold(category, amount, allowed):
    found = check_method(facts(category=category, estimated_amount_wan=amount,
                               method=Method.SELF_PURCHASE, category_code=""))
    assert (found == []) is allowed
    if not allowed:
        (f,) = found
        assert f.code == "threshold.self_purchase_above" and f.blocking
        assert f.numbers["procurement_threshold_wan"] == amount
        assert "国办发〔2019〕55号" in f.citation.source
        assert f.citation.effective_from == dt.date(2020, 1, 1)
        assert "不得自行采购" in f.message_zh and "self-purchase" in f.message_en


def test_items_in_the_centralised_catalogue_are_never_self_purchased():
    found = check_method(facts(estimated_amount_wan=D(5), method=Method.SELF_PURCHASE,
                               in_centralised_catalogue=True))
    assert codes(found) == ["threshold.self_purchase_catalogue"]


def test_public_tender_required_from_exactly_200_wan_for_services():
    consultation = dict(method=Method.COMPETITIVE_CONSULTATION,
                        justifications=frozenset({"purchase_of_services"}))
    assert check_method(facts(estimated_amount_wan=D("199.99"), **consultation)) == []
    found = check_method(facts(estimated_amount_wan=D(200), **consultation))
    assert codes(found) == ["threshold.public_tender_required"]
    assert found[0].numbers["public_tender_threshold_wan"] == D(200)
    assert found[0].citation.article.startswith("第二十七条")
    assert "finance_approval" in found[0].message_en
    # with the financial department's approval (art. 27) the other method is lawful
    approved = frozenset({"purchase_of_services", "finance_approval"})
    assert check_method(facts(estimated_amount_wan=D(200), method=Method.COMPETITIVE_CONSULTATION,
                              justifications=approved)) == []
    # and a public tender is always lawful
    assert check_method(facts(estimated_amount_wan=D(5000))) == []


def test_works_public_tender_line_is_400_wan_by_default():
    negotiation = dict(category=Category.WORKS, category_code="B", method=Method.COMPETITIVE_NEGOTIATION,
                       justifications=frozenset({"urgent_need"}))
    assert check_method(facts(estimated_amount_wan=D("399.99"), **negotiation)) == []
    assert codes(check_method(facts(estimated_amount_wan=D(400), **negotiation))) == [
        "threshold.public_tender_required"
    ]


def test_method_conditions_must_be_stated_above_the_threshold():
    found = check_method(facts(method=Method.INVITED_TENDER))
    assert codes(found) == ["method.conditions_missing"]
    assert "special_nature_few_suppliers" in found[0].message_en
    assert "只能从有限范围的供应商处采购" in found[0].message_zh
    assert check_method(facts(method=Method.INVITED_TENDER,
                              justifications=frozenset({"special_nature_few_suppliers"}))) == []
    # a condition of another method does not count
    found = check_method(facts(method=Method.COMPETITIVE_NEGOTIATION,
                               justifications=frozenset({"only_one_supplier"})))
    assert codes(found) == ["method.conditions_missing"]


def test_below_the_threshold_the_method_rules_do_not_bind():
    for method in Method:
        assert check_method(facts(estimated_amount_wan=D(60), method=method)) == [], method


def test_request_for_quotation_is_for_goods_only():
    rfq = dict(method=Method.REQUEST_FOR_QUOTATION,
               justifications=frozenset({"standard_goods_stable_price"}))
    assert check_method(facts(category=Category.GOODS, category_code="A02", **rfq)) == []
    assert codes(check_method(facts(**rfq))) == ["method.goods_only"]


def test_framework_agreements_only_from_2022_03_01():
    fa = dict(method=Method.FRAMEWORK_AGREEMENT,
              justifications=frozenset({"service_recipients_choose"}))
    assert check_method(facts(date=dt.date(2022, 3, 1), **fa)) == []
    found = check_method(facts(date=dt.date(2022, 2, 28), **fa))
    assert codes(found) == ["method.not_in_force"]
    assert "财政部令第110号" in found[0].citation.source
    # its first stage is an open solicitation: no finance approval needed above 200万
    assert check_method(facts(estimated_amount_wan=D(800), **fa)) == []


# -- single source ------------------------------------------------------------------------------


def follow_on(amount, previous, original=D(1000), **kw):
    return facts(method=Method.SINGLE_SOURCE, estimated_amount_wan=amount,
                 justifications=frozenset({"follow_on"}), original_contract_amount_wan=original,
                 previous_follow_ons_wan=previous, **kw)


def test_single_source_follow_on_at_exactly_10_percent_is_allowed():
    assert check_method(follow_on(D(60), D(40))) == []  # 100 of 1,000 = 10%


def test_single_source_follow_on_at_10_01_percent_is_refused():
    found = check_method(follow_on(D("60.1"), D(40)))  # 100.1 of 1,000 = 10.01%
    assert codes(found) == ["single_source.follow_on_cap"]
    f = found[0]
    assert f.blocking
    assert f.numbers["follow_ons_total_wan"] == D("100.1")
    assert f.numbers["cap_wan"] == D(100)
    assert f.numbers["share"] == D("0.1001")
    assert "10.01%" in f.message_zh and "10.01%" in f.message_en
    assert f.citation.article.startswith("第三十一条第（三）项")


def test_follow_on_cap_applies_below_the_procurement_threshold_too():
    assert check_method(follow_on(D(20), D(0), original=D(200))) == []
    assert codes(check_method(follow_on(D("20.02"), D(0), original=D(200)))) == [
        "single_source.follow_on_cap"
    ]


def test_follow_on_without_the_original_amount_is_blocked():
    found = check_method(follow_on(D(60), D(0), original=None))
    assert codes(found) == ["single_source.original_missing"]


def test_single_source_above_the_tender_line_needs_approval_and_a_publicity_period():
    sole = dict(method=Method.SINGLE_SOURCE, estimated_amount_wan=D(250))
    found = check_method(facts(**sole, justifications=frozenset({"only_one_supplier"})))
    assert blocking(found) == ["threshold.public_tender_required"]
    found = check_method(facts(**sole, justifications=frozenset(
        {"only_one_supplier", "finance_approval"})))
    assert codes(found) == ["single_source.publicity"]
    assert found[0].severity is Severity.WARN
    assert "5 个工作日" in found[0].message_zh


# -- split detection ----------------------------------------------------------------------------


def related(subject, amount, date, code="C16", **kw):
    return RelatedPurchase(subject=subject, amount_wan=D(amount), date=date, category_code=code,
                           **kw)


def test_three_80_wan_purchases_of_the_same_object_in_a_year_are_a_split():
    earlier = (
        related("政务云平台服务（一期）", 80, dt.date(2024, 2, 1), reference="CG-2024-001"),
        related("政务云平台服务（二期）", 80, dt.date(2024, 4, 1), reference="CG-2024-007"),
    )
    found = check_method(facts(estimated_amount_wan=D(80), method=Method.SELF_PURCHASE,
                               related_purchases=earlier))
    assert codes(found) == ["split.public_tender"]
    f = found[0]
    assert f.blocking
    assert f.numbers["total_wan"] == D(240) and f.numbers["purchases"] == D(3)
    assert "化整为零规避公开招标" in f.message_zh
    assert "CG-2024-001" in f.message_zh and "CG-2024-007" in f.message_en
    assert f.citation.source == "《中华人民共和国政府采购法实施条例》"
    assert f.citation.effective_from == dt.date(2015, 3, 1)
    # the cure: one public tender of the whole
    assert [a.method for a in allowed_methods(facts(estimated_amount_wan=D(80),
                                                    related_purchases=earlier))] == [
        Method.PUBLIC_TENDER
    ]


def test_unrelated_purchases_are_not_flagged():
    others = (
        related("办公家具", 90, dt.date(2024, 2, 1), code="A05"),
        related("视频监控前端设备", 90, dt.date(2024, 3, 1), code="A02"),
        related("政务云平台服务", 90, dt.date(2023, 11, 1)),  # another budget year
        related("政务云平台服务", 150, dt.date(2024, 3, 1), method=Method.PUBLIC_TENDER),
    )
    assert check_method(facts(estimated_amount_wan=D(80), method=Method.SELF_PURCHASE,
                              related_purchases=others)) == []


def test_a_total_of_exactly_the_threshold_is_not_above_it():
    # 实施条例 art. 28 speaks of a total "超过" (above) the public-tender threshold
    earlier = (related("政务云平台服务", 100, dt.date(2024, 2, 1)),)
    consultation = dict(method=Method.COMPETITIVE_CONSULTATION,
                        justifications=frozenset({"purchase_of_services"}),
                        related_purchases=earlier)
    assert check_method(facts(estimated_amount_wan=D(100), **consultation)) == []
    assert codes(check_method(facts(estimated_amount_wan=D("100.01"), **consultation))) == [
        "split.public_tender"
    ]


def test_split_exceptions_budget_adjusted_or_approved():
    earlier = (related("政务云平台服务", 90, dt.date(2024, 2, 1)),
               related("政务云平台服务", 90, dt.date(2024, 3, 1)))
    for reason in ("budget_adjusted", "finance_approval"):
        assert check_method(facts(estimated_amount_wan=D(60), method=Method.SELF_PURCHASE,
                                  justifications=frozenset({reason}),
                                  related_purchases=earlier)) == []


def test_similar_objects_found_by_words_when_codes_are_missing():
    earlier = (related("政务云服务扩容", 90, dt.date(2024, 2, 1), code=""),
               related("政务云服务", 90, dt.date(2024, 3, 1), code=""))
    found = check_method(facts(subject="政务云服务", category_code="", estimated_amount_wan=D(60),
                               method=Method.SELF_PURCHASE, related_purchases=earlier))
    assert codes(found) == ["split.public_tender"]
    same, basis, score = similarity("政务云服务", "", (), "办公桌椅", "", ())
    assert (same, basis) == (False, "subject") and score == 0
    same, basis, _ = similarity("", "", {"云", "安全"}, "", "", {"安全", "云"})
    assert (same, basis) == (True, "tags")
    # two different catalogue codes decide, whatever the words
    assert similarity("政务云服务", "C16", (), "政务云服务", "A02", ())[0] is False


# -- allowed methods ----------------------------------------------------------------------------


def test_allowed_methods_with_reasons():
    options = allowed_methods(facts(justifications=frozenset({"purchase_of_services"})))
    assert [o.method for o in options] == [Method.PUBLIC_TENDER, Method.COMPETITIVE_CONSULTATION]
    consultation = options[1]
    assert "政府购买服务项目" in consultation.reason_zh
    assert "purchase of services" in consultation.reason_en
    assert consultation.citation.effective_from == dt.date(2014, 12, 31)

    small = allowed_methods(facts(estimated_amount_wan=D(50)))
    assert Method.SELF_PURCHASE in [o.method for o in small]
    assert len(small) == len(Method)
    reason = next(o for o in small if o.method is Method.SELF_PURCHASE)
    assert "低于分散采购限额标准 100万元" in reason.reason_zh


# -- thresholds as configuration ----------------------------------------------------------------


LOCAL = """
thresholds:
  - effective_from: 2020-01-01
    effective_to: 2023-12-31
  - effective_from: 2024-01-01
    source: 某省政府集中采购目录及标准（2024年版）
    goods_services_procurement_wan: 50
    goods_services_public_tender_wan: 400
"""


def test_local_thresholds_from_yaml_versioned_by_date():
    versions = load_thresholds(LOCAL)
    assert [v.effective_from for v in versions] == [dt.date(2020, 1, 1), dt.date(2024, 1, 1)]
    consultation = dict(method=Method.COMPETITIVE_CONSULTATION, estimated_amount_wan=D(300),
                        justifications=frozenset({"purchase_of_services"}))
    # 300万 of services: below the local 400万 line in 2024, above the 200万 line in 2023
    assert check_method(facts(**consultation), versions) == []
    assert codes(check_method(facts(**consultation, date=dt.date(2023, 6, 1)), versions)) == [
        "threshold.public_tender_required"
    ]
    # the local procurement threshold of 50万 bars a self-purchase of 60万
    assert codes(check_method(facts(estimated_amount_wan=D(60), method=Method.SELF_PURCHASE),
                              versions)) == ["threshold.self_purchase_above"]
    assert thresholds_in_force(versions, dt.date(2024, 1, 1)).source.startswith("某省")


def test_no_thresholds_for_the_date_is_an_error():
    with pytest.raises(ProcurementInputError) as e:
        check_method(facts(date=dt.date(2019, 12, 31)))
    assert e.value.field == "date"
    assert "2019-12-31" in e.value.zh


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("thresholds: [{goods_services_tender_wan: 300}]", "thresholds[0].goods_services_tender_wan"),
        ("thresholds: [{goods_services_public_tender_wan: -5}]",
         "thresholds[0].goods_services_public_tender_wan"),
        ("thresholds: [{goods_services_public_tender_wan: 80}]", "thresholds[0]"),
        ("thresholds: [{effective_from: 2020-01-01}, {effective_from: 2022-01-01}]", "thresholds"),
        ("thresholds: []", "thresholds"),
    ],
)
def test_bad_threshold_configuration_names_the_field(text, field):
    with pytest.raises(ProcurementInputError) as e:
        load_thresholds(text)
    assert e.value.field == field
    assert e.value.zh and e.value.en


def test_thresholds_load_from_a_file(tmp_path):
    path = tmp_path / "thresholds.yaml"
    path.write_text(LOCAL, encoding="utf-8")
    assert load_thresholds(path) == load_thresholds(LOCAL)
    assert DEFAULT_THRESHOLDS == (ProcurementThresholds(),)


# -- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"estimated_amount_wan": D(-1)}, "estimated_amount_wan"),
        ({"estimated_amount_wan": D(0)}, "estimated_amount_wan"),
        ({"estimated_amount_wan": 150.0}, "estimated_amount_wan"),  # money is never a float
        ({"method": "auction"}, "method"),
        ({"category": "land"}, "category"),
        ({"justifications": frozenset({"because"})}, "justifications"),
        ({"original_contract_amount_wan": D(0)}, "original_contract_amount_wan"),
        ({"related_purchases": (related("x", -3, DAY),)}, "related_purchases[0].amount_wan"),
    ],
)
def test_bad_facts_name_the_field_in_both_languages(kw, field):
    with pytest.raises(ProcurementInputError) as e:
        check_method(facts(**kw))
    assert e.value.field == field
    assert e.value.zh and e.value.en
    assert field in str(e.value)


def test_enum_values_as_text_are_accepted():
    assert check_method(facts(method="public_tender", category="services")) == []
