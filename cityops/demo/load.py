"""Loads the generated demo city through the platform's own services (so the audit trail
records it like any other change). Idempotent: what already exists is left as it is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction

from cityops.core import audit, services
from cityops.core.models import City, Organisation, User

from .generator import DemoCity, generate_city

DEMO_PASSWORD = "cityops-demo"


@dataclass(frozen=True)
class LoadReport:
    city: DemoCity
    organisations_created: int
    users_created: int
    projects_created: int = 0
    needs_created: int = 0
    contracts_created: int = 0


# The modules whose demo data a load adds after the organisations and users, in order (each
# needs the ones before it). Tests of the platform's core load none of them.
MODULES = ("portfolio", "contracting", "performance", "policy")


@transaction.atomic
def demo_load(
    *, seed: int | None = None, progress: Callable[[int, int], None] | None = None,
    modules: tuple[str, ...] = MODULES,
) -> LoadReport:
    city = generate_city() if seed is None else generate_city(seed)
    total = len(city.organisations) + len(city.users)
    done = 0
    existing_orgs = {o.uscc: o for o in Organisation.objects.all()}
    by_key: dict[str, Organisation] = {}
    orgs_created = users_created = 0
    with audit.acting_as(None):
        current = City.current()
        if current is None or (current.name, current.region_code) != (city.city_name, city.city_code):
            services.city_configure(name=city.city_name, region_code=city.city_code)
        for demo_org in city.organisations:
            org = (
                existing_orgs.get(demo_org.uscc)
                or Organisation.objects.filter(name=demo_org.name).first()
            )
            if org is None:
                org = services.organisation_create(
                    by=None,
                    kind=demo_org.kind,
                    name=demo_org.name,
                    short_name=demo_org.short_name,
                    uscc=demo_org.uscc,
                    region_code=demo_org.region_code,
                    industry_code=demo_org.industry_code or "",
                )
                orgs_created += 1
            by_key[demo_org.key] = org
            done += 1
            if progress:
                progress(done, total)
        existing_users = set(User.objects.values_list("username", flat=True))
        # One hash for every demo account: hashing is deliberately slow (PBKDF2), and these
        # accounts share a published password anyway.
        password_hash = make_password(DEMO_PASSWORD)
        for demo_user in city.users:
            if demo_user.username not in existing_users:
                services.user_create(
                    by=None,
                    username=demo_user.username,
                    password=None,
                    password_hash=password_hash,
                    role=demo_user.role,
                    organisation=by_key[demo_user.org_key] if demo_user.org_key else None,
                    full_name=demo_user.full_name,
                    email=demo_user.email,
                )
                users_created += 1
            done += 1
            if progress:
                progress(done, total)
        projects_created = _load_portfolio(city, by_key) if "portfolio" in modules else 0
        contracting = {"needs": 0, "contracts": 0}
        from .contracting import DEMO_TODAY, load_contracting

        if "contracting" in modules:
            contracting = load_contracting(city, by_key)
        if "performance" in modules:
            from .performance_load import load_performance

            load_performance(city, by_key, DEMO_TODAY)
        if "policy" in modules:
            from .policy_load import load_policies

            load_policies(city, by_key, DEMO_TODAY)
    return LoadReport(city, orgs_created, users_created, projects_created,
                      contracting["needs"], contracting["contracts"])


def _load_portfolio(city: DemoCity, orgs: dict[str, Organisation]) -> int:
    """Companies, projects and the budget projection; what exists is left alone."""
    from cityops.portfolio import services as portfolio
    from cityops.portfolio.models import BudgetAssumption, Company, Project

    from . import portfolio as demo_portfolio

    companies = {c.name: c for c in Company.objects.all()}
    by_key = {}
    for spec in demo_portfolio.COMPANIES:
        fields = {k: v for k, v in spec.items() if k not in {"key", "shareholders"}}
        company = companies.get(spec["name"]) or portfolio.company_save(
            by=None, shareholders=spec["shareholders"], **fields)
        by_key[spec["key"]] = company
    if not BudgetAssumption.objects.exists():
        portfolio.budget_set(by=None, **demo_portfolio.budget())
    existing = set(Project.objects.values_list("code", flat=True))
    created = 0
    for spec in demo_portfolio.generate_portfolio(city):
        if spec["code"] in existing:
            continue
        fields = dict(spec)
        fields["department"] = orgs[spec["department"]]
        fields["company"] = by_key[spec["company"]] if spec["company"] else None
        portfolio.project_create(by=None, recheck=False, **fields)
        created += 1
    if created:
        portfolio.portfolio_recheck()
    return created


# The logins printed by `make run` and `cityops demo logins`, one per role.
DEMO_LOGINS = (
    "admin",
    "dept",
    "dept2",
    "finance",
    "supplier",
    "supplier2",
    "auditor",
    "enterprise",
    "citizen",
)


def demo_logins() -> list[dict]:
    users = {
        u.username: u
        for u in User.objects.filter(username__in=DEMO_LOGINS).select_related("organisation")
    }
    return [
        {
            "username": name,
            "password": DEMO_PASSWORD,
            "role": users[name].get_role_display(),
            "organisation": users[name].organisation.name if users[name].organisation else "",
        }
        for name in DEMO_LOGINS
        if name in users
    ]
