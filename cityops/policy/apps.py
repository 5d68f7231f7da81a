from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "cityops.policy"
    label = "policy"
    verbose_name = _("Policy operations")

    def ready(self) -> None:
        from cityops.core import audit

        from . import models, wiring

        for model in (models.Policy, models.PolicyVersion):
            audit.register(model)
        # Enterprise profiles and match results come in bulk (imports, batch runs): each
        # import and each run is recorded once by the services (audit.record / record_for),
        # not row by row.
        wiring.register()
