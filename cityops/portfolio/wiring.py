"""What the portfolio adds to the platform: navigation, dashboard widgets, jobs."""

from django.utils.translation import gettext_lazy as _

from cityops.core import dashboards, jobs, navigation
from cityops.core.roles import Role

READERS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER,
                     Role.AUDITOR})
BUREAU = frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR, Role.FINANCE_OFFICER})


def register() -> None:
    from . import selectors, services

    navigation.register(navigation.NavModule(
        key="portfolio", label=_("Projects and operation models"), order=10,
        items=(
            navigation.NavItem(_("Projects"), "portfolio:project-list", READERS),
            navigation.NavItem(_("Operation-model advisor"), "portfolio:advisor", READERS),
            navigation.NavItem(_("Fiscal affordability"), "portfolio:fiscal", READERS),
            navigation.NavItem(_("Companies"), "portfolio:company-list", BUREAU),
        ),
    ))
    for key, title, build, roles, order, wide in (
        ("portfolio.models", _("Operation model mix"), selectors.dashboard_model_mix, READERS,
         11, False),
        ("portfolio.objects", _("Operation objects"), selectors.dashboard_objects, BUREAU, 12,
         False),
        ("portfolio.returns", _("Return mechanisms"), selectors.dashboard_returns, BUREAU, 13,
         False),
        ("portfolio.spending", _("Investment by start year (10k yuan)"),
         selectors.dashboard_spending, READERS, 14, True),
        ("portfolio.compliance", _("Compliance findings"), selectors.dashboard_compliance,
         READERS, 15, False),
        ("portfolio.fiscal", _("PPP fiscal liabilities as share of the budget"),
         selectors.dashboard_fiscal, BUREAU, 16, True),
    ):
        dashboards.register(dashboards.Widget(key, title, roles, build, order=order, wide=wide))

    @jobs.job_handler("portfolio.recheck", _("Re-check the portfolio's compliance"),
                      roles={Role.PLATFORM_ADMIN, Role.FINANCE_OFFICER, Role.DEPARTMENT_OFFICER})
    def recheck(job, progress):
        return {"projects": services.portfolio_recheck(progress=progress)}
