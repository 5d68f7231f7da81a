"""What the demand module adds to the platform: navigation, dashboard widgets, jobs."""

from django.utils.translation import gettext_lazy as _

from cityops.core import dashboards, jobs, navigation
from cityops.core.roles import Role

READERS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER,
                     Role.AUDITOR})
BUREAU = frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR})


def register() -> None:
    from . import selectors, services

    navigation.register(navigation.NavModule(
        key="demand", label=_("Demand and supply"), order=20,
        items=(
            navigation.NavItem(_("Demand list"), "demand:need-list", READERS),
            navigation.NavItem(_("Possible duplicates"), "demand:duplicate-list", BUREAU),
            navigation.NavItem(_("Capability map"), "demand:supplier-list",
                               READERS | {Role.SUPPLIER}),
            navigation.NavItem(_("My capability profile"), "demand:my-profile",
                               frozenset({Role.SUPPLIER})),
            navigation.NavItem(_("Demand-response cycle"), "demand:response-cycle", READERS),
        ),
    ))
    for key, title, build, roles, order, wide in (
        ("demand.needs", _("Needs"), selectors.dashboard_needs,
         READERS, 21, False),
        ("demand.cycle", _("Demand-response cycle (median days, by half-year)"),
         selectors.dashboard_response_cycle, READERS, 22, True),
    ):
        dashboards.register(dashboards.Widget(key, title, roles, build, order=order, wide=wide))

    @jobs.job_handler("demand.duplicates", _("Scan all needs for duplicates"),
                      roles={Role.PLATFORM_ADMIN})
    def scan(job, progress):
        return {"new_flags": services.duplicates_detect(progress=progress)}
