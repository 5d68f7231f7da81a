"""Roles of the brief and what each may do in general terms.

Views and API endpoints declare the roles that may use them (see permissions.py);
querysets scope rows to the user's organisation (see scoping.py).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform admin (data bureau)")
    DEPARTMENT_OFFICER = "department_officer", _("Department officer")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    SUPPLIER = "supplier", _("Supplier")
    AUDITOR = "auditor", _("Auditor")
    ENTERPRISE = "enterprise", _("Enterprise")
    PUBLIC = "public", _("Public")


ALL_ROLES = frozenset(Role.values)
# Roles whose reads are not limited to their own organisation.
READ_ALL_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR})
# Roles that never change anything.
READ_ONLY_ROLES = frozenset({Role.AUDITOR})
# Roles that act for a government department (委办局, incl. the data bureau and finance bureau).
GOVERNMENT_ROLES = frozenset(
    {Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR}
)
STAFF_ROLES = GOVERNMENT_ROLES


class OrganisationKind(models.TextChoices):
    DEPARTMENT = "department", _("Department")
    SUPPLIER = "supplier", _("Supplier")
    ENTERPRISE = "enterprise", _("Enterprise")


# The kind of organisation a user of each role belongs to; None: no organisation.
ROLE_ORGANISATION_KIND: dict[str, str | None] = {
    Role.PLATFORM_ADMIN: OrganisationKind.DEPARTMENT,
    Role.DEPARTMENT_OFFICER: OrganisationKind.DEPARTMENT,
    Role.FINANCE_OFFICER: OrganisationKind.DEPARTMENT,
    Role.AUDITOR: OrganisationKind.DEPARTMENT,
    Role.SUPPLIER: OrganisationKind.SUPPLIER,
    Role.ENTERPRISE: OrganisationKind.ENTERPRISE,
    Role.PUBLIC: None,
}
