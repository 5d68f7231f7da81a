"""Navigation per module. Each app registers its entries in AppConfig.ready(); an app that
is not installed registers nothing, so modules not built yet do not appear."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import ALL_ROLES, Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class NavModule:
    key: str
    label: str | Promise
    items: tuple[NavItem, ...]
    order: int = 100


_modules: dict[str, NavModule] = {}


def register(module: NavModule) -> None:
    _modules[module.key] = module


def modules_for(user) -> list[dict]:
    """The modules and entries this user may open, in order, with their URLs."""
    if not user.is_authenticated:
        return []
    result = []
    for module in sorted(_modules.values(), key=lambda m: (m.order, m.key)):
        items = [
            {"label": item.label, "url": reverse(item.url_name), "url_name": item.url_name}
            for item in module.items
            if user.role in item.roles
        ]
        if items:
            result.append({"key": module.key, "label": module.label, "items": items})
    return result


def navigation(request) -> dict:
    """Template context processor."""
    from django.conf import settings

    from .models import City

    user = getattr(request, "user", None)
    modules = modules_for(user) if user is not None else []
    city = City.current()
    unread = 0
    if user is not None and getattr(user, "is_authenticated", False):
        from .models import Notification

        unread = Notification.objects.for_user(user).unread().count()
    return {"nav_modules": modules, "unread_notifications": unread,
            "city_name": city.name if city else settings.CITYOPS_CITY_NAME}


def register_core() -> None:
    admin_auditor = frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR})
    with_org = ALL_ROLES - {Role.PUBLIC}
    register(
        NavModule(
            key="platform",
            label=_("Platform"),
            order=900,
            items=(
                NavItem(_("Organisations"), "core:organisation-list", with_org),
                NavItem(_("Users"), "core:user-list", admin_auditor),
                NavItem(_("Audit trail"), "core:audit-list", admin_auditor),
                NavItem(_("Jobs"), "core:job-list", admin_auditor),
                NavItem(_("API documentation"), "api-docs", ALL_ROLES),
            ),
        )
    )
