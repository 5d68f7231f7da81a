"""GB/T 4754-2017 国民经济行业分类: sections (门类 A-T) and divisions (大类 01-97).

Pure Python, no Django. Data in data/gb4754.csv. Groups (中类, 3 digits) and classes (小类,
4 digits) are not listed: such a code is accepted when its 2-digit division exists, and named by
that division.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent / "data" / "gb4754.csv"


@cache
def _table() -> dict[str, tuple[str, str]]:
    """code -> (name, section letter); a section maps to itself."""
    with DATA_FILE.open(encoding="utf-8", newline="") as f:
        return {
            row["code"]: (row["name"], row["section"] or row["code"]) for row in csv.DictReader(f)
        }


def _key(code: object) -> str | None:
    """The table key for a code: a section letter or a 2-digit division; None if not one."""
    if not isinstance(code, str):
        return None
    if len(code) == 1 and code.isascii() and code.isupper():
        key = code
    elif 2 <= len(code) <= 4 and code.isascii() and code.isdigit():
        key = code[:2]
    else:
        return None
    return key if key in _table() else None


def is_industry(code: str) -> bool:
    """A section letter A-T, or 2-4 digits whose 2-digit division exists."""
    return _key(code) is not None


def industry_name(code: str) -> str | None:
    """Name of a section or division; a 3-4 digit code is named by its division."""
    key = _key(code)
    return _table()[key][0] if key else None


def industry_section(code: str) -> str | None:
    """The section letter of a code ("65" -> "I"; "I" -> "I"); None if unknown."""
    key = _key(code)
    return _table()[key][1] if key else None


def sections() -> list[tuple[str, str]]:
    """(letter, name) of the 20 sections, A to T."""
    return [(c, name) for c, (name, _) in _table().items() if c.isalpha()]


def divisions(section: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the 97 divisions in code order, or only those of one section."""
    return [
        (c, name)
        for c, (name, sec) in _table().items()
        if c.isdigit() and (section is None or sec == section)
    ]
