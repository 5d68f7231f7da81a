"""Django admin, for the platform admin only (not for other staff, whatever their flags)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry, Job, Organisation, User
from .roles import Role


class CityOpsAdminSite(admin.AdminSite):
    site_header = _("CityOps administration")
    site_title = _("CityOps")

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_authenticated and user.role == Role.PLATFORM_ADMIN


admin_site = CityOpsAdminSite(name="admin")


class PlatformAdminOnly:
    """The role decides, not Django's per-model permission flags."""

    def has_module_permission(self, request):
        return admin_site.has_permission(request)

    def has_view_permission(self, request, obj=None):
        return admin_site.has_permission(request)

    def has_add_permission(self, request):
        return admin_site.has_permission(request)

    def has_change_permission(self, request, obj=None):
        return admin_site.has_permission(request)

    def has_delete_permission(self, request, obj=None):
        return admin_site.has_permission(request)


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(PlatformAdminOnly, admin.ModelAdmin):
    list_display = ["name", "kind", "uscc", "region_code", "industry_code", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "uscc"]

    def has_delete_permission(self, request, obj=None):
        return False  # organisations are deactivated, not deleted: contracts point at them


@admin.register(User, site=admin_site)
class UserAdmin(PlatformAdminOnly, DjangoUserAdmin):
    list_display = ["username", "full_name", "role", "organisation", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "full_name", "email"]
    autocomplete_fields = ["organisation"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("full_name", "email")}),
        (_("Role"), {"fields": ("role", "organisation", "is_active")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "password1", "password2")}),
        (_("Role"), {"fields": ("full_name", "role", "organisation")}),
    )

    def save_model(self, request, obj, form, change):
        obj.is_staff = obj.role == Role.PLATFORM_ADMIN
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        return False  # users are deactivated: the audit trail names them


class ReadOnlyAdmin(PlatformAdminOnly, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry, site=admin_site)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor_username", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_username", "object_repr", "object_id"]


@admin.register(Job, site=admin_site)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["kind", "status", "created_by", "created_at", "done", "total"]
    list_filter = ["kind", "status"]
