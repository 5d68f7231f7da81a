"""Supplier matching (cityops/demand/matching): tokenisation of domain words, ranking with its
explanation, every hard requirement failing with its message, and bad input named."""

import datetime as dt
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal

import pytest

from cityops.demand.matching import text
from cityops.demand.matching.data import (
    MatchingInputError,
    NeedText,
    Qualification,
    SupplierCapability,
    need_from_dict,
    supplier_from_dict,
    validate_need,
)
from cityops.demand.matching.evaluate import load_labelled
from cityops.demand.matching.rank import (
    QUALIFICATION_RULES,
    build_index,
    check_requirements,
    rank_all,
    rank_suppliers,
)

D = Decimal
DAY = dt.date(2026, 3, 1)
LATER = dt.date(2028, 12, 31)


def q(kind, level=None, expires_on=LATER):
    return Qualification(kind, level, expires_on)


def supplier(sid, capabilities, tags=(), quals=(), regions=("33",), capacity=5000, load=1000,
             references=()):  # fmt: skip
    return SupplierCapability(
        id=sid, name=f"{sid} 有限公司", capabilities=capabilities, tags=tuple(tags),
        qualifications=tuple(quals), regions_served=tuple(regions), capacity_wan=D(capacity),
        load_wan=D(load), references=tuple(references),
    )  # fmt: skip


ALL_QUALS = (q("iso27001"), q("djcp_service"), q("xinchuang"), q("cmmi", 3))
CLOUD = supplier("cloud", "政务云资源租用，云主机、云存储，业务系统迁移上云和云上运维。",
                 ["政务云", "云主机"], ALL_QUALS, references=["某区政务云平台购买服务"])
VIDEO = supplier("video", "视频监控联网共享平台（雪亮工程），国标接入和摄像机运维。",
                 ["视频监控", "雪亮工程"], ALL_QUALS)
MEETING = supplier("meeting", "高清视频会议系统、MCU 和会议室终端，远程视频会商。",
                   ["视频会议"], ALL_QUALS)
TEST_LAB = supplier("lab", "网络安全等级保护测评机构，二级三级系统等保测评和整改咨询。",
                    ["等保测评"], ALL_QUALS)
SUPPLIERS = [CLOUD, VIDEO, MEETING, TEST_LAB]


def need(**overrides) -> NeedText:
    values = dict(
        id="n1", department="health", title="业务系统迁移上政务云",
        description="租用政务云云主机 120 台和云存储，整体迁移上云。", tags=("政务云",),
        category="infrastructure", region_code="330106", filed_on=DAY, budget_wan=D(300),
        security_level=2,
    )  # fmt: skip
    values.update(overrides)
    return NeedText(**values)


def ids(matches):
    return [m.supplier_id for m in matches]


# --- tokenisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase, word",
    [("申请政务云资源", "政务云"), ("满足等保三级要求", "等保"), ("推进一网通办改革", "一网通办"),
     ("12345 热线扩容", "12345"), ("业务系统信创改造", "信创"), ("建设数据中台", "数据中台"),
     ("城市大脑场景开发", "城市大脑")],
)  # fmt: skip
def test_domain_words_stay_whole(phrase, word):
    assert word in text.words(phrase)


def test_paraphrases_meet_on_one_word():
    assert "等保" in text.words("网络安全等级保护测评")  # 等级保护 -> 等保
    assert "信创" in text.words("办公系统国产化替代")  # 国产化 -> 信创
    assert "云主机" in text.words("租用云服务器 60 台")  # 云服务器 -> 云主机
    # and a concept joins different words for the same thing
    assert "@云资源" in text.words("政务云 IaaS") and "@云资源" in text.words("云主机租用")


def test_stopwords_numbers_and_punctuation_are_dropped():
    tokens = text.words("我局需要进行系统的建设，约 120 台。")
    assert not {"我局", "需要", "进行", "的", "，", "120", "。"} & set(tokens)


def test_video_meeting_and_video_surveillance_stay_apart():
    assert "视频会议" in text.words("视频会议") and "视频监控" not in text.words("视频会议")


