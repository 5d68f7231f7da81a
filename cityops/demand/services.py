"""Demand use cases that write: needs and their review, duplicate flags, supplier profiles."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cityops.core import services as core_services
from cityops.core.models import Organisation, User
from cityops.core.numbering import next_code
from cityops.core.roles import Role
from cityops.core.workflow import TransitionRefused

from .models import (
    NEED_WORKFLOW,
    DuplicateFlag,
    DuplicateStatus,
    Need,
    NeedEvent,
    NeedStatus,
    Qualification,
    SupplierProfile,
    SupplierReference,
)

NEED_FIELDS = frozenset({
    "title", "description", "tags", "category", "region_code", "technical_standard",
    "implementation_days", "budget_wan", "availability_pct", "response_minutes",
    "data_interfaces", "security_level", "user_scale", "integration_points",
    "xinchuang_required", "acceptance_criteria", "operations_months", "project",
})
# Similarity above which a pair of needs from different departments is flagged; tuned on the
# labelled set (cityops/demand/data/labelled.yaml, see matching/evaluate.py).
DUPLICATE_THRESHOLD = None  # None: the matching engine's own default


def _now(at: dt.datetime | None) -> dt.datetime:
    return at or timezone.now()


def _assign(need: Need, fields: dict) -> None:
    unknown = set(fields) - NEED_FIELDS
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    for name, value in fields.items():
        if name == "tags" and not isinstance(value, str):
            value = ",".join(value)
        setattr(need, name, value)


def _require_officer_of(by: User | None, department_id: int) -> None:
    if by is None:
        return
    if by.role == Role.DEPARTMENT_OFFICER and by.organisation_id == department_id:
        return
    raise PermissionDenied


def _require_bureau(by: User | None) -> None:
    if by is None or by.role == Role.PLATFORM_ADMIN:
        return
    raise PermissionDenied


@transaction.atomic
def need_create(*, by: User | None, department: Organisation | None = None,
                at: dt.datetime | None = None, **fields) -> Need:
    """A department officer files a draft need for their own department."""
    if department is None:
        department = by.organisation if by is not None else None
    if department is None:
        raise ValidationError({"department": _("A need belongs to a department.")})
    _require_officer_of(by, department.pk)
    now = _now(at)
    need = Need(department=department, filed_by=by, created_at=now, status=NeedStatus.DRAFT)
    _assign(need, fields)
    need.code = next_code(Need, "XQ", now.year)
    need.full_clean()
    need.save()
    NeedEvent.objects.create(need=need, at=now, by=by, action="create",
                             from_status=NeedStatus.DRAFT, to_status=NeedStatus.DRAFT)
    return need


@transaction.atomic
def need_update(*, need: Need, by: User | None, **fields) -> Need:
    need = Need.objects.select_for_update().get(pk=need.pk)
    _require_officer_of(by, need.department_id)
    if not need.editable:
        raise TransitionRefused("edit", need.get_status_display(), _(
            "Only a draft or a returned need can be changed; this one is “%(state)s”.")
            % {"state": need.get_status_display()})
    _assign(need, fields)
    need.full_clean()
    need.save()
    return need


def _transition(need: Need, action: str, by: User | None, *, comment: str = "",
                at: dt.datetime | None = None, **changes) -> Need:
    """Apply a workflow action to the locked row; the caller holds the transaction."""
    need = Need.objects.select_for_update().get(pk=need.pk)
    old = NEED_WORKFLOW.apply(need, action)
    now = _now(at)
    for name, value in changes.items():
        setattr(need, name, value)
    stamp = {"submit": "submitted_at", "approve": "approved_at", "fulfil": "fulfilled_at"}
    if action in stamp:
        setattr(need, stamp[action], now)
    need.save()
    NeedEvent.objects.create(need=need, at=now, by=by, action=action, from_status=old,
                             to_status=need.status, comment=comment)
    return need


@transaction.atomic
def need_submit(*, need: Need, by: User | None, at: dt.datetime | None = None,
                detect: bool = True) -> Need:
    _require_officer_of(by, need.department_id)
    need = _transition(need, "submit", by, at=at)
    if detect:
        duplicates_detect(need=need, at=at)
    core_services.notify(
        recipients=core_services.users_with_role(Role.PLATFORM_ADMIN), kind="need.submitted",
        title=_("Need %(code)s submitted for review") % {"code": need.code},
        body=f"{need.department.short_name or need.department.name}：{need.title}",
        url=f"/demand/needs/{need.pk}/", key=f"need-submitted:{need.pk}:{int(need.submitted_at.timestamp())}")
    return need


@transaction.atomic
def need_approve(*, need: Need, by: User | None, comment: str = "",
                 at: dt.datetime | None = None) -> Need:
    _require_bureau(by)
    need = _transition(need, "approve", by, comment=comment, at=at, review_comment=comment)
    _tell_department(need, _("Need %(code)s approved") % {"code": need.code}, comment)
    return need


@transaction.atomic
def need_return(*, need: Need, by: User | None, comment: str,
                at: dt.datetime | None = None) -> Need:
    _require_bureau(by)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the department should change.")})
    need = _transition(need, "return", by, comment=comment, at=at, review_comment=comment)
    _tell_department(need, _("Need %(code)s returned for changes") % {"code": need.code},
                     comment)
    return need


@transaction.atomic
def need_merge(*, need: Need, into: Need, by: User | None, comment: str = "",
               at: dt.datetime | None = None) -> Need:
    """Merge ``need`` into ``into`` for one intensive (集约化) procurement."""
    _require_bureau(by)
    if need.pk == into.pk:
        raise ValidationError({"into": _("A need cannot be merged into itself.")})
    into = Need.objects.select_for_update().get(pk=into.pk)
    if into.status not in (NeedStatus.SUBMITTED, NeedStatus.APPROVED):
        raise ValidationError({"into": _(
            "The need to merge into must be submitted or approved; it is “%(state)s”.")
            % {"state": into.get_status_display()}})
    need = _transition(need, "merge", by, comment=comment, at=at, merged_into=into,
                       review_comment=comment)
    a, b = sorted((need.pk, into.pk))
    DuplicateFlag.objects.filter(need_a_id=a, need_b_id=b).update(
        status=DuplicateStatus.MERGED, decided_by=by, decided_at=_now(at))
    _tell_department(need, _("Need %(code)s merged into %(into)s") % {
        "code": need.code, "into": into.code}, comment)
    return need


@transaction.atomic
def need_withdraw(*, need: Need, by: User | None, comment: str = "") -> Need:
    _require_officer_of(by, need.department_id)
    return _transition(need, "withdraw", by, comment=comment)


@transaction.atomic
def need_set_procured(*, need: Need, by: User | None, at=None) -> Need:
    """Called by procurement: the need is now being bought (one transaction with the plan)."""
    return _transition(need, "procure", by, at=at)


@transaction.atomic
def need_release(*, need: Need, by: User | None, comment: str = "", at=None) -> Need:
    """Called by procurement when it is cancelled: the need is approved and buyable again."""
    return _transition(need, "release", by, comment=comment, at=at)


@transaction.atomic
def need_fulfil(*, need: Need, by: User | None, at=None) -> Need:
    """Called by procurement when the contract is signed."""
    return _transition(need, "fulfil", by, at=at)


def _tell_department(need: Need, title: str, comment: str) -> None:
    core_services.notify(
        recipients=core_services.users_of(need.department_id, [Role.DEPARTMENT_OFFICER]),
        kind="need.reviewed", title=title, body=comment, url=f"/demand/needs/{need.pk}/",
        key=f"need:{need.pk}:{need.status}:{timezone.now():%Y%m%d%H%M%S%f}")


# -- duplicates ---------------------------------------------------------------------------------


def _candidates_for_duplicates():
    return Need.objects.filter(status__in=[NeedStatus.SUBMITTED, NeedStatus.APPROVED,
                                           NeedStatus.IN_PROCUREMENT])


@transaction.atomic
def duplicates_detect(*, need: Need | None = None, at: dt.datetime | None = None,
                      progress=None) -> int:
    """Flag needs of different departments that ask for the same thing. With ``need``, only
    pairs involving it. Returns the number of new flags; known pairs keep their decision."""
    from .facts import need_text
    from .matching.duplicates import find_duplicates

    rows = list(_candidates_for_duplicates().select_related("department"))
    if need is not None and need not in rows:
        rows.append(need)
    texts = [need_text(n) for n in rows]
    kwargs = {} if DUPLICATE_THRESHOLD is None else {"threshold": DUPLICATE_THRESHOLD}
    pairs = find_duplicates(texts, **kwargs)
    created = 0
    now = _now(at)
    for pair in pairs:
        a, b = sorted((int(pair.a.id), int(pair.b.id)))
        if need is not None and need.pk not in (a, b):
            continue
        _flag, new = DuplicateFlag.objects.get_or_create(
            need_a_id=a, need_b_id=b,
            defaults={"similarity": Decimal(str(round(pair.similarity, 4))),
                      "shared_terms": "、".join(pair.shared_terms)[:300], "detected_at": now})
        created += new
    if created:
        core_services.notify(
            recipients=core_services.users_with_role(Role.PLATFORM_ADMIN),
            kind="need.duplicate", severity="warning",
            title=_("%(n)s possible duplicate needs to review") % {"n": created},
            url="/demand/duplicates/", key=f"duplicates:{now:%Y%m%d%H%M%S%f}")
    return created


@transaction.atomic
def duplicate_dismiss(*, flag: DuplicateFlag, by: User | None) -> DuplicateFlag:
    _require_bureau(by)
    flag = DuplicateFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.status != DuplicateStatus.OPEN:
        raise TransitionRefused("dismiss", flag.get_status_display())
    flag.status = DuplicateStatus.DISMISSED
    flag.decided_by = by
    flag.decided_at = timezone.now()
    flag.save()
    return flag


# -- capability map -----------------------------------------------------------------------------

PROFILE_FIELDS = frozenset({"capabilities", "tags", "regions_served", "capacity_wan"})


def _require_supplier_of(by: User | None, supplier_id: int) -> None:
    if by is None or by.role == Role.PLATFORM_ADMIN:
        return
    if by.role == Role.SUPPLIER and by.organisation_id == supplier_id:
        return
    raise PermissionDenied


@transaction.atomic
def profile_save(*, supplier: Organisation, by: User | None, **fields) -> SupplierProfile:
    _require_supplier_of(by, supplier.pk)
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise ValidationError({name: _("Unknown field.") for name in sorted(unknown)})
    profile = SupplierProfile.objects.select_for_update().filter(supplier=supplier).first() \
        or SupplierProfile(supplier=supplier, capacity_wan=Decimal(0))
    for name, value in fields.items():
        if name in ("tags", "regions_served") and not isinstance(value, str):
            value = ",".join(value)
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    return profile


@transaction.atomic
def qualification_add(*, profile: SupplierProfile, by: User | None, **fields) -> Qualification:
    _require_supplier_of(by, profile.supplier_id)
    q = Qualification(profile=profile, **fields)
    q.full_clean()
    q.save()
    return q


@transaction.atomic
def qualification_remove(*, qualification: Qualification, by: User | None) -> None:
    _require_supplier_of(by, qualification.profile.supplier_id)
    qualification.delete()


@transaction.atomic
def reference_add(*, profile: SupplierProfile, by: User | None, **fields) -> SupplierReference:
    _require_supplier_of(by, profile.supplier_id)
    r = SupplierReference(profile=profile, **fields)
    r.full_clean()
    r.save()
    return r
