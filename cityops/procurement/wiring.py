"""What procurement adds to the platform: navigation, dashboard widgets, jobs."""

from django.utils.translation import gettext_lazy as _

from cityops.core import dashboards, jobs, navigation
from cityops.core.roles import Role

READERS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER,
                     Role.AUDITOR, Role.SUPPLIER})
GOVERNMENT = READERS - {Role.SUPPLIER}


def register() -> None:
    from . import selectors, services

    navigation.register(navigation.NavModule(
        key="procurement", label=_("Procurement and contracts"), order=30,
        items=(
            navigation.NavItem(_("Procurements"), "procurement:list", READERS),
            navigation.NavItem(_("Contracts"), "procurement:contract-list", READERS),
        ),
    ))
    for key, title, build, roles, order in (
        ("procurement.status", _("Procurements"), selectors.dashboard_procurements, READERS,
         31),
        ("procurement.contracts", _("Contracts"), selectors.dashboard_contracts, READERS, 32),
        ("procurement.methods", _("Procurement methods"), selectors.dashboard_methods,
         GOVERNMENT, 33),
    ):
        dashboards.register(dashboards.Widget(key, title, roles, build, order=order))

    @jobs.job_handler("procurement.reminders", _("Send contract expiry and renewal reminders"),
                      roles={Role.PLATFORM_ADMIN})
    def reminders(job, progress):
        return {"sent": services.contract_reminders()}

    @jobs.job_handler("procurement.export_ocds", _("Export every process as an OCDS package"),
                      roles={Role.PLATFORM_ADMIN, Role.AUDITOR}, read_only=True)
    def export_ocds(job, progress):
        from . import ocds_export

        return ocds_export.export_job(job, progress)
