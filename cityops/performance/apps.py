from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PerformanceConfig(AppConfig):
    name = "cityops.performance"
    label = "performance"
    verbose_name = _("Performance and risk")

    def ready(self) -> None:
        from cityops.core import audit

        from . import models, wiring

        for model in (models.ContractKpi, models.Measurement, models.Assessment,
                      models.PeriodPayment, models.SupplierRisk, models.Alert):
            audit.register(model)
        wiring.register()
