"""Duplicate needs across departments (cityops/demand/matching/duplicates.py) and the merge
proposal of a group; the candidate generation against brute force."""

import datetime as dt
import itertools
from decimal import Decimal

import numpy as np
import pytest

from cityops.demand.matching import duplicates as dup
from cityops.demand.matching.data import NeedText
from cityops.demand.matching.duplicates import find_duplicates, group_duplicates
from cityops.demand.matching.evaluate import load_labelled
from cityops.demo.demand import scaled_needs

D = Decimal


def need(nid, department, title, description, **kw) -> NeedText:
    values = dict(id=nid, department=department, title=title, description=description,
                  category="infrastructure", filed_on=dt.date(2025, 5, 1))  # fmt: skip
    values.update(kw)
    return NeedText(**values)


CLOUD_A = need("a", "health", "卫健委业务系统迁移上政务云",
               "租用政务云资源，云主机 120 台、云存储 200TB，含迁移上云和云上运维。",
               tags=("政务云",), budget_wan=D(420), security_level=3,
               availability_pct=D("99.9"), response_minutes=30, data_interfaces=5,
               technical_standard="GB/T 22239-2019")  # fmt: skip
CLOUD_B = need("b", "education", "教育业务系统政务云资源租用",
               "学籍和招生报名系统租用政务云的云主机和云存储资源，要求弹性扩容。",
               tags=("政务云", "云主机"), budget_wan=D(210), security_level=2,
               availability_pct=D("99.95"), response_minutes=60, data_interfaces=3,
               xinchuang_required=True,
               technical_standard="GB/T 22239-2019；GB/T 35273-2020")  # fmt: skip
CLOUD_SAME_DEPT = need("c", "health", "卫健委新增系统上政务云",
                       "新增业务系统租用政务云云主机和云存储资源，迁移上云。", tags=("政务云",))
SURVEILLANCE = need("d", "public-security", "视频监控联网共享平台扩容",
                    "按国标接入社会面视频监控摄像机，视频资源共享。", tags=("视频监控",))
MEETING = need("e", "emergency", "视频会议系统升级",
               "升级视频会议 MCU 和会议室终端，支持高清视频会议。", tags=("视频会议",),
               category="system")  # fmt: skip


def pair_ids(pairs):
    return {dup.pair_key(*p.ids) for p in pairs}


def test_the_same_need_from_two_departments_is_found():
    pairs = find_duplicates([CLOUD_A, CLOUD_B, SURVEILLANCE, MEETING])
    assert pair_ids(pairs) == {("a", "b")}
    (p,) = pairs
    assert p.a.id == "a" and 0 < p.text_similarity <= p.similarity <= 1 and p.same_category
    assert "政务云" in p.shared_terms


def test_a_department_refiling_its_own_need_is_not_reported():
    pairs = find_duplicates([CLOUD_A, CLOUD_SAME_DEPT, CLOUD_B])
    assert ("a", "c") not in pair_ids(pairs)
    assert all(p.a.department != p.b.department for p in pairs)


def test_video_meeting_is_not_video_surveillance():
    assert find_duplicates([SURVEILLANCE, MEETING], threshold=0.2) == []


def test_indicators_say_what_agrees_and_what_differs():
    (p,) = find_duplicates([CLOUD_A, CLOUD_B])
    by_name = {c.name: c for c in p.indicators}
    assert by_name["category"].agrees
    assert not by_name["security_level"].agrees  # 3 vs 2
    budget = by_name["budget_wan"]
    assert budget.agrees and budget.note == "ratio 0.50"  # 210 is half of 420: a factor of two
    assert not by_name["response_minutes"].agrees or by_name["response_minutes"].note
    assert not by_name["xinchuang_required"].agrees
    assert "security_level" in p.differing and "category" not in p.differing


def test_a_group_merges_to_the_most_demanding_indicators():
    third = need("f", "market-regulation", "市场监管系统上政务云",
                 "登记注册和执法办案系统迁移上政务云，租用云主机和云存储。", tags=("政务云",),
                 budget_wan=D(360), security_level=2, response_minutes=15,
                 availability_pct=D("99.5"), operations_months=36,
                 acceptance_criteria="运行三个月无重大故障")  # fmt: skip
    pairs = find_duplicates([CLOUD_A, CLOUD_B, third])
    (group,) = group_duplicates(pairs)
    assert group.need_ids == ("a", "b", "f") and group.departments == (
        "education", "health", "market-regulation")
    assert group.total_budget_wan == D(990)
    assert group.security_level == 3
    assert group.availability_pct == D("99.95")
    assert group.response_minutes == 15  # the fastest asked
    assert group.xinchuang_required  # one of them requires it
    assert group.data_interfaces == 8  # each department's interfaces: their union
    assert group.operations_months == 36
    assert group.technical_standard == "GB/T 22239-2019；GB/T 35273-2020"
    assert group.acceptance_criteria == "运行三个月无重大故障"
    assert group.category == "infrastructure"
    assert 0 < group.min_similarity <= max(p.similarity for p in group.pairs)


def test_unconnected_pairs_make_separate_groups():
    video_b = need("g", "urban-management", "城管视频监控资源联网共享",
                   "社会面视频监控摄像机国标接入，视频资源共享调阅。", tags=("视频监控",))
    groups = group_duplicates(find_duplicates([CLOUD_A, CLOUD_B, SURVEILLANCE, video_b]))
    assert sorted(g.need_ids for g in groups) == [("a", "b"), ("d", "g")]


def test_threshold_must_be_a_share():
    with pytest.raises(ValueError, match="threshold"):
        find_duplicates([CLOUD_A, CLOUD_B], threshold=0)


def _brute_force(needs, threshold, weight=dup.TEXT_WEIGHT):
    """Every cross-department pair scored exactly: the reference for candidate generation."""
    vec = dup.NeedVectors([dup.need_tokens(n) for n in needs])
    i, j = map(np.array, zip(*itertools.combinations(range(len(needs)), 2), strict=True))
    keep = np.array([needs[a].department != needs[b].department for a, b in zip(i, j,
                                                                               strict=True)])  # fmt: skip
    i, j = i[keep], j[keep]
    same = np.array([needs[a].category == needs[b].category for a, b in zip(i, j, strict=True)])
    sim = weight * vec.cosine(i, j) + (1 - weight) * same
    return {dup.pair_key(needs[a].id, needs[b].id)
            for a, b, s in zip(i, j, sim, strict=True) if s >= threshold - 1e-12}  # fmt: skip


def test_candidate_generation_misses_nothing_brute_force_finds():
    labelled = load_labelled()
    assert pair_ids(find_duplicates(labelled.needs)) == _brute_force(labelled.needs, 0.35)
    # at a scale where common terms are left out of the candidate index (df > 20)
    needs, planted = scaled_needs(700, seed=7, departments=40, duplicate_share=0.1)
    found = pair_ids(find_duplicates(needs))
    assert found == _brute_force(needs, dup.DEFAULT_THRESHOLD)
    assert {dup.pair_key(*p) for p in planted} <= found  # re-filings in other words are found
