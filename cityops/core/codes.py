"""统一社会信用代码 (unified social credit code, USCC), GB 32100-2015.

Pure Python, no Django: the Django validator in ``validators.py`` wraps ``uscc_problem``.

Layout of the 18 characters::

    1      registration authority (登记管理部门码)
    2      organisation category (机构类别码)
    3-8    administrative division code of the registering authority (GB/T 2260)
    9-17   organisation code (组织机构代码, GB 11714: 8 body characters + its check character)
    18     check character over characters 1-17 (mod 31)
"""

from __future__ import annotations

import random

# GB 32100 uses digits and 21 capital letters: I, O, Z, S, V are left out (look like 1, 0, 2, 5, U).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
# Weight of position i is 3**i mod 31; listed literally as in the standard.
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# 1 机构编制, 2 外交, 3 司法行政, 4 文化, 5 民政, 6 旅游, 7 宗教, 8 工会, 9 工商(市场监管),
# A 中央军委改革和编制办公室, N 农业, Y 其他.
USCC_REGISTRATION_AUTHORITIES = frozenset("123456789ANY")

# problem key -> (English message template, Chinese message); validators.py has the translated ones.
USCC_PROBLEMS: dict[str, tuple[str, str]] = {
    "length": (
        "A unified social credit code has exactly 18 characters; this one has {n}.",
        "统一社会信用代码应为18位。",
    ),
    "charset": (
        "A unified social credit code uses only digits and the capital letters "
        "A-H, J-N, P-R, T, U, W-Y; '{char}' is not allowed.",
        "统一社会信用代码只能包含数字和大写字母（不含I、O、Z、S、V）。",
    ),
    "registration_authority": (
        "The first character names the registering authority (1-9, A, N, Y); '{char}' is not one.",
        "登记管理部门代码（第1位）无效。",
    ),
    "region": (
        "Characters 3 to 8 must be a 6-digit administrative division code.",
        "登记管理机关行政区划码（第3至8位）应为6位数字。",
    ),
    "check_digit": (
        "The check character does not match (GB 32100): expected '{expected}', got '{char}'.",
        "统一社会信用代码校验码错误。",
    ),
}

# GB 11714 organisation code: digits keep their value, letters A..Z are 10..35.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 (which must all be in USCC_ALPHABET)."""
    if len(first17) != 17:
        raise ValueError("need exactly 17 characters")
    total = sum(_USCC_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_problem(value: str) -> str | None:
    """None when ``value`` is a valid USCC, else the first problem key (see USCC_PROBLEMS).

    Checks run in the order length, charset, registration_authority, region, check_digit.
    Lowercase letters are a charset problem; stripping whitespace is the caller's job.
    """
    if len(value) != 18:
        return "length"
    if any(c not in _USCC_VALUE for c in value):
        return "charset"
    if value[0] not in USCC_REGISTRATION_AUTHORITIES:
        return "registration_authority"
    if not value[2:8].isdigit():
        return "region"
    if uscc_check_char(value[:17]) != value[17]:
        return "check_digit"
    return None


def is_uscc(value: str) -> bool:
    return uscc_problem(value) is None


def _org_char_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def org_code_check_char(body: str) -> str:
    """GB 11714 check character for an 8-character organisation code body."""
    if len(body) != 8:
        raise ValueError("need exactly 8 characters")
    total = sum(_org_char_value(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    if c9 == 10:
        return "X"
    if c9 == 11:
        return "0"
    return str(c9)


def uscc_generate(
    rng: random.Random,
    *,
    registration_authority: str = "9",
    org_category: str = "1",
    region_code: str = "330100",
    org_code_prefix: str = "",
) -> str:
    """A random but well-formed USCC: authority + category + region + organisation code + check.

    Typical prefixes: "11" government organ (机构编制 / 机关), "91" enterprise (市场监管 / 企业).
    ``org_code_prefix`` fixes the start of the organisation code, e.g. "MA" as in codes issued to
    enterprises registered since 2015 (91330106MA2...).
    """
    if registration_authority not in USCC_REGISTRATION_AUTHORITIES:
        raise ValueError(f"unknown registration authority {registration_authority!r}")
    if len(org_category) != 1 or org_category not in _USCC_VALUE:
        raise ValueError(f"bad organisation category {org_category!r}")
    if len(region_code) != 6 or not region_code.isdigit():
        raise ValueError(f"bad region code {region_code!r}")
    if len(org_code_prefix) > 8 or any(c not in _USCC_VALUE for c in org_code_prefix):
        raise ValueError(f"bad organisation code prefix {org_code_prefix!r}")
    # The body may use any GB 11714 character, but only those in the USCC alphabet keep the whole
    # code valid. Real bodies are mostly digits, so letters are kept rare.
    body = org_code_prefix + "".join(
        rng.choice(USCC_ALPHABET[10:]) if rng.random() < 0.05 else rng.choice("0123456789")
        for _ in range(8 - len(org_code_prefix))
    )
    first17 = registration_authority + org_category + region_code + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)
