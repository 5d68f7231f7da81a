from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    name = "cityops.portfolio"
    label = "portfolio"
    verbose_name = _("Projects and operation models")

    def ready(self) -> None:
        from cityops.core import audit

        from . import wiring
        from .models import BudgetAssumption, BudgetYear, Company, Project, Shareholder

        for model in (Project, Company, Shareholder, BudgetYear, BudgetAssumption):
            audit.register(model)
        wiring.register()
