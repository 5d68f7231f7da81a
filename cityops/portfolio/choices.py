"""Model choices with their Chinese/English labels; the values are the pure vocabulary's."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .domain import vocab


class OperationModel(models.TextChoices):
    PURCHASE = vocab.OperationModel.PURCHASE, _("Government purchase of services")
    PPP = vocab.OperationModel.PPP, _("PPP")
    EPC = vocab.OperationModel.EPC, _("EPC")
    PLATFORM = vocab.OperationModel.PLATFORM, _("Platform company")
    JOINT = vocab.OperationModel.JOINT, _("Joint company")
    DBB = vocab.OperationModel.DBB, _("Traditional design-bid-build")
    SELF_BUILT = vocab.OperationModel.SELF_BUILT, _("Self-built")


class PPPSubtype(models.TextChoices):
    BOT = vocab.PPPSubtype.BOT, "BOT"
    TOT = vocab.PPPSubtype.TOT, "TOT"
    ROT = vocab.PPPSubtype.ROT, "ROT"
    BOO = vocab.PPPSubtype.BOO, "BOO"
    OM = vocab.PPPSubtype.OM, "O&M"
    BT = vocab.PPPSubtype.BT, _("BT (build-transfer)")


class OperationObject(models.TextChoices):
    INFRASTRUCTURE = vocab.OperationObject.INFRASTRUCTURE, _("Infrastructure")
    DATA = vocab.OperationObject.DATA, _("Data")
    SYSTEM = vocab.OperationObject.SYSTEM, _("Systems")
    PORTAL = vocab.OperationObject.PORTAL, _("Portals")
    SECURITY = vocab.OperationObject.SECURITY, _("Security")


class InvestmentSubject(models.TextChoices):
    GOVERNMENT = vocab.InvestmentSubject.GOVERNMENT, _("Government invests and operates")
    GOVERNMENT_ENTERPRISE = (
        vocab.InvestmentSubject.GOVERNMENT_ENTERPRISE,
        _("Government invests, enterprise operates"),
    )
    ENTERPRISE = vocab.InvestmentSubject.ENTERPRISE, _("Enterprise invests and operates")
    JOINT = vocab.InvestmentSubject.JOINT, _("Joint investment, enterprise operates")


class ReturnMechanism(models.TextChoices):
    GOVERNMENT_PAY = vocab.ReturnMechanism.GOVERNMENT_PAY, _("Government payment")
    USER_PAY = vocab.ReturnMechanism.USER_PAY, _("User payment")
    VGF = vocab.ReturnMechanism.VGF, _("Viability-gap funding")


class OtherIncome(models.TextChoices):
    ADVERTISING = vocab.OtherIncome.ADVERTISING, _("Advertising")
    DATA_SERVICES = vocab.OtherIncome.DATA_SERVICES, _("Data value-added services")


class Phase(models.TextChoices):
    PLAN = vocab.Phase.PLAN, _("Plan")
    BUILD = vocab.Phase.BUILD, _("Build")
    OPERATE = vocab.Phase.OPERATE, _("Operate")
    HANDOVER = vocab.Phase.HANDOVER, _("Hand over")


class CompanyKind(models.TextChoices):
    SPV = vocab.CompanyKind.SPV, _("SPV (project company)")
    PLATFORM = vocab.CompanyKind.PLATFORM, _("Platform company")
    JOINT = vocab.CompanyKind.JOINT, _("Joint company")


class ServiceCategory(models.TextChoices):
    SERVICE = vocab.ServiceCategory.SERVICE, _("A public or government-support service")
    OUTSIDE_DUTIES = vocab.ServiceCategory.OUTSIDE_DUTIES, _("Outside government duties")
    GOVERNMENT_ONLY = vocab.ServiceCategory.GOVERNMENT_ONLY, _("A matter the government must do itself")
    GOODS = vocab.ServiceCategory.GOODS, _("Goods")
    WORKS = vocab.ServiceCategory.WORKS, _("Works")
    WORKS_WITH_SERVICES = vocab.ServiceCategory.WORKS_WITH_SERVICES, _("Works bundled with services")
    FINANCING = vocab.ServiceCategory.FINANCING, _("Financing")
    OWN_STAFFING = vocab.ServiceCategory.OWN_STAFFING, _("The buyer's own staffing")
    OTHER_BARRED = vocab.ServiceCategory.OTHER_BARRED, _("Other item barred by law")


class PartyKind(models.TextChoices):
    GOVERNMENT = "government", _("Government (or its investment vehicle)")
    SOE = "soe", _("State-owned enterprise")
    SOCIAL_CAPITAL = "social_capital", _("Social capital")
    PRIVATE = "private", _("Private enterprise")


class Outcome(models.TextChoices):
    PASS = vocab.Outcome.PASS, _("pass")
    WARN = vocab.Outcome.WARN, _("warn")
    FAIL = vocab.Outcome.FAIL, _("fail")
