from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProcurementConfig(AppConfig):
    name = "cityops.procurement"
    label = "procurement"
    verbose_name = _("Procurement and contracts")

    def ready(self) -> None:
        from cityops.core import audit

        from . import models, wiring

        for model in (models.Procurement, models.Bid, models.Award, models.Challenge,
                      models.Contract, models.ServiceItem, models.Milestone, models.Payment,
                      models.Amendment):
            audit.register(model)
        wiring.register()
