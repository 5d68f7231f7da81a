"""Home dashboard widgets. Apps register widgets for the roles they concern; the home page
shows a role's widgets in order. A widget's ``build(user)`` returns plain data:

- ``{"kind": "stats", "items": [{"label", "value", "url"?}]}``
- ``{"kind": "chart", "option": <ECharts option dict>, "height": px}``
- ``{"kind": "table", "columns": [...], "rows": [[...]], "empty": str}``
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import ALL_ROLES, Role


@dataclass(frozen=True)
class Widget:
    key: str
    title: str | Promise
    roles: frozenset[str]
    build: Callable[[object], dict]
    order: int = 100
    wide: bool = False


_widgets: dict[str, Widget] = {}


def register(widget: Widget) -> None:
    _widgets[widget.key] = widget


def widgets_for(user) -> list[dict]:
    shown = sorted(
        (w for w in _widgets.values() if user.role in w.roles), key=lambda w: (w.order, w.key)
    )
    return [{"key": w.key, "title": w.title, "wide": w.wide, **w.build(user)} for w in shown]


def register_core() -> None:
    from . import selectors

    admin_like = frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR})
    register(
        Widget(
            "core.city",
            _("The city on the platform"),
            ALL_ROLES,
            selectors.dashboard_city_stats,
            order=10,
            wide=True,
        )
    )
    register(
        Widget(
            "core.my_organisation",
            _("My organisation"),
            ALL_ROLES - admin_like - {Role.PUBLIC},
            selectors.dashboard_my_organisation,
            order=20,
        )
    )
    register(
        Widget(
            "core.users_by_role",
            _("Users by role"),
            admin_like,
            selectors.dashboard_users_by_role,
            order=30,
        )
    )
    register(
        Widget(
            "core.suppliers_by_region",
            _("Suppliers by region"),
            frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER}),
            selectors.dashboard_suppliers_by_region,
            order=40,
        )
    )
    register(
        Widget(
            "core.activity",
            _("Changes recorded in the last 30 days"),
            ALL_ROLES - {Role.PUBLIC, Role.ENTERPRISE},
            selectors.dashboard_activity,
            order=50,
            wide=True,
        )
    )
    register(
        Widget(
            "core.audit_actions",
            _("Audit trail by action"),
            frozenset({Role.AUDITOR}),
            selectors.dashboard_audit_actions,
            order=35,
        )
    )
    register(
        Widget(
            "core.recent_jobs",
            _("Recent jobs"),
            admin_like,
            selectors.dashboard_recent_jobs,
            order=60,
        )
    )