def test_bigrams_are_marked_and_shown_plain():
    tokens = text.tokenize("等保测评", "words+bigrams")
    assert "等保测评" in tokens and "~测评" in tokens
    assert text.display_term("~测评") == "测评" and text.display_term("@云资源") == "〈云资源〉"
    with pytest.raises(ValueError, match="mode"):
        text.tokenize("x", "characters")


def test_jieba_loads_quietly_into_a_private_tokenizer():
    code = ("import jieba; from cityops.demand.matching.text import words; "
            "print(words('信创适配改造')); print('信创适配' in jieba.dt.FREQ)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)  # fmt: skip
    assert done.stderr == ""  # no "Building prefix dict ..." noise
    assert "信创适配" in done.stdout.splitlines()[0]
    assert done.stdout.splitlines()[1] == "False"  # the global jieba is left alone


# --- ranking -----------------------------------------------------------------------------------


def test_the_right_supplier_comes_first_with_why():
    first = rank_suppliers(need(), SUPPLIERS)[0]
    assert first.supplier_id == "cloud" and first.eligible and first.rank == 1
    terms = {t.term: t for t in first.matched_terms}
    assert "政务云" in terms and "capabilities" in terms["政务云"].fields
    assert first.matched_tags == ("政务云",)
    assert 0 < first.score <= 100 and 0 < first.text_part < 1 and first.tag_part == 1
    video = rank_suppliers(need(title="雪亮工程视频监控联网扩容", description="国标接入社会面监控",
                                tags=("视频监控",)), SUPPLIERS)  # fmt: skip
    assert ids(video)[0] == "video" and "meeting" not in ids(video)[:1]


def test_a_supplier_with_nothing_in_common_is_left_out():
    assert "lab" not in ids(rank_suppliers(need(), SUPPLIERS))


def test_scores_are_ordered_and_top_limits_the_eligible_list():
    matches = rank_suppliers(need(title="视频", description="视频", tags=()), SUPPLIERS, top=1)
    assert len([m for m in matches if m.eligible]) == 1
    scores = [m.score for m in matches if m.eligible]
    assert scores == sorted(scores, reverse=True)


def test_failing_suppliers_come_after_passing_ones_with_the_reason():
    local_only = replace(CLOUD, id="local", regions_served=("3302",))  # Ningbo only
    matches = rank_suppliers(need(), [local_only, CLOUD])
    assert ids(matches) == ["cloud", "local"]
    assert matches[0].eligible and not matches[1].eligible
    (failure,) = matches[1].failures
    assert failure.code == "region" and "330106" in failure.message_zh
    assert "3302" in failure.message_en


def _check(n, s, code, rule=None):
    checks = [c for c in check_requirements(n, s) if c.code == code or c.rule == rule]
    assert checks, (code, rule)
    return checks[0]


def test_expired_qualification_fails_and_names_the_date():
    expired = replace(CLOUD, qualifications=(q("iso27001", expires_on=dt.date(2025, 6, 30)),))
    c = _check(need(security_level=3), expired, "expiry")
    assert not c.passed and c.rule == "iso27001"
    assert "2025-06-30" in c.message_zh and "2025-06-30" in c.message_en
    assert DAY.isoformat() in c.message_en
    # valid through its expiry day, expired the day after
    on_the_day = replace(expired, qualifications=(q("iso27001", expires_on=DAY),))
    assert _check(need(security_level=3), on_the_day, None, "iso27001").passed
    # as_of moves the date
    assert all(c.passed for c in check_requirements(need(security_level=3), expired,
                                                    as_of=dt.date(2025, 6, 1)))  # fmt: skip


def test_missing_iso27001_fails_a_level_3_need_only():
    bare = replace(CLOUD, qualifications=())
    c = _check(need(security_level=3), bare, None, "iso27001")
    assert (c.code, c.passed) == ("qualification", False)
    assert "ISO/IEC 27001" in c.message_zh and "27001" in c.message_en
    assert all(c.passed for c in check_requirements(need(security_level=2), bare))


def test_security_and_mlps_needs_need_an_assessment_qualification():
    no_djcp = replace(TEST_LAB, qualifications=(q("iso27001"),))
    for n in (need(category="security"), need(tags=("等级测评",))):  # a tag's synonym counts
        c = _check(n, no_djcp, None, "djcp_service")
        assert not c.passed and "等保测评" in c.message_zh
    assert _check(need(category="security"), TEST_LAB, None, "djcp_service").passed


def test_xinchuang_need_needs_a_xinchuang_certification():
    c = _check(need(xinchuang_required=True), replace(CLOUD, qualifications=()), None,
               "xinchuang")  # fmt: skip
    assert not c.passed and "信创" in c.message_zh and "domestic" in c.message_en


def test_large_budget_needs_cmmi_3_or_itss_level_3_or_better():
    big = need(budget_wan=D(500))
    for quals, ok in [((q("cmmi", 3),), True), ((q("cmmi", 2),), False), ((q("its", 2),), True),
                      ((q("its", 3),), True), ((q("its", 4),), False), ((), False)]:  # fmt: skip
        assert _check(big, replace(CLOUD, qualifications=quals), None, "maturity").passed is ok
    assert not [c for c in check_requirements(need(budget_wan=D("499.99")), CLOUD)
                if c.rule == "maturity"]  # fmt: skip


def test_region_is_served_by_prefix():
    n = need(region_code="330106")
    for regions, ok in [(("",), True), (("33",), True), (("3301",), True), (("330106",), True),
                        (("3302",), False), (("11", "3302"), False)]:  # fmt: skip
        assert _check(n, replace(CLOUD, regions_served=regions), "region").passed is ok


def test_capacity_must_cover_the_budget():
    busy = replace(CLOUD, capacity_wan=D(1000), load_wan=D(950))
    c = _check(need(budget_wan=D(100)), busy, "capacity")
    assert not c.passed and "50" in c.message_zh and "100" in c.message_en
    assert _check(need(budget_wan=D(50)), busy, "capacity").passed


def test_rules_table_is_the_configuration():
    assert [r.code for r in QUALIFICATION_RULES] == ["iso27001", "djcp_service", "xinchuang",
                                                     "maturity"]  # fmt: skip


def test_rank_all_gives_what_rank_suppliers_gives():
    labelled = load_labelled()
    index = build_index(labelled.suppliers)
    everything = rank_all(labelled.needs, labelled.suppliers, index=index, block=7)
    for n in labelled.needs[::9]:
        one = rank_suppliers(n, labelled.suppliers, index=index)
        assert everything[n.id] == one
        # the vectorised eligibility and the per-pair checks agree
        for m in one:
            assert m.eligible == all(c.passed for c in m.requirements)


def test_index_built_over_other_suppliers_is_refused():
    with pytest.raises(ValueError, match="index"):
        rank_suppliers(need(), [CLOUD], index=build_index([VIDEO]))


# --- bad input ---------------------------------------------------------------------------------


def test_bad_need_names_the_field_in_both_languages():
    with pytest.raises(MatchingInputError) as e:
        rank_suppliers(need(security_level=5), SUPPLIERS)
    assert e.value.field == "security_level" and "等保" in e.value.zh and "level" in e.value.en
    with pytest.raises(MatchingInputError) as e:
        validate_need(need(region_code="3301"))
    assert e.value.field == "region_code"
    with pytest.raises(MatchingInputError) as e:
        need_from_dict({"id": "x", "department": "d", "title": "t", "budget_wan": "-1"})
    assert e.value.field == "budget_wan" and e.value.message_zh


def test_bad_supplier_names_the_field():
    base = {"id": "s", "name": "某公司"}
    with pytest.raises(MatchingInputError) as e:
        supplier_from_dict({**base, "regions_served": ["330"]})
    assert e.value.field == "regions_served"
    with pytest.raises(MatchingInputError) as e:
        supplier_from_dict({**base, "qualifications": [{"kind": "iso9001"}]})
    assert e.value.field == "qualifications[0].kind"
    with pytest.raises(MatchingInputError) as e:
        supplier_from_dict({**base, "qualifications": [{"kind": "its", "level": 7}]})
    assert e.value.field == "qualifications[0].level"
    ok = supplier_from_dict({**base, "qualifications": [{"kind": "cmmi", "level": 3,
                                                         "expires_on": "2027-01-31"}]})  # fmt: skip
    assert ok.qualifications[0].expires_on == dt.date(2027, 1, 31)
