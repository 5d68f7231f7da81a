"""GB/T 2260 administrative division codes (行政区划代码), read from data/gb2260.csv.

Pure Python, no Django. The CSV is built by scripts/build_gb2260.py (see data/README.md).

A code is six digits: province (XX0000), prefecture (XXYY00) or county-level (XXYYZZ).
Some county-level divisions have no prefecture row above them: those under the 4 municipalities
(北京 110108 海淀区 sits directly under 110000 in this source, with no 110100 市辖区 row), and
the province-administered ones (429004 仙桃市, 469001 五指山市, 419001 济源市). The functions
below skip a missing level instead of inventing it.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "gb2260.csv"

LEVELS = ("province", "prefecture", "county")

# Placeholder names of an intermediate level; not part of a place's full name.
_PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@cache
def _table() -> dict[str, tuple[str, str]]:
    """code -> (name, level), loaded once."""
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        return {row["code"]: (row["name"], row["level"]) for row in csv.DictReader(f)}


def _known(code: object) -> bool:
    return isinstance(code, str) and code in _table()


def is_region(code: str) -> bool:
    return _known(code)


def region_name(code: str) -> str | None:
    return _table()[code][0] if _known(code) else None


def region_level(code: str) -> str | None:
    """'province', 'prefecture', 'county' or None for an unknown code."""
    return _table()[code][1] if _known(code) else None


def region_path(code: str) -> list[tuple[str, str]]:
    """(code, name) from the province down to ``code``; [] for an unknown code.

    330106 -> [("330000", "浙江省"), ("330100", "杭州市"), ("330106", "西湖区")]
    """
    if not _known(code):
        return []
    table = _table()
    path: list[tuple[str, str]] = []
    for ancestor in (code[:2] + "0000", code[:4] + "00"):
        if ancestor != code and ancestor in table and (ancestor, table[ancestor][0]) not in path:
            path.append((ancestor, table[ancestor][0]))
    path.append((code, table[code][0]))
    return path


def join_names(path: list[tuple[str, str]]) -> str:
    """Concatenate the names of a path, leaving out placeholders such as 市辖区."""
    return "".join(name for _, name in path if name not in _PLACEHOLDER_NAMES)


def region_full_name(code: str) -> str:
    """e.g. 330106 -> 浙江省杭州市西湖区, 110108 -> 北京市海淀区; "" for an unknown code."""
    return join_names(region_path(code))


def regions_within(code: str) -> list[str]:
    """All codes under a province or prefecture, itself included; [code] for a county; [] if unknown."""
    level = region_level(code)
    if level is None:
        return []
    if level == "county":
        return [code]
    prefix = code[:2] if level == "province" else code[:4]
    return sorted(c for c in _table() if c.startswith(prefix))


def children(code: str) -> list[tuple[str, str]]:
    """Direct children (code, name): the next level that exists under ``code``."""
    within = regions_within(code)
    return [(c, _table()[c][0]) for c in within if c != code and region_path(c)[-2][0] == code]


def provinces() -> list[tuple[str, str]]:
    """(code, name) of every province-level division (省, 自治区, 直辖市, 特别行政区)."""
    return [(c, name) for c, (name, level) in sorted(_table().items()) if level == "province"]
