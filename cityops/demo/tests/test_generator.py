"""Tests for the deterministic demo city (pure data, no database)."""

import dataclasses
import hashlib
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cityops.core import codes, industries, regions
from cityops.demo import generator as g
from cityops.demo.generator import DemoCity, generate_city, rng_for

REPO = Path(__file__).resolve().parents[3]

# What kind of organisation each role belongs to (mirrors core/roles.py without importing Django).
ROLE_ORG_KIND = {
    "platform_admin": "department",
    "department_officer": "department",
    "finance_officer": "department",
    "auditor": "department",
    "supplier": "supplier",
    "enterprise": "enterprise",
    "public": None,
}


@pytest.fixture(scope="module")
def city() -> DemoCity:
    return generate_city()


def test_counts(city):
    assert len(city.departments) == 23
    assert len(city.suppliers) == 87
    assert len(city.enterprises) == 40
    assert len(city.organisations) == 150
    officers = sum(count for *_, count in g.DEPARTMENTS)
    assert len(city.users) == 9 + officers + 87 + 40 + 20


def test_city(city):
    assert city.seed == g.DEFAULT_SEED == 20261124
    assert (city.city_code, city.city_name) == ("330100", "杭州市")
    assert regions.region_name(city.city_code) == city.city_name


def test_departments(city):
    keys = [o.key for o in city.departments]
    assert len(set(keys)) == 23
    for key in ("data-bureau", "finance", "audit", "health", "transport"):
        assert key in keys
    assert city.org("data-bureau").name == "杭州市数据资源管理局"
    assert city.org("finance").name == "杭州市财政局"
    assert city.org("audit").name == "杭州市审计局"
    assert city.org("health").name == "杭州市卫生健康委员会"
    assert city.org("data-bureau").short_name == "数据局"
    for o in city.departments:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", o.key)
        assert o.name.startswith("杭州市")
        assert o.uscc.startswith("11330100")
        assert o.region_code == "330100"
    assert len({o.name for o in city.departments}) == 23
    assert len({o.short_name for o in city.departments}) == 23


def test_every_uscc_valid_and_unique(city):
    usccs = [o.uscc for o in city.organisations]
    assert len(set(usccs)) == len(usccs)
    for o in city.organisations:
        assert codes.uscc_problem(o.uscc) is None, o
        # The code's region part is where the organisation is registered.
        assert o.uscc[2:8] == o.region_code


def test_every_region_valid(city):
    for o in city.organisations:
        assert regions.is_region(o.region_code), o
    for code in g.HANGZHOU_DISTRICTS:
        assert regions.region_level(code) == "county"
        assert code in regions.regions_within("330100")
    for code, city_prefix in g.OTHER_CITY_DISTRICTS:
        assert regions.region_level(code) == "county"
        assert city_prefix in regions.region_full_name(code)
        assert not code.startswith("33")


def test_suppliers(city):
    names = [o.name for o in city.suppliers]
    assert len(set(names)) == 87
    outside = [o for o in city.suppliers if not o.region_code.startswith("3301")]
    assert len(outside) == g.N_OTHER_PROVINCE_SUPPLIERS == 9
    words = "|".join(w for w, _, _ in g.SUPPLIER_INDUSTRIES)
    local = re.compile(
        rf"杭州..({words})有限公司|浙江..({words})股份有限公司|..({words})（杭州）有限公司"
    )
    prefixes = "|".join({p for _, p in g.OTHER_CITY_DISTRICTS})
    remote = re.compile(rf"({prefixes})..({words})有限公司")
    for o in city.suppliers:
        assert o.uscc.startswith("91")
        assert o.industry_code in {"63", "64", "65"}
        if o in outside:
            assert remote.fullmatch(o.name), o.name
        else:
            assert o.region_code in g.HANGZHOU_DISTRICTS
            assert local.fullmatch(o.name), o.name
    # The demo logins' companies are local.
    assert city.suppliers[0].region_code in g.HANGZHOU_DISTRICTS
    assert city.suppliers[1].region_code in g.HANGZHOU_DISTRICTS


def test_enterprises(city):
    for o in city.enterprises:
        assert o.uscc.startswith("91")
        assert o.region_code in g.HANGZHOU_DISTRICTS
        assert industries.is_industry(o.industry_code)
        assert len(o.industry_code) == 2
        assert industries.industry_section(o.industry_code) not in {"S", "T"}
    assert len({o.industry_code for o in city.enterprises}) >= 10


def test_organisation_names_unique(city):
    names = [o.name for o in city.organisations]
    assert len(set(names)) == len(names)
    shorts = [o.short_name for o in city.organisations]
    assert len(set(shorts)) == len(shorts)
    keys = [o.key for o in city.organisations]
    assert len(set(keys)) == len(keys)


