"""Portfolio use cases that write: projects, companies, budget, compliance, import."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core.models import User
from cityops.core.roles import Role

from . import selectors
from .domain import compliance  # noqa: F401  (pure rules engine)
from .facts import project_facts
from .models import (
    BudgetAssumption,
    BudgetYear,
    Company,
    ComplianceFinding,
    Project,
    Shareholder,
)

PROJECT_FIELDS = frozenset(
    f.name for f in Project._meta.concrete_fields
    if f.name not in {"id", "created_at", "updated_at", "compliance_outcome"}
) | {"department_id", "company_id"}
SHARE_TOLERANCE = Decimal("0.0001")


def _check_project_write(by: User | None, project: Project) -> None:
    if by is None:
        return  # the system (demo loader, import job acting for a checked user)
    if by.role == Role.PLATFORM_ADMIN:
        return
    if by.role == Role.DEPARTMENT_OFFICER and project.department_id == by.organisation_id:
        return
    raise PermissionDenied


def _assign(project: Project, fields: dict) -> None:
    unknown = set(fields) - PROJECT_FIELDS - {"department", "company"}
    if unknown:
        raise ValidationError({name: "unknown field" for name in sorted(unknown)})
    for name, value in fields.items():
        if name in {"operation_objects", "other_income"} and not isinstance(value, str):
            value = ",".join(sorted(set(value)))
        setattr(project, name, value)


@transaction.atomic
def project_create(*, by: User | None, recheck: bool = True, **fields) -> Project:
    project = Project()
    _assign(project, fields)
    project.full_clean()
    _check_project_write(by, project)
    project.save()
    if recheck:
        project_check_compliance(project=project)
    return project


@transaction.atomic
def project_update(*, project: Project, by: User | None, **fields) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    _check_project_write(by, project)  # may the user touch it as it is ...
    _assign(project, fields)
    project.full_clean()
    _check_project_write(by, project)  # ... and as it will be (no moving it to another dept)
    project.save()
    project_check_compliance(project=project)
    return project


def project_check_compliance(*, project: Project, context=None, rules=None,
                             as_of: dt.date | None = None) -> list[ComplianceFinding]:
    """Run every rule on the project and store the findings (replacing the last ones)."""
    rules = rules if rules is not None else compliance.load_rules()
    context = context if context is not None else selectors.portfolio_context()
    as_of = as_of or timezone.localdate()
    findings = compliance.check_project(project_facts(project), context, rules=rules, as_of=as_of)
    titles = {rule.id: rule for rule in rules}
    rows = [
        ComplianceFinding(
            project=project, rule_id=f.rule_id, outcome=str(f.outcome),
            title_en=titles[f.rule_id].title_en, title_zh=titles[f.rule_id].title_zh,
            message_en=f.message_en, message_zh=f.message_zh, source=f.source,
            article=f.article or "", regime=f.regime or "",
        )
        for f in findings
        if str(f.outcome) != "n/a"
    ]
    with transaction.atomic():
        ComplianceFinding.objects.filter(project=project).delete()
        ComplianceFinding.objects.bulk_create(rows)
        outcome = str(compliance.summary(findings)) if rows else "pass"
        if outcome == "n/a":
            outcome = "pass"
        Project.objects.filter(pk=project.pk).update(compliance_outcome=outcome)
        project.compliance_outcome = outcome
    return rows


def portfolio_recheck(*, progress=None) -> int:
    """Re-check every project (after a budget or rule change). Returns the number checked."""
    rules = compliance.load_rules()
    context = selectors.portfolio_context()
    projects = list(Project.objects.all())
    for i, project in enumerate(projects, 1):
        project_check_compliance(project=project, context=context, rules=rules)
        if progress:
            progress(i, len(projects))
    return len(projects)


# -- companies ---------------------------------------------------------------------------


@transaction.atomic
def company_save(*, by: User | None, company: Company | None = None,
                 shareholders: Iterable[dict], **fields) -> Company:
    """Create or update a company with its shareholders; shares must add up to 100%."""
    if by is not None and by.role != Role.PLATFORM_ADMIN:
        raise PermissionDenied
    company = company or Company()
    for name, value in fields.items():
        setattr(company, name, value)
    company.full_clean()
    holders = [Shareholder(company=company, **row) for row in shareholders]
    errors = {}
    for i, holder in enumerate(holders, 1):
        try:
            holder.full_clean(exclude=["company"])
        except ValidationError as exc:
            errors.update({f"shareholders[{i}].{k}": v for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    total = sum((h.share for h in holders), Decimal(0))
    if holders and abs(total - 1) > SHARE_TOLERANCE:
        raise ValidationError({"shareholders": _(
            "The shares of the shareholders add up to %(total)s, not 100%%."
        ) % {"total": f"{total:.2%}"}})
    company.save()
    company.shareholders.all().delete()
    for holder in holders:
        holder.company = company
        holder.save()
    return company


# -- budget ------------------------------------------------------------------------------


@transaction.atomic
def budget_set(*, by: User | None, years: dict[int, Decimal] | None = None,
               other_ppp: dict[int, Decimal | None] | None = None,
               base_year: int | None = None, base_expenditure_wan: Decimal | None = None,
               growth_rate: Decimal | None = None, other_ppp_share: Decimal | None = None) -> None:
    """Finance (or the admin) enters the general public budget expenditure projection and the
    jurisdiction's PPP liabilities outside the portfolio."""
    if by is not None and by.role not in (Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN):
        raise PermissionDenied
    for year, amount in (years or {}).items():
        row = BudgetYear.objects.filter(year=year).first() or BudgetYear(year=year)
        row.expenditure_wan = amount
        if other_ppp and year in other_ppp:
            row.other_ppp_liabilities_wan = other_ppp[year]
        row.full_clean()
        row.save()
    if base_year is not None:
        row = BudgetAssumption.objects.first() or BudgetAssumption()
        row.base_year, row.base_expenditure_wan, row.growth_rate = (
            base_year, base_expenditure_wan, growth_rate)
        row.other_ppp_share = other_ppp_share or Decimal(0)
        row.full_clean()
        row.save()
