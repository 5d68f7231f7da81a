"""Who may use which view or endpoint.

Every HTML view is wrapped in ``roles_required`` and every API view sets ``allowed_roles``
(reads) and ``write_roles`` (writes). A view that declares nothing refuses everyone, so a
forgotten declaration fails closed. Rows are then scoped by the querysets (scoping.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework import permissions

from .roles import ALL_ROLES, READ_ONLY_ROLES

PUBLIC = "anonymous"  # marker: no login needed


def roles_required(*roles: str) -> Callable:
    """Login required, and the user's role among ``roles`` (PermissionDenied otherwise)."""
    allowed = frozenset(roles) if roles else ALL_ROLES

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if user.role not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = allowed
        return wrapped

    return decorator


def public_view(view):
    """Mark a view as open to everyone, logged in or not (login page, health check)."""
    view.allowed_roles = frozenset({PUBLIC}) | ALL_ROLES
    return view


def may_write(user, roles: Iterable[str]) -> bool:
    return user.is_authenticated and user.role in roles and user.role not in READ_ONLY_ROLES


class RolePermission(permissions.BasePermission):
    """DRF: the view's ``allowed_roles`` may read, its ``write_roles`` may write."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return user.role in getattr(view, "allowed_roles", ())
        return user.role in getattr(view, "write_roles", ()) and user.role not in READ_ONLY_ROLES


class ComputationPermission(RolePermission):
    """For endpoints whose POST computes an answer and changes nothing (an advisor, a
    simulation): ``allowed_roles`` may call them, read-only roles included."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role in view.allowed_roles)