def test_industry_tables_valid():
    for _, division, _ in g.SUPPLIER_INDUSTRIES + g.ENTERPRISE_INDUSTRIES:
        assert industries.is_industry(division) and len(division) == 2


def test_trade_names():
    assert len(set(g.TRADE_NAMES)) == len(g.TRADE_NAMES) >= g.N_SUPPLIERS + g.N_ENTERPRISES
    assert all(len(t) == 2 for t in g.TRADE_NAMES)
    famous = {
        "阿里",
        "腾讯",
        "华为",
        "海康",
        "大华",
        "网易",
        "恒生",
        "百度",
        "京东",
        "小米",
        "浪潮",
    }
    assert not famous & set(g.TRADE_NAMES)


def test_fixed_logins(city):
    expected = [
        ("admin", "platform_admin", "data-bureau"),
        ("dept", "department_officer", "health"),
        ("dept2", "department_officer", "transport"),
        ("finance", "finance_officer", "finance"),
        ("supplier", "supplier", city.suppliers[0].key),
        ("supplier2", "supplier", city.suppliers[1].key),
        ("auditor", "auditor", "audit"),
        ("enterprise", "enterprise", city.enterprises[0].key),
        ("citizen", "public", None),
    ]
    assert [(u.username, u.role, u.org_key) for u in city.users[:9]] == expected


def test_users(city):
    usernames = [u.username for u in city.users]
    assert len(set(usernames)) == len(usernames)
    assert len({u.email for u in city.users}) == len(city.users)
    full_names = [u.full_name for u in city.users]
    assert len(set(full_names)) == len(full_names)
    for u in city.users:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", u.username), u.username
        assert u.role in g.ROLES
        assert u.email == f"{u.username}@cityops.example"
        assert 2 <= len(u.full_name) <= 3
        assert u.full_name[0] in g.SURNAME_CHARS
        kind = ROLE_ORG_KIND[u.role]
        if kind is None:
            assert u.org_key is None
        else:
            assert city.org(u.org_key).kind == kind
    assert sum(u.role == "public" for u in city.users) == 21
    assert sum(u.role == "platform_admin" for u in city.users) == 1


def test_every_organisation_has_users(city):
    with_users = {u.org_key for u in city.users}
    for o in city.organisations:
        assert o.key in with_users, o.key
    # Staff of finance and audit act as finance officers and auditors.
    assert city.user("d-finance-1").role == "finance_officer"
    assert city.user("d-audit-1").role == "auditor"
    assert city.user("d-health-1").role == "department_officer"
    assert city.user("s-087").org_key == "supplier-087"
    assert city.user("e-040").org_key == "enterprise-040"
    assert city.user("p-020").org_key is None


def test_lookup_errors(city):
    with pytest.raises(KeyError):
        city.org("nope")
    with pytest.raises(KeyError):
        city.user("nope")


def test_frozen(city):
    with pytest.raises(dataclasses.FrozenInstanceError):
        city.seed = 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        city.organisations[0].name = "x"


def test_same_seed_same_city():
    assert generate_city(5) == generate_city(5)
    assert generate_city() == generate_city(g.DEFAULT_SEED)


def test_other_seed_other_data_same_counts():
    a, b = generate_city(1), generate_city(2)
    assert a != b
    assert len(a.organisations) == len(b.organisations)
    assert len(a.users) == len(b.users)
    assert [o.key for o in a.organisations] == [o.key for o in b.organisations]
    assert [u.username for u in a.users] == [u.username for u in b.users]
    assert {o.name for o in a.suppliers} != {o.name for o in b.suppliers}
    assert not {o.uscc for o in a.organisations} & {o.uscc for o in b.organisations}
    # Departments are real bodies: same names under every seed, different codes.
    assert [o.name for o in a.departments] == [o.name for o in b.departments]


def test_rng_for_is_pinned():
    # Changing the derivation would silently change every demo data set: pin it.
    assert rng_for(1, "x").getrandbits(32) == 3136387798
    sub_seed = int.from_bytes(hashlib.sha256(b"1:x").digest()[:8], "big")
    assert rng_for(1, "x").random() == random.Random(sub_seed).random()


def test_rng_for_streams_differ():
    assert rng_for(1, "a").random() != rng_for(1, "b").random()
    assert rng_for(1, "a").random() != rng_for(2, "a").random()


def _run(code: str, hash_seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def test_independent_of_hash_randomisation():
    code = (
        "import hashlib; from cityops.demo.generator import generate_city; "
        "print(hashlib.sha256(repr(generate_city()).encode()).hexdigest())"
    )
    assert _run(code, "1") == _run(code, "2")


def test_no_django_imported():
    code = (
        "import sys; import cityops.demo.generator, cityops.core.codes, "
        "cityops.core.regions, cityops.core.industries; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    assert _run(code, "0") == "[]"
