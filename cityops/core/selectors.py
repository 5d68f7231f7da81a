"""Reads that are more than a one-line query: dashboards and the audit trail browser."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import regions
from .models import AuditEntry, Job, Organisation, User
from .roles import READ_ALL_ROLES, OrganisationKind, Role


def audit_entries_visible_to(user):
    """Auditors and the platform admin read the whole trail; nobody else reads it."""
    if user.is_authenticated and user.role in READ_ALL_ROLES:
        return AuditEntry.objects.all()
    return AuditEntry.objects.none()


def audit_entries_filtered(user, *, actor="", action="", object_type="", object_id="",
                           since: dt.date | None = None, until: dt.date | None = None, q=""):
    qs = audit_entries_visible_to(user)
    if actor:
        qs = qs.filter(actor_username=actor)
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    if q:
        qs = qs.filter(Q(object_repr__icontains=q) | Q(actor_username__icontains=q))
    return qs.order_by("-seq")


def audit_filter_choices() -> dict:
    return {
        "actions": list(
            AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct()
        ),
        "object_types": list(
            AuditEntry.objects.order_by("object_type")
            .values_list("object_type", flat=True)
            .distinct()
        ),
    }


def organisation_counts() -> dict[str, int]:
    rows = Organisation.objects.filter(is_active=True).values("kind").annotate(n=Count("id"))
    counts = {kind: 0 for kind in OrganisationKind.values}
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


# -- dashboard widgets ------------------------------------------------------------------


def dashboard_city_stats(user) -> dict:
    counts = organisation_counts()
    items = [
        {"label": _("Departments"), "value": counts[OrganisationKind.DEPARTMENT]},
        {"label": _("Suppliers"), "value": counts[OrganisationKind.SUPPLIER]},
        {"label": _("Enterprises"), "value": counts[OrganisationKind.ENTERPRISE]},
    ]
    if user.role in READ_ALL_ROLES:
        items.append(
            {
                "label": _("Active users"),
                "value": User.objects.filter(is_active=True).count(),
                "url": reverse("core:user-list"),
            }
        )
        items.append(
            {
                "label": _("Audit entries"),
                "value": AuditEntry.objects.count(),
                "url": reverse("core:audit-list"),
            }
        )
    return {"kind": "stats", "items": items}


def dashboard_my_organisation(user) -> dict:
    org = user.organisation
    if org is None:
        return {"kind": "stats", "items": []}
    colleagues = User.objects.filter(organisation=org, is_active=True).count()
    return {
        "kind": "stats",
        "caption": org.name,
        "items": [
            {"label": _("Unified social credit code"), "value": org.uscc, "mono": True},
            {"label": _("Region"), "value": org.region_name, "text": True},
            {"label": _("Colleagues on the platform"), "value": colleagues},
        ],
        "url": reverse("core:organisation-detail", args=[org.pk]),
    }


def dashboard_users_by_role(user) -> dict:
    rows = dict(
        User.objects.filter(is_active=True).values_list("role").annotate(n=Count("id"))
    )
    labels = [str(label) for _value, label in Role.choices]
    values = [rows.get(value, 0) for value in Role.values]
    return {
        "kind": "chart",
        "height": 280,
        "option": {
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 150, "right": 24, "top": 10, "bottom": 24},
            "xAxis": {"type": "value", "minInterval": 1},
            "yAxis": {"type": "category", "data": labels, "inverse": True},
            "series": [{"type": "bar", "data": values, "label": {"show": True, "position": "right"}}],
        },
    }


def dashboard_suppliers_by_region(user) -> dict:
    rows = (
        Organisation.objects.suppliers()
        .filter(is_active=True)
        .values("region_code")
        .annotate(n=Count("id"))
        .order_by("-n", "region_code")
    )
    data = [
        {"name": regions.region_name(row["region_code"]) or row["region_code"], "value": row["n"]}
        for row in rows
    ]
    # Keep the pie readable: the eight largest, the rest together.
    if len(data) > 8:
        rest = sum(d["value"] for d in data[8:])
        data = data[:8] + [{"name": _("Other regions"), "value": rest}]
    return {
        "kind": "chart",
        "height": 280,
        "option": {
            "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
            "series": [{"type": "pie", "radius": ["40%", "70%"], "data": data}],
        },
    }


def dashboard_activity(user) -> dict:
    today = timezone.localdate()
    days = [today - dt.timedelta(days=29 - i) for i in range(30)]
    qs = AuditEntry.objects.filter(day__gte=days[0], day__lte=today)
    if user.role not in READ_ALL_ROLES:
        # A department, supplier or finance user sees the changes made by its own people.
        qs = qs.filter(
            actor_id__in=User.objects.filter(organisation_id=user.organisation_id).values("id")
        )
    per_day = dict(qs.order_by().values_list("day").annotate(n=Count("id")))
    data = [per_day.get(d, 0) for d in days]
    return {
        "kind": "chart",
        "height": 240,
        "total": sum(data),
        "option": {
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 40, "right": 16, "top": 16, "bottom": 30},
            "xAxis": {"type": "category", "data": [d.strftime("%m-%d") for d in days]},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"type": "line", "smooth": True, "areaStyle": {}, "data": data}],
        },
    }


def dashboard_audit_actions(user) -> dict:
    rows = (
        audit_entries_visible_to(user).values("action").annotate(n=Count("id")).order_by("-n")
    )
    return {
        "kind": "chart",
        "height": 280,
        "option": {
            "tooltip": {"trigger": "item"},
            "series": [
                {
                    "type": "pie",
                    "radius": "65%",
                    "data": [{"name": r["action"], "value": r["n"]} for r in rows],
                }
            ],
        },
    }


def dashboard_recent_jobs(user) -> dict:
    jobs = Job.objects.visible_to(user).select_related("created_by")[:5]
    return {
        "kind": "table",
        "columns": [_("Job"), _("Started by"), _("Status"), _("Progress")],
        "rows": [
            [
                {"text": job_title(job.kind), "url": reverse("core:job-detail", args=[job.pk])},
                job.created_by.display_name,
                job.get_status_display(),
                f"{job.percent}%",
            ]
            for job in jobs
        ],
        "empty": _("No jobs yet."),
    }


def job_title(kind: str) -> str:
    from .jobs import handler_title

    return handler_title(kind)
