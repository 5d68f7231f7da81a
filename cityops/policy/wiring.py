"""What policy operations add to the platform: navigation, dashboard widgets (the data
bureau's coverage, an enterprise's policies, overdue implementing rules) and the full match
run as a job with progress."""

from django.utils.translation import gettext_lazy as _

from cityops.core import dashboards, jobs, navigation
from cityops.core.roles import ALL_ROLES, Role

GOVERNMENT = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER,
                        Role.AUDITOR})
REGISTRY_READERS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.AUDITOR})
BUREAU = frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR})


def register() -> None:
    from . import selectors, services

    navigation.register(navigation.NavModule(
        key="policy", label=_("Policy operations"), order=50,
        items=(
            navigation.NavItem(_("Policy library"), "policy:policy-list", ALL_ROLES),
            navigation.NavItem(_("My policies"), "policy:my-policies",
                               frozenset({Role.ENTERPRISE})),
            navigation.NavItem(_("Enterprise registry"), "policy:enterprise-list",
                               REGISTRY_READERS),
            navigation.NavItem(_("Match runs"), "policy:run-list", REGISTRY_READERS),
            navigation.NavItem(_("Policy coverage"), "policy:coverage", BUREAU),
            navigation.NavItem(_("Implementing rules (cascade)"), "policy:cascade", GOVERNMENT),
        ),
    ))
    for key, title, build, roles, order, wide in (
        ("policy.coverage", _("Policy coverage of the enterprise registry"),
         selectors.dashboard_coverage, BUREAU, 51, True),
        ("policy.coverage_regions", _("Enterprises reached by a policy, per district"),
         selectors.dashboard_coverage_regions, BUREAU, 52, False),
        ("policy.coverage_departments", _("Enterprises reached, per department"),
         selectors.dashboard_coverage_departments, BUREAU, 53, False),
        ("policy.coverage_policies", _("Policies reaching the most enterprises"),
         selectors.dashboard_coverage_policies, BUREAU, 54, False),
        ("policy.mine", _("Policies for my enterprise"), selectors.dashboard_my_policies,
         frozenset({Role.ENTERPRISE}), 15, True),
        ("policy.overdue", _("Overdue implementing rules"), selectors.dashboard_overdue,
         frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER}), 55, False),
    ):
        dashboards.register(dashboards.Widget(key, title, roles, build, order=order, wide=wide))

    @jobs.job_handler("policy.match", _("Match the enterprise registry against the policies "
                                        "in force"), roles={Role.PLATFORM_ADMIN})
    def match(job, progress):
        run = services.match_run(by=job.created_by, progress=progress)
        return {"run": run.pk, "policies": run.policies, "enterprises": run.enterprises,
                "matches": run.matches, "near_misses": run.near_misses,
                "notified": run.notified, "seconds": round(run.seconds, 2)}
