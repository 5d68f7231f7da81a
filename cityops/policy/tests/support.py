"""Shared builders for the policy app's database tests: rule texts, a small registry with the
personas' enterprise in it, a second enterprise and its user, clients per role."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import polars as pl
from django.test import Client

from cityops.core import codes
from cityops.core import services as core_services
from cityops.core.models import Organisation, User
from cityops.core.roles import Role
from cityops.policy import services
from cityops.policy.engine.registry import registry_validate
from cityops.policy.models import Enterprise, Policy

AS_OF = dt.date.today()
PASSWORD = "Correct-Horse-42"


def uscc(seed: str, region: str = "330106") -> str:
    return codes.uscc_generate(random.Random(seed), registration_authority="9",
                               org_category="1", region_code=region)


def policy_text(doc: str = "杭科规〔2026〕1号", *, key: str | None = None,
                conditions: list[str] | None = None, scope: str = "3301",
                level: str = "city", free: bool = False, groups: str = "[]",
                amount: str = '"min(rd_expense_wan * 0.1, 50)"', implements: str | None = None,
                issued: dt.date | None = None, effective_from: dt.date | None = None,
                effective_to: dt.date | None = None, title: str = "研发费用补助办法") -> str:
    """A valid rule text. ``conditions`` are the lines of its ``all`` list; the first
    condition is on line 12 (line 13 with ``implements``)."""
    conditions = conditions if conditions is not None else [
        '{attr: tech_sme, op: is_true}',
        '{attr: rd_intensity, op: ">=", value: 5}',
        '{attr: revenue_wan, op: between, value: [500, 20000]}',
    ]
    effective_from = effective_from or (AS_OF - dt.timedelta(days=30))
    lines = [
        f"id: {key}" if key else f"# {doc}",
        f"doc_number: {doc}",
        f"title: {title}",
        "issuer: science",
        f"level: {level}",
        f'region_scope: ["{scope}"]' if scope else "region_scope: []",
        f"issued_on: {(issued or effective_from).isoformat()}",
        f"effective_from: {effective_from.isoformat()}",
        f"effective_to: {effective_to.isoformat()}" if effective_to else "# open-ended",
        f"free_application: {'true' if free else 'false'}",
        f"exclusivity_groups: {groups}",
    ]
    if implements:
        lines.insert(2, f"implements: {implements}")
    lines += ["eligibility:", "  all:"]
    lines += [f"    - {c}" for c in conditions]
    lines += [
        "benefits:",
        f"  - {{kind: subsidy, name: 研发补助, amount: {amount}, cap_wan: 50}}",
        "materials: [申请表, 研发费用专项审计报告]",
        "guide:",
        "  steps: [浙里办在线申报, 区科技局初审, 市科技局复核]",
        "  channel: 浙里办",
        f"  deadline: {(AS_OF + dt.timedelta(days=90)).isoformat()}",
    ]
    return "\n".join(lines) + "\n"


def condition_line(text: str, needle: str) -> int:
    """The 1-based line of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.split("\n"), start=1) if needle in line)


# The personas' enterprise (杭州测试制造有限公司): a tech SME whose R&D intensity (3.2%) is
# short of 5%; "rich": meets every condition of the default policy; "far": meets nothing.
PROFILES = {
    "erin": {"employees": "80", "revenue_wan": "3000", "rd_expense_wan": "96",
             "tech_sme": "是", "high_tech": "否", "tax_credit_rating": "A",
             "founded_on": "2018-05-01", "industry_code": "3911", "region_code": "330110"},
    "rich": {"employees": "200", "revenue_wan": "8000", "rd_expense_wan": "800",
             "tech_sme": "true", "high_tech": "true", "tax_credit_rating": "A",
             "founded_on": "2012-03-01", "industry_code": "3912", "region_code": "330108"},
    "far": {"employees": "3", "revenue_wan": "50", "rd_expense_wan": "0",
            "tech_sme": "false", "high_tech": "false", "tax_credit_rating": "C",
            "founded_on": "2024-01-01", "industry_code": "5110", "region_code": "330102"},
}


def registry_rows(extra: dict[str, dict] | None = None) -> list[dict]:
    rows = []
    for name, values in {**PROFILES, **(extra or {})}.items():
        rows.append({"uscc": values.get("uscc") or uscc(name, values["region_code"]),
                     "name": values.get("name") or f"杭州{name}科技有限公司",
                     **{k: v for k, v in values.items() if k not in ("uscc", "name")}})
    return rows


def load_registry(rows: list[dict]) -> dict[str, Enterprise]:
    """Load rows (text values, as in a file) through the registry service; by name."""
    keys = sorted({k for r in rows for k in r})
    raw = pl.DataFrame({k: pl.Series(k, [r.get(k) for r in rows], dtype=pl.String)
                        for k in keys})
    imported = registry_validate(raw)
    assert imported.ok, imported.rejected
    services.registry_load(imported.frame)
    return {e.name: e for e in Enterprise.objects.all()}


@dataclass
class World:
    erin: Enterprise  # the personas' enterprise, linked to personas.enterprise_org
    rich: Enterprise
    far: Enterprise
    other_org: Organisation
    other_user: User  # an enterprise user of "rich"


def build_world(personas) -> World:
    """The registry (three enterprises), erin's and another enterprise's organisations linked,
    and a user for the other enterprise."""
    rows = registry_rows()
    rows[0]["uscc"] = personas.enterprise_org.uscc
    rows[0]["name"] = personas.enterprise_org.name
    rows[0]["region_code"] = personas.enterprise_org.region_code
    by_name = load_registry(rows)
    erin = by_name[personas.enterprise_org.name]
    erin.organisation = personas.enterprise_org
    erin.save(update_fields=["organisation"])
    rich = by_name["杭州rich科技有限公司"]
    other_org = core_services.organisation_create(
        by=None, kind="enterprise", name=rich.name, short_name="rich", uscc=rich.uscc,
        region_code=rich.region_code)
    rich.organisation = other_org
    rich.save(update_fields=["organisation"])
    other_user = core_services.user_create(by=None, username="eve", password=PASSWORD,
                                           role=Role.ENTERPRISE, organisation=other_org,
                                           full_name="Eve")
    return World(erin, rich, by_name["杭州far科技有限公司"], other_org, other_user)


def in_force(personas, text: str | None = None, *, by=None) -> Policy:
    """A policy of the health department (bob's), put in force through the services."""
    policy = services.policy_save(by=by or personas.dept, source=text or policy_text())
    return services.policy_set_status(policy=policy, by=by or personas.dept, status="in_force")


def page_client(user, language: str = "zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    client.cookies["django_language"] = language
    return client
