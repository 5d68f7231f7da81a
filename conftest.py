"""Shared test fixtures: personas for every role, built through the real services."""

import random

import pytest


@pytest.fixture(autouse=True)
def _jobs_in_process():
    """Jobs run in-process (Huey's immediate mode, in-memory queue) once their transaction
    commits; test_jobs.py also starts a real worker process on the SQLite and Redis queues."""
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = True
    yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at Django's default cost takes ~0.3 s per login; tests log in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache():
    # DRF keeps the token endpoint's rate limit in the cache, which outlives a test.
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_database_url() -> str:
    """DATABASE_URL of the test database, for subprocesses (CLI, worker) that must see it."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


test_database_url.__test__ = False  # a helper, not a test


@pytest.fixture(autouse=True)
def _reset_axes(db):
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()


PASSWORD = "Correct-Horse-42"


def _org(kind, name, region="330100", authority="9", category="1", seed=0):
    from cityops.core import codes, services

    rng = random.Random(f"{name}-{seed}")
    return services.organisation_create(
        by=None,
        kind=kind,
        name=name,
        short_name=name[-4:],
        uscc=codes.uscc_generate(rng, registration_authority=authority, org_category=category,
                                 region_code=region),
        region_code=region if len(region) == 6 else "330100",
    )


class Personas:
    """alice-style personas: one user per role, and a second department and supplier."""

    def __init__(self):
        from cityops.core import services
        from cityops.core.roles import Role

        self.bureau = _org("department", "测试市数据资源管理局", authority="1", category="1")
        self.health = _org("department", "测试市卫生健康委员会", authority="1", category="1")
        self.transport = _org("department", "测试市交通运输局", authority="1", category="1")
        self.finance_bureau = _org("department", "测试市财政局", authority="1", category="1")
        self.audit_office = _org("department", "测试市审计局", authority="1", category="1")
        self.supplier_org = _org("supplier", "杭州测试云科技有限公司", region="330106")
        self.supplier2_org = _org("supplier", "杭州对手数据有限公司", region="330108")
        self.enterprise_org = _org("enterprise", "杭州测试制造有限公司", region="330110")

        def user(username, role, org):
            return services.user_create(by=None, username=username, password=PASSWORD,
                                        role=role, organisation=org, full_name=username.title())

        self.admin = user("alice", Role.PLATFORM_ADMIN, self.bureau)
        self.dept = user("bob", Role.DEPARTMENT_OFFICER, self.health)
        self.dept2 = user("dora", Role.DEPARTMENT_OFFICER, self.transport)
        self.finance = user("fiona", Role.FINANCE_OFFICER, self.finance_bureau)
        self.supplier = user("sam", Role.SUPPLIER, self.supplier_org)
        self.supplier2 = user("sue", Role.SUPPLIER, self.supplier2_org)
        self.auditor = user("otto", Role.AUDITOR, self.audit_office)
        self.enterprise = user("erin", Role.ENTERPRISE, self.enterprise_org)
        self.public = user("carl", Role.PUBLIC, None)

    def by_role(self):
        return {
            "platform_admin": self.admin,
            "department_officer": self.dept,
            "finance_officer": self.finance,
            "supplier": self.supplier,
            "auditor": self.auditor,
            "enterprise": self.enterprise,
            "public": self.public,
        }


@pytest.fixture
def personas(db):
    return Personas()
