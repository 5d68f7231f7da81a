"""Object scoping in one place.

Every model that belongs to an organisation uses ``ScopedQuerySet`` (or a subclass) as its
manager, so that ``Model.objects.visible_to(user)`` and ``editable_by(user)`` give each role
exactly its rows: the platform admin and auditors read everything, auditors write nothing,
everyone else reads and writes what belongs to their own organisation. Later modules set
``organisation_field`` (a lookup path to the owning Organisation) and override the two
methods only where the brief widens or narrows a rule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404

from .roles import READ_ALL_ROLES, READ_ONLY_ROLES, Role

if TYPE_CHECKING:
    from .models import User


class ScopedQuerySet(models.QuerySet):
    #: lookup from the model to the Organisation that owns a row
    organisation_field = "organisation"

    def _own(self, user: User) -> Self:
        if user.organisation_id is None:
            return self.none()
        return self.filter(**{self.organisation_field: user.organisation_id})

    def visible_to(self, user: User) -> Self:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in READ_ALL_ROLES:
            return self.all()
        return self._own(user)

    def editable_by(self, user: User) -> Self:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in READ_ONLY_ROLES:
            return self.none()
        if user.role == Role.PLATFORM_ADMIN:
            return self.all()
        return self._own(user)


def access_object(queryset: ScopedQuerySet, user: User, pk: object, *, write: bool = False):
    """Fetch one row the user may see (404 otherwise) and, for writes, may change (403)."""
    try:
        obj = queryset.visible_to(user).get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not queryset.editable_by(user).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj
