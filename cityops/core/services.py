"""Use cases that write. Views, the API, the CLI and the demo loader all call these."""

from __future__ import annotations

import contextlib
import csv
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import audit
from .models import AuditEntry, AuditHead, City, Organisation, User
from .roles import Role

ORGANISATION_FIELDS = ("kind", "name", "short_name", "uscc", "region_code", "industry_code",
                       "is_active")


def _require_platform_admin(by: User | None) -> None:
    if by is not None and by.role != Role.PLATFORM_ADMIN:
        raise PermissionDenied


@transaction.atomic
def city_configure(*, name: str, region_code: str, by: User | None = None) -> City:
    """Name the city (or county) the platform runs; the demo loader and operators call it."""
    _require_platform_admin(by)
    city = City.objects.select_for_update().filter(pk=1).first() or City(pk=1)
    city.name, city.region_code = name, region_code
    city.full_clean()
    with _acting(by):
        city.save()
    return city


@transaction.atomic
def organisation_create(*, by: User | None, **fields) -> Organisation:
    _require_platform_admin(by)
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise ValidationError({name: "unknown field" for name in sorted(unknown)})
    organisation = Organisation(**fields)
    organisation.full_clean()
    with _acting(by):
        organisation.save()
    return organisation


@transaction.atomic
def organisation_update(*, organisation: Organisation, by: User | None, **fields) -> Organisation:
    _require_platform_admin(by)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    for name, value in fields.items():
        if name not in ORGANISATION_FIELDS:
            raise ValidationError({name: "unknown field"})
        setattr(organisation, name, value)
    organisation.full_clean()
    with _acting(by):
        organisation.save()
    return organisation


@transaction.atomic
def user_create(
    *,
    by: User | None,
    username: str,
    password: str | None,
    role: str,
    organisation: Organisation | None = None,
    full_name: str = "",
    email: str = "",
    validate_password: bool = True,
    password_hash: str | None = None,
) -> User:
    """Create a user with a role; the role decides which organisation kind it needs."""
    from django.contrib.auth.password_validation import validate_password as check

    _require_platform_admin(by)
    user = User(
        username=username,
        role=role,
        organisation=organisation,
        full_name=full_name,
        email=email,
        is_staff=role == Role.PLATFORM_ADMIN,
    )
    if password and validate_password:
        check(password, user)
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    with _acting(by):
        user.save()
    return user


def user_record_password_change(*, user: User) -> None:
    """The password hash is kept out of the trail; the fact of the change goes in."""
    audit.record_for(user, action="password_change", actor=user)


# -- audit trail ----------------------------------------------------------------------


def audit_verify(progress: Callable[[int], None] | None = None) -> audit.ChainReport:
    head = AuditHead.objects.filter(pk=1).values_list("seq", "hash").first()
    fields = ("seq", "hash", "day", *audit.HASHED_FIELDS)
    entries = AuditEntry.objects.order_by("seq").values(*set(fields)).iterator(chunk_size=2000)
    return audit.verify_entries(entries, head=head or (0, audit.GENESIS_HASH), progress=progress,
                                tz=timezone.get_current_timezone())


AUDIT_CSV_COLUMNS = ("seq", "created_at", "actor_username", "actor_role", "action",
                     "object_type", "object_id", "object_repr", "before", "after", "hash")


def audit_export_csv(*, queryset, path: Path, progress: Callable[[int, int], None] | None = None) -> int:
    total = queryset.count()
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("w", newline="", encoding="utf-8-sig") as out:  # BOM: Excel opens it as UTF-8
        writer = csv.writer(out)
        writer.writerow(AUDIT_CSV_COLUMNS)
        for row in queryset.values_list(*AUDIT_CSV_COLUMNS).iterator(chunk_size=2000):
            row = list(row)
            row[1] = row[1].isoformat()
            row[8] = audit.canonical_json(row[8]) if row[8] is not None else ""
            row[9] = audit.canonical_json(row[9]) if row[9] is not None else ""
            writer.writerow(row)
            written += 1
            if progress is not None and written % 1000 == 0:
                progress(written, total)
    if progress is not None:
        progress(written, total)
    return written


def exports_dir() -> Path:
    return Path(settings.EXPORTS_DIR)


def _acting(by: User | None):
    # With no explicit actor, keep the one the caller set (request, CLI, job).
    return audit.acting_as(by) if by is not None else contextlib.nullcontext()


def notify(*, recipients, kind: str, title: str, body: str = "", url: str = "",
           key: str, severity: str = "info") -> int:
    """Send one in-platform notification to each recipient, at most once per ``key``.

    Returns how many were new. Callers pass a key naming the object and the occasion (e.g.
    ``contract-expiry:HT-2026-0007:30d``) so that a job run twice does not repeat itself.
    """
    from .models import Notification

    created = 0
    for user in recipients:
        _note, new = Notification.objects.get_or_create(
            recipient=user, key=key[:200],
            defaults={"kind": kind, "title": title[:200], "body": body, "url": url[:300],
                      "severity": severity},
        )
        created += new
    return created


def notification_mark_read(*, user: User, ids=None) -> int:
    from .models import Notification

    qs = Notification.objects.for_user(user).unread()
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def users_of(organisation_id: int | None, roles=None):
    """The active users of an organisation (optionally of some roles): whom to notify."""
    qs = User.objects.filter(is_active=True)
    qs = qs.filter(organisation_id=organisation_id) if organisation_id else qs.none()
    if roles:
        qs = qs.filter(role__in=list(roles))
    return qs


def users_with_role(*roles):
    return User.objects.filter(is_active=True, role__in=list(roles))
