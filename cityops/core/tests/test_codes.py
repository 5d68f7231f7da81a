"""Tests for cityops.core.codes (pure Python, no database)."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cityops.core import codes
from cityops.core.codes import USCC_ALPHABET, uscc_check_char, uscc_generate, uscc_problem

# Codes published on the public enterprise-credit system; each passes both the GB 32100 check
# and the GB 11714 check of its embedded organisation code, which a made-up string rarely does.
REAL_CODES = [
    "91350100M000100Y43",  # the example most often quoted for GB 32100
    "914403001922038216",
    "91330100716105852F",
    "91440300708461136T",
    "91110108551385082Q",
    "9111000071093465XC",
]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_valid(code):
    assert uscc_problem(code) is None
    assert codes.is_uscc(code)
    # Their organisation codes are valid GB 11714 codes too.
    assert codes.org_code_check_char(code[8:16]) == code[16]


@pytest.mark.parametrize("code", REAL_CODES)
def test_one_char_mutation_of_real_code_is_rejected(code):
    # Change the 10th character (inside the organisation code) to the next alphabet character.
    i = 9
    mutated = code[:i] + USCC_ALPHABET[(USCC_ALPHABET.index(code[i]) + 1) % 31] + code[i + 1 :]
    assert uscc_problem(mutated) == "check_digit"


def test_check_char_of_quoted_example():
    assert uscc_check_char("91350100M000100Y4") == "3"


def test_alphabet_has_31_chars_without_ioszv():
    assert len(USCC_ALPHABET) == 31
    assert len(set(USCC_ALPHABET)) == 31
    assert not set("IOSZV") & set(USCC_ALPHABET)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "length"),
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        (" 91350100M000100Y43", "length"),  # surrounding space is not stripped
        (" 91350100M000100Y4", "charset"),
        ("91350100m000100Y43", "charset"),  # lowercase is not accepted
        ("91350100I000100Y43", "charset"),  # I is excluded from the alphabet
        ("91350100M000100Y4-", "charset"),
        ("01350100M000100Y43", "registration_authority"),
        ("B1350100M000100Y43", "registration_authority"),
        ("9135A100M000100Y43", "region"),
        ("91350100M000100Y44", "check_digit"),
    ],
)
def test_problems(value, problem):
    assert uscc_problem(value) == problem


def test_problem_order_length_before_charset():
    assert uscc_problem("abc") == "length"


def test_problem_order_charset_before_authority():
    # Both a bad first character and a bad charset: charset wins.
    assert uscc_problem("0135010OM000100Y43") == "charset"


def test_problem_order_region_before_check():
    assert uscc_problem("91ABCDEFM000100Y43") == "region"


def test_every_problem_has_messages():
    keys = {"length", "charset", "registration_authority", "region", "check_digit"}
    assert set(codes.USCC_PROBLEMS) == keys
    for english, chinese in codes.USCC_PROBLEMS.values():
        assert english and chinese


def test_generate_uses_prefix_and_region():
    rng = random.Random(1)
    code = uscc_generate(rng, registration_authority="1", org_category="1", region_code="330100")
    assert code.startswith("11330100")
    assert uscc_problem(code) is None


def test_generate_with_org_code_prefix():
    code = uscc_generate(random.Random(3), region_code="330106", org_code_prefix="MA")
    assert code.startswith("91330106MA")
    assert uscc_problem(code) is None


def test_generate_is_deterministic():
    assert uscc_generate(random.Random(7)) == uscc_generate(random.Random(7))
    assert uscc_generate(random.Random(7)) != uscc_generate(random.Random(8))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"registration_authority": "0"},
        {"org_category": "I"},
        {"region_code": "33010"},
        {"org_code_prefix": "MO"},
        {"org_code_prefix": "123456789"},
    ],
)
def test_generate_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        uscc_generate(random.Random(0), **kwargs)


def test_org_code_check_char_special_values():
    # C9 = 11 - (sum % 11): remainder 1 -> 10 -> "X", remainder 0 -> 11 -> "0".
    assert codes.org_code_check_char("00000000") == "0"
    assert codes.org_code_check_char("71093465") == "X"


@given(
    seed=st.integers(min_value=0, max_value=2**32),
    authority=st.sampled_from(sorted(codes.USCC_REGISTRATION_AUTHORITIES)),
    category=st.sampled_from("123459"),
    region=st.from_regex(r"\A[0-9]{6}\Z"),
    prefix=st.text(alphabet=USCC_ALPHABET, max_size=8),
)
def test_generated_codes_validate(seed, authority, category, region, prefix):
    code = uscc_generate(
        random.Random(seed),
        registration_authority=authority,
        org_category=category,
        region_code=region,
        org_code_prefix=prefix,
    )
    assert code[8 : 8 + len(prefix)] == prefix
    assert len(code) == 18
    assert uscc_problem(code) is None
    assert codes.org_code_check_char(code[8:16]) == code[16]


@given(
    seed=st.integers(min_value=0, max_value=2**32),
    position=st.integers(min_value=0, max_value=17),
    shift=st.integers(min_value=1, max_value=30),
)
def test_any_single_substitution_is_detected(seed, position, shift):
    # Weights are powers of 3 mod 31 (never 0) and 31 is prime, so changing one character by a
    # non-zero amount always changes the weighted sum mod 31; position 18 is the check itself.
    code = uscc_generate(random.Random(seed))
    new_char = USCC_ALPHABET[(USCC_ALPHABET.index(code[position]) + shift) % 31]
    mutated = code[:position] + new_char + code[position + 1 :]
    assert mutated != code
    assert uscc_problem(mutated) is not None
