"""Rows → the plain records the matching engine reads (cityops/demand/matching/data.py)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from .matching.data import NeedText, Qualification, SupplierCapability
from .models import Need, SupplierProfile, split_list


def need_text(need: Need) -> NeedText:
    return NeedText(
        id=str(need.pk), department=str(need.department_id), title=need.title,
        description=need.description, tags=tuple(need.tag_list), category=need.category,
        region_code=need.region_code,
        filed_on=(need.submitted_at or need.created_at).date(),
        technical_standard=need.technical_standard,
        implementation_days=need.implementation_days, budget_wan=need.budget_wan,
        availability_pct=need.availability_pct, response_minutes=need.response_minutes,
        data_interfaces=need.data_interfaces, security_level=need.security_level,
        user_scale=need.user_scale, integration_points=need.integration_points,
        xinchuang_required=need.xinchuang_required,
        acceptance_criteria=need.acceptance_criteria,
        operations_months=need.operations_months,
    )


def supplier_loads() -> dict[int, Decimal]:
    """Contracted amount in force per supplier organisation (the capacity check's load)."""
    from cityops.procurement.models import Contract, ContractStatus

    rows = (Contract.objects.filter(status=ContractStatus.ACTIVE)
            .values("supplier_id").annotate(total=Sum("amount_wan")))
    return {r["supplier_id"]: r["total"] or Decimal(0) for r in rows}


def platform_references() -> dict[int, list[str]]:
    """Contracts on the platform count as references by themselves."""
    from cityops.procurement.models import Contract, ContractStatus

    refs: dict[int, list[str]] = {}
    for supplier_id, title in Contract.objects.exclude(status=ContractStatus.DRAFT).values_list(
            "supplier_id", "title"):
        refs.setdefault(supplier_id, []).append(title)
    return refs


def supplier_capabilities(profiles=None) -> list[SupplierCapability]:
    profiles = profiles if profiles is not None else SupplierProfile.objects.all()
    profiles = profiles.select_related("supplier").prefetch_related("qualifications",
                                                                    "references")
    loads = supplier_loads()
    platform_refs = platform_references()
    result = []
    for p in profiles:
        result.append(SupplierCapability(
            id=str(p.supplier_id), name=p.supplier.name, capabilities=p.capabilities,
            tags=tuple(p.tag_list),
            qualifications=tuple(Qualification(kind=q.kind, level=q.level,
                                               expires_on=q.expires_on)
                                 for q in p.qualifications.all()),
            regions_served=tuple(split_list(p.regions_served)) or ("",),
            capacity_wan=p.capacity_wan, load_wan=loads.get(p.supplier_id, Decimal(0)),
            references=tuple([r.title for r in p.references.all()]
                             + platform_refs.get(p.supplier_id, [])),
        ))
    return result
