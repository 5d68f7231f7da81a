"""The demo city's demand list and capability map (cityops/demo/demand.py): counts, the Haidian
cloud purchases, planted duplicates the detector finds, suppliers that fit their industry,
qualifications that expire, and determinism."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest

from cityops.demand.matching import duplicates as dup
from cityops.demand.matching.data import validate_need, validate_supplier
from cityops.demand.matching.rank import build_index, rank_all
from cityops.demo import demand as demo
from cityops.demo.generator import generate_city


@pytest.fixture(scope="module")
def city():
    return generate_city()


@pytest.fixture(scope="module")
def needs(city):
    return demo.generate_needs(city)


@pytest.fixture(scope="module")
def capabilities(city):
    return demo.generate_capabilities(city)


def test_counts_and_keys(city, needs, capabilities):
    assert len(needs) == 137 and len(capabilities) == 87
    assert [c.id for c in capabilities] == [s.key for s in city.suppliers]
    assert [c.name for c in capabilities] == [s.name for s in city.suppliers]
    assert {n.department for n in needs} <= {d.key for d in city.departments}
    assert len({n.department for n in needs}) == len(city.departments)
    assert [n.id for n in needs] == [f"need-{k:03d}" for k in range(1, 138)]
    assert all(validate_need(n) for n in needs) and all(validate_supplier(c) for c in capabilities)


def test_needs_are_filed_over_the_demo_window(needs):
    days = [n.filed_on for n in needs]
    assert min(days) >= dt.date(2025, 1, 1) and max(days) <= dt.date(2026, 11, 30)
    assert days == sorted(days)
    assert {d.year for d in days} == {2025, 2026}


def test_the_haidian_cloud_purchases_are_needs(needs):
    by_title = {n.title: n for n in needs}
    for title, amount in [("政务云平台购买服务", 785), ("政务云平台网络安全监测服务", 156),
                          ("等级保护测评（10个二级系统）", 92),
                          ("备份云服务（490TB + 200 台应用级容灾云主机）", 652)]:  # fmt: skip
        assert by_title[title].budget_wan == Decimal(amount)
        assert by_title[title].department == "data-bureau"


def test_a_realistic_share_of_planted_duplicates(city, needs):
    planted = demo.planted_duplicates(city)
    involved = {i for pair in planted for i in pair}
    assert 0.12 <= len(involved) / len(needs) <= 0.15
    by_id = {n.id: n for n in needs}
    assert all(by_id[a].department != by_id[b].department for a, b in planted)


def test_the_detector_finds_most_planted_duplicates(city, needs):
    planted = {dup.pair_key(*p) for p in demo.planted_duplicates(city)}
    found = {dup.pair_key(*p.ids) for p in dup.find_duplicates(needs)}
    assert len(found & planted) / len(planted) >= 0.8
    assert len(found & planted) / len(found) >= 0.5  # the bureau dismisses the rest


def test_suppliers_fit_their_industry(city, capabilities):
    areas = demo.supplier_areas(city)
    for s in city.suppliers:
        pool = demo.INDUSTRY_AREAS[demo._industry_word(s.name)]
        assert areas[s.key][0] in pool, s.name  # the first area is always the industry's own
        assert 1 <= len(areas[s.key]) <= 3
    covered = Counter(a for v in areas.values() for a in v)
    assert all(covered[a] >= 2 for a in demo.AREAS)  # every kind of need has two suppliers
    security = [c for c in capabilities if {"sec_assess", "sec_ops"} & set(areas[c.id])]
    assert security and sum(any(q.kind == "djcp_service" for q in c.qualifications)
                            for c in security) >= len(security) // 2  # fmt: skip


def test_qualifications_expire_some_soon_a_few_already(capabilities):
    dates = [q.expires_on for c in capabilities for q in c.qualifications]
    end = dt.date(2026, 11, 30)
    expired = [d for d in dates if d < end]
    soon = [d for d in dates if end <= d <= end + dt.timedelta(days=120)]
    assert 0 < len(expired) < len(dates) * 0.2
    assert soon
    assert all(c.load_wan <= c.capacity_wan for c in capabilities)
    assert Counter(c.regions_served for c in capabilities)[("",)] >= 5  # some serve the nation


def test_matching_puts_a_supplier_of_the_right_kind_first(city, needs, capabilities):
    areas = demo.supplier_areas(city)
    ranked = rank_all(needs, capabilities, index=build_index(capabilities))
    right = sum(demo.need_area(n) in areas[ranked[n.id][0].supplier_id] for n in needs)
    assert right / len(needs) >= 0.75


def test_deterministic_per_seed(city):
    again = generate_city()
    assert demo.generate_needs(again) == demo.generate_needs(city)
    assert demo.generate_capabilities(again) == demo.generate_capabilities(city)
    assert demo.planted_duplicates(again) == demo.planted_duplicates(city)
    other = generate_city(seed=7)
    assert len(demo.generate_needs(other)) == 137
    assert demo.generate_needs(other) != demo.generate_needs(city)
    assert demo.generate_capabilities(other) != demo.generate_capabilities(city)


def test_scaled_data_is_deterministic_and_sized():
    needs, planted = demo.scaled_needs(300, seed=3)
    assert len(needs) == 300 and demo.scaled_needs(300, seed=3) == (needs, planted)
    assert len({n.id for n in needs}) == 300 and planted
    caps = demo.scaled_capabilities(50, seed=3)
    assert len(caps) == 50 and caps == demo.scaled_capabilities(50, seed=3)
