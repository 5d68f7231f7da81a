from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemandConfig(AppConfig):
    name = "cityops.demand"
    label = "demand"
    verbose_name = _("Demand list and capability map")

    def ready(self) -> None:
        from cityops.core import audit

        from . import wiring
        from .models import DuplicateFlag, Need, Qualification, SupplierProfile, SupplierReference

        for model in (Need, DuplicateFlag, SupplierProfile, Qualification, SupplierReference):
            audit.register(model)
        wiring.register()
