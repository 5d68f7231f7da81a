from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cityops.core"
    label = "core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from . import audit, dashboards, jobs, navigation  # noqa: F401  (registrations)
        from .models import City, Organisation, User

        audit.register(City)
        audit.register(Organisation)
        audit.register(User, exclude=("password", "last_login"))
        navigation.register_core()
        dashboards.register_core()
        jobs.register_core()
