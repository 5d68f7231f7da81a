"""Tests for cityops.core.industries (GB/T 4754-2017)."""

import pytest

from cityops.core import industries as ind

# Division ranges per section as printed in GB/T 4754-2017.
RANGES = {
    "A": (1, 5),
    "B": (6, 12),
    "C": (13, 43),
    "D": (44, 46),
    "E": (47, 50),
    "F": (51, 52),
    "G": (53, 60),
    "H": (61, 62),
    "I": (63, 65),
    "J": (66, 69),
    "K": (70, 70),
    "L": (71, 72),
    "M": (73, 75),
    "N": (76, 79),
    "O": (80, 82),
    "P": (83, 83),
    "Q": (84, 85),
    "R": (86, 90),
    "S": (91, 96),
    "T": (97, 97),
}


def test_counts():
    assert len(ind.sections()) == 20
    assert len(ind.divisions()) == 97
    assert [c for c, _ in ind.divisions()] == [f"{n:02d}" for n in range(1, 98)]


def test_sections_in_order():
    assert "".join(c for c, _ in ind.sections()) == "ABCDEFGHIJKLMNOPQRST"


@pytest.mark.parametrize(("section", "bounds"), RANGES.items())
def test_division_ranges(section, bounds):
    lo, hi = bounds
    assert [c for c, _ in ind.divisions(section)] == [f"{n:02d}" for n in range(lo, hi + 1)]
    for n in range(lo, hi + 1):
        assert ind.industry_section(f"{n:02d}") == section


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("I", "信息传输、软件和信息技术服务业"),
        ("C", "制造业"),
        ("S", "公共管理、社会保障和社会组织"),
        ("01", "农业"),
        ("05", "农、林、牧、渔专业及辅助性活动"),
        ("39", "计算机、通信和其他电子设备制造业"),
        ("58", "多式联运和运输代理业"),
        ("63", "电信、广播电视和卫星传输服务"),
        ("64", "互联网和相关服务"),
        ("65", "软件和信息技术服务业"),
        ("651", "软件和信息技术服务业"),
        ("6510", "软件和信息技术服务业"),
        ("87", "广播、电视、电影和录音制作业"),
        ("97", "国际组织"),
    ],
)
def test_names(code, name):
    assert ind.industry_name(code) == name
    assert ind.is_industry(code)


@pytest.mark.parametrize(
    "code",
    ["", "U", "i", "00", "98", "99", "0", "6", "65101", "I65", "6a", "６５", None, 65],
)
def test_invalid(code):
    assert not ind.is_industry(code)
    assert ind.industry_name(code) is None
    assert ind.industry_section(code) is None


def test_section_of_section_is_itself():
    assert ind.industry_section("K") == "K"
    assert ind.industry_section("7010") == "K"


def test_division_names_are_unique():
    names = [n for _, n in ind.divisions()]
    assert len(set(names)) == 97
