"""What performance adds to the platform: navigation, dashboard widgets, jobs."""

from django.utils.translation import gettext_lazy as _

from cityops.core import dashboards, jobs, navigation
from cityops.core.roles import Role

READERS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER,
                     Role.AUDITOR, Role.SUPPLIER})


def register() -> None:
    from . import selectors, services

    navigation.register(navigation.NavModule(
        key="performance", label=_("Performance and risk"), order=40,
        items=(
            navigation.NavItem(_("Service effectiveness"), "performance:contract-list", READERS),
            navigation.NavItem(_("Performance payments"), "performance:payment-list",
                               frozenset({Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN,
                                          Role.AUDITOR})),
            navigation.NavItem(_("Supplier risk"), "performance:risk", READERS),
            navigation.NavItem(_("Alerts"), "performance:alert-list", READERS),
        ),
    ))
    for key, title, build, roles, order, wide in (
        ("performance.sei", _("Mean service-effectiveness index"), selectors.dashboard_sei,
         READERS, 41, True),
        ("performance.alerts", _("Open alerts"), selectors.dashboard_alerts, READERS, 42, False),
        ("performance.risk", _("Riskiest suppliers"), selectors.dashboard_risk,
         frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR, Role.FINANCE_OFFICER}), 43, False),
    ):
        dashboards.register(dashboards.Widget(key, title, roles, build, order=order, wide=wide))

    @jobs.job_handler("performance.risk", _("Recompute supplier risk and deposits"),
                      roles={Role.PLATFORM_ADMIN})
    def risk(job, progress):
        return {"suppliers": services.risk_recompute(progress=progress)}
