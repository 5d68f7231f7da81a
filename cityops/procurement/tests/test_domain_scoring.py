"""Bid evaluation (pure, no database): the price formula of 财政部令第87号 art. 55 on a worked
example, the price-weight floors, invalid bids kept out of the lowest price, ties, lowest price."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from cityops.procurement.domain import ProcurementInputError
from cityops.procurement.domain.rules import Category
from cityops.procurement.domain.scoring import (
    BidFacts,
    Criterion,
    EvaluationConfig,
    EvaluationMethod,
    evaluate,
    exclusions,
    price_score,
)

CST = dt.timezone(dt.timedelta(hours=8))
DEADLINE = dt.datetime(2024, 3, 1, 9, 30, tzinfo=CST)
CRITERIA = (
    Criterion("technical", "技术方案", D("0.50"), "technical proposal"),
    Criterion("commercial", "商务条款", D("0.20"), "commercial terms", max_points=D(10)),
)


def config(**kw) -> EvaluationConfig:
    base = dict(method=EvaluationMethod.COMPREHENSIVE, category=Category.SERVICES,
                price_weight=D("0.30"), criteria=CRITERIA, budget_ceiling_wan=D(200),
                deadline=DEADLINE)
    return EvaluationConfig(**{**base, **kw})


def bid(bid_id, price, technical=(40, 44), commercial=(8, 9), **kw) -> BidFacts:
    scores = {
        f"专家{i + 1}": {"technical": D(t), "commercial": D(c)}
        for i, (t, c) in enumerate(zip(technical, commercial, strict=True))
    }
    return BidFacts(bid_id, f"供应商{bid_id}", D(price), scores=scores,
                    submitted_at=DEADLINE - dt.timedelta(hours=1), **kw)


def by_id(evaluation):
    return {r.bid_id: r for r in evaluation.results}


def test_price_formula_worked_example():
    # lowest valid bid 120万, this bid 150万, price weight 30%: 120 / 150 × 30 = 24 points
    assert price_score(D(120), D(150), D("0.30")) == D("24.00")
    assert price_score(D(120), D(120), D("0.30")) == D("30.00")  # the lowest scores full marks
    assert price_score(D(120), D(130), D("0.30")) == D("27.69")  # 27.6923… rounded to 0.01


def test_comprehensive_scoring_ranks_by_total_with_a_derivation():
    ev = evaluate(config(), [
        bid("B1", 150, technical=(40, 44), commercial=(8, 9)),
        bid("B2", 120, technical=(35, 37), commercial=(7, 7)),
    ])
    r = by_id(ev)
    # B1: price 24.00; technical (40+44)/2 = 42 of 50 → 42.00; commercial 8.5 of 10 × 20 → 17.00
    assert (r["B1"].price_score, r["B1"].technical_score, r["B1"].total_score) == (
        D("24.00"), D("59.00"), D("83.00"))
    # B2: price 30.00; technical 36.00; commercial 14.00
    assert (r["B2"].price_score, r["B2"].technical_score, r["B2"].total_score) == (
        D("30.00"), D("50.00"), D("80.00"))
    assert [x.bid_id for x in ev.ranked] == ["B1", "B2"]
    assert ev.winner.bid_id == "B1" and r["B2"].rank == 2
    assert ev.lowest_valid_price_wan == D(120)
    steps = {s.term: s for s in r["B1"].derivation}
    assert steps["price"].formula_zh == "（评标基准价 120 ÷ 投标报价 150）× 价格权重 30% × 100 = 24.00"
    assert steps["price"].formula_en.startswith("(lowest valid price 120 ÷ bid price 150)")
    assert steps["criterion:commercial"].value == D("17.00")
    assert "8.50" in steps["criterion:commercial"].formula_zh
    assert steps["total"].formula_zh == "价格分 24.00 + 技术商务分 59.00 = 83.00（满分 100）"
    assert "财政部令第87号" in ev.tie_rule_zh


@pytest.mark.parametrize(
    ("category", "weight", "ok"),
    [
        (Category.GOODS, D("0.30"), True),
        (Category.GOODS, D("0.29"), False),
        (Category.SERVICES, D("0.10"), True),
        (Category.SERVICES, D("0.09"), False),
        (Category.WORKS, D("0.05"), True),  # 87号 covers goods and services only
    ],
)
def test_price_weight_floors(category, weight, ok):
    criteria = (Criterion("technical", "技术方案", D(1) - weight),)
    cfg = config(category=category, price_weight=weight, criteria=criteria)
    bids = [BidFacts("B1", "甲", D(100), scores={"e": {"technical": D(0)}})]
    if ok:
        assert evaluate(cfg, bids).winner.bid_id == "B1"
        return
    with pytest.raises(ProcurementInputError) as e:
        evaluate(cfg, bids)
    assert e.value.field == "price_weight"
    floor = "30%" if category is Category.GOODS else "10%"
    assert floor in e.value.en and floor in e.value.zh
    assert "第五十五条" in e.value.zh


def test_invalid_bids_are_excluded_from_the_lowest_price():
    ev = evaluate(config(), [
        bid("B1", 150),
        bid("B2", 120, technical=(35, 37), commercial=(7, 7)),
        bid("CHEAP", 90, qualified=False, missing_qualifications=("等保测评服务资质",)),
        bid("OVER", D("200.01")),
        BidFacts("LATE", "供应商LATE", D(100), submitted_at=DEADLINE + dt.timedelta(seconds=1)),
    ])
    r = by_id(ev)
    assert ev.lowest_valid_price_wan == D(120)  # not 90 nor 100: those bids are invalid
    assert r["B2"].price_score == D("30.00")
    assert [x.bid_id for x in ev.excluded] == ["CHEAP", "OVER", "LATE"]
    assert r["CHEAP"].exclusions[0].code == "qualification"
    assert "等保测评服务资质" in r["CHEAP"].exclusions[0].reason_zh
    assert r["OVER"].exclusions[0].code == "over_ceiling"
    assert "200.01万元" in r["OVER"].exclusions[0].reason_zh
    assert r["LATE"].exclusions[0].code == "late"
    assert r["LATE"].exclusions[0].citation.article.startswith("第三十三条")
    assert all(x.rank is None and x.total_score is None for x in ev.excluded)


def test_exactly_at_the_ceiling_and_at_the_deadline_is_valid():
    on_time = BidFacts("B1", "甲", D(200), submitted_at=DEADLINE,
                       scores={"e": {"technical": D(40), "commercial": D(8)}})
    ev = evaluate(config(), [on_time])
    assert ev.winner.bid_id == "B1" and ev.winner.price_score == D("30.00")


def test_equal_totals_are_ranked_by_price_then_tied():
    # A: 100万 → price 30.00 + technical 40.00 = 70.00
    # B: 120万 → price 25.00 + technical 45.00 = 70.00: same total, dearer, so second
    cfg = config(criteria=(Criterion("technical", "技术方案", D("0.70")),), budget_ceiling_wan=None)
    a = BidFacts("A", "甲", D(120), scores={"e": {"technical": D(45)}})
    b = BidFacts("B", "乙", D(100), scores={"e": {"technical": D(40)}})
    ev = evaluate(cfg, [a, b])
    assert [(x.bid_id, x.total_score, x.rank) for x in ev.ranked] == [
        ("B", D("70.00"), 1), ("A", D("70.00"), 2)]
    # same total and same price: tied, sharing first place; no single winner
    c = BidFacts("C", "丙", D(100), scores={"e": {"technical": D(40)}})
    ev = evaluate(cfg, [b, c])
    assert [x.rank for x in ev.ranked] == [1, 1]
    assert ev.winner is None and len(ev.first) == 2


def test_lowest_price_method_ties_broken_by_technical_score():
    cfg = config(method=EvaluationMethod.LOWEST_PRICE, criteria=(), price_weight=D(0))
    ev = evaluate(cfg, [BidFacts("A", "甲", D(130)), BidFacts("B", "乙", D(110)),
                        BidFacts("C", "丙", D(90), qualified=False)])
    assert ev.winner.bid_id == "B" and ev.lowest_valid_price_wan == D(110)
    assert ev.winner.derivation[1].formula_zh.startswith("投标报价 110万元")
    scored = config(method=EvaluationMethod.LOWEST_PRICE, price_weight=D(0),
                    criteria=(Criterion("technical", "技术方案", D("0.70")),))
    ev = evaluate(scored, [BidFacts("A", "甲", D(110), scores={"e": {"technical": D(50)}}),
                           BidFacts("B", "乙", D(110), scores={"e": {"technical": D(60)}})])
    assert [(x.bid_id, x.rank) for x in ev.ranked] == [("B", 1), ("A", 2)]
    ev = evaluate(cfg, [BidFacts("A", "甲", D(110)), BidFacts("B", "乙", D(110))])
    assert [x.rank for x in ev.ranked] == [1, 1] and ev.winner is None


def test_no_valid_bid_means_no_winner():
    ev = evaluate(config(), [bid("A", 300), bid("B", 250)])
    assert ev.winner is None and ev.lowest_valid_price_wan is None and len(ev.excluded) == 2


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"price_weight": D("0.40")}, "criteria", "110%"),
        ({"criteria": (Criterion("technical", "技术方案", D("0.50")),)}, "criteria", "80%"),
        ({"criteria": CRITERIA + (Criterion("technical", "重复", D("0.1")),)}, "criteria[2].key",
         "twice"),
        ({"criteria": (Criterion("technical", "技术方案", D(0)),)}, "criteria[0].weight", "zero"),
        ({"method": "auction"}, "method", "auction"),
        ({"deadline": dt.datetime(2024, 3, 1, 9, 30)}, "deadline", "time zone"),
    ],
)
def test_bad_configuration_names_the_field(change, field, words):
    with pytest.raises(ProcurementInputError) as e:
        evaluate(config(**change), [bid("B1", 150)])
    assert e.value.field == field
    assert words in e.value.en
    assert e.value.zh


@pytest.mark.parametrize(
    ("bids", "field"),
    [
        ([bid("B1", -5)], "bids[B1].price_wan"),
        ([bid("B1", 0)], "bids[B1].price_wan"),
        ([BidFacts("B1", "甲", D(100), scores={"专家1": {"design": D(3)}})],
         "bids[B1].scores[专家1].design"),
        ([bid("B1", 150, technical=(51, 40))], "bids[B1].scores[专家1].technical"),
        ([BidFacts("B1", "甲", D(100), scores={"专家1": {"technical": D(40)}})],
         "bids[B1].scores[专家1].commercial"),
        ([BidFacts("B1", "甲", D(100))], "bids[B1].scores"),
        ([bid("B1", 100), bid("B1", 120)], "bids[B1].bid_id"),
    ],
)
def test_bad_bids_name_the_field(bids, field):
    with pytest.raises(ProcurementInputError) as e:
        evaluate(config(), bids)
    assert e.value.field == field
    assert e.value.zh and e.value.en


def test_unknown_criterion_error_in_both_languages():
    with pytest.raises(ProcurementInputError) as e:
        evaluate(config(), [BidFacts("B1", "甲", D(100), scores={"专家1": {"design": D(3)}})])
    assert "design" in e.value.en and "未知的评分因素“design”" in e.value.zh
    assert "technical, commercial" in e.value.en


def test_negative_price_error_in_both_languages():
    with pytest.raises(ProcurementInputError) as e:
        evaluate(config(), [bid("B1", -5)])
    assert e.value.en == "The bid price must be above zero (got -5)."
    assert e.value.zh == "投标报价必须大于零（当前为 -5）。"


def test_exclusions_of_one_bid_at_closing():
    late = BidFacts("L", "甲", D(150), submitted_at=DEADLINE + dt.timedelta(minutes=5))
    assert [e.code for e in exclusions(config(), late)] == ["late"]
    over_and_late = BidFacts("X", "乙", D(250), submitted_at=DEADLINE + dt.timedelta(minutes=5))
    assert [e.code for e in exclusions(config(), over_and_late)] == ["over_ceiling", "late"]
    assert exclusions(config(), bid("B1", 150)) == []
