from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core import regions
from cityops.core.models import Organisation
from cityops.core.roles import Role
from cityops.core.scoping import ScopedQuerySet
from cityops.core.validators import validate_region_code, validate_uscc

from . import choices

MAX_AMOUNT_WAN = Decimal("100000000")  # 1万亿元: above any city's programme; catches typos
share_validators = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))]
amount_validators = [MinValueValidator(Decimal(0)), MaxValueValidator(MAX_AMOUNT_WAN)]
rate_validators = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.5"))]


def _codes(value: str) -> list[str]:
    return [code for code in value.split(",") if code]


class ProjectQuerySet(ScopedQuerySet):
    organisation_field = "department"

    def visible_to(self, user):
        # Finance reads the whole portfolio: it answers for fiscal affordability.
        if getattr(user, "is_authenticated", False) and user.is_active and (
            user.role == Role.FINANCE_OFFICER
        ):
            return self.all()
        if getattr(user, "role", None) in (Role.SUPPLIER, Role.ENTERPRISE, Role.PUBLIC):
            return self.none()
        return super().visible_to(user)

    def editable_by(self, user):
        if getattr(user, "role", None) not in (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER):
            return self.none()
        return super().editable_by(user)


class Company(models.Model):
    """An SPV (项目公司), platform company (平台公司) or joint company (联合公司)."""

    kind = models.CharField(_("kind"), max_length=20, choices=choices.CompanyKind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True,
                            validators=[validate_uscc])
    region_code = models.CharField(_("region code"), max_length=6,
                                   validators=[validate_region_code])
    registered_capital_wan = models.DecimalField(
        _("registered capital (10k yuan)"), max_digits=14, decimal_places=2,
        validators=amount_validators)
    established = models.DateField(_("established"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def region_name(self) -> str:
        return regions.region_full_name(self.region_code) or self.region_code


class Shareholder(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="shareholders")
    party_name = models.CharField(_("shareholder"), max_length=100)
    party_kind = models.CharField(_("party"), max_length=20, choices=choices.PartyKind.choices)
    amount_wan = models.DecimalField(_("subscribed capital (10k yuan)"), max_digits=14,
                                     decimal_places=2, validators=amount_validators)
    share = models.DecimalField(_("share"), max_digits=6, decimal_places=4,
                                validators=share_validators)

    class Meta:
        verbose_name = _("shareholder")
        verbose_name_plural = _("shareholders")
        ordering = ["-share", "party_name"]

    def __str__(self) -> str:
        return f"{self.party_name} {self.share:.2%}"


class Project(models.Model):
    """A smart-city project of the portfolio: how it is built, operated and paid for."""

    code = models.CharField(_("project code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=120)
    department = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                   related_name="projects", verbose_name=_("department"),
                                   limit_choices_to={"kind": "department"})
    region_code = models.CharField(_("region code"), max_length=6,
                                   validators=[validate_region_code])
    phase = models.CharField(_("phase"), max_length=12, choices=choices.Phase.choices,
                             default=choices.Phase.PLAN)
    operation_model = models.CharField(_("operation model"), max_length=20,
                                       choices=choices.OperationModel.choices)
    ppp_subtype = models.CharField(_("PPP sub-type"), max_length=8, blank=True,
                                   choices=choices.PPPSubtype.choices)
    # Comma-separated codes: filterable with a plain LIKE on every database.
    operation_objects = models.CharField(_("operation objects"), max_length=100)
    investment_subject = models.CharField(_("investment and operation subject"), max_length=30,
                                          choices=choices.InvestmentSubject.choices)
    return_mechanism = models.CharField(_("return mechanism"), max_length=20,
                                        choices=choices.ReturnMechanism.choices)
    other_income = models.CharField(_("other income"), max_length=60, blank=True)
    approval_date = models.DateField(_("approval date"), null=True, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    total_investment_wan = models.DecimalField(_("total investment (10k yuan)"), max_digits=14,
                                               decimal_places=2, validators=amount_validators)
    construction_share = models.DecimalField(_("construction share"), max_digits=5,
                                             decimal_places=4, default=Decimal(0),
                                             validators=share_validators)
    build_years = models.PositiveSmallIntegerField(_("build years"), default=0,
                                                   validators=[MaxValueValidator(10)])
    operation_years = models.PositiveSmallIntegerField(_("operation years"), default=0,
                                                       validators=[MaxValueValidator(50)])
    # government purchase of services
    contract_term_years = models.DecimalField(_("contract term (years)"), max_digits=4,
                                              decimal_places=1, null=True, blank=True,
                                              validators=[MinValueValidator(Decimal("0.1")),
                                                          MaxValueValidator(Decimal(50))])
    renewals = models.PositiveSmallIntegerField(_("renewals"), default=0,
                                                validators=[MaxValueValidator(10)])
    content_fixed = models.BooleanField(_("service content fixed"), default=False)
    continuity_strong = models.BooleanField(_("strong continuity"), default=False)
    funding_stable = models.BooleanField(_("stable funding"), default=False)
    prices_stable = models.BooleanField(_("stable prices"), default=False)
    service_category = models.CharField(_("what is bought"), max_length=30,
                                        choices=choices.ServiceCategory.choices,
                                        default=choices.ServiceCategory.SERVICE)
    # PPP and concessions
    user_payment_share = models.DecimalField(_("user-payment share"), max_digits=5,
                                             decimal_places=4, default=Decimal(0),
                                             validators=share_validators)
    bundled_unrelated_parts = models.BooleanField(_("bundles unrelated parts"), default=False)
    concession = models.BooleanField(_("concession"), default=False)
    adds_fiscal_burden = models.BooleanField(_("adds fiscal burden"), default=False)
    has_operations_handover_plan = models.BooleanField(_("operations hand-over plan"),
                                                       default=False)
    company = models.ForeignKey(Company, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="projects", verbose_name=_("company"))
    # fiscal affordability inputs (PPP and viability-gap funding)
    reasonable_profit_rate = models.DecimalField(_("reasonable profit rate"), max_digits=5,
                                                 decimal_places=4, default=Decimal("0.06"),
                                                 validators=rate_validators)
    discount_rate = models.DecimalField(_("discount rate"), max_digits=5, decimal_places=4,
                                        default=Decimal("0.045"), validators=rate_validators)
    annual_operating_cost_wan = models.DecimalField(
        _("annual operating cost (10k yuan)"), max_digits=14, decimal_places=2,
        default=Decimal(0), validators=amount_validators)
    annual_user_payment_wan = models.DecimalField(
        _("annual user payments (10k yuan)"), max_digits=14, decimal_places=2,
        default=Decimal(0), validators=amount_validators)
    government_equity_wan = models.DecimalField(
        _("government equity (10k yuan)"), max_digits=14, decimal_places=2,
        default=Decimal(0), validators=amount_validators)
    risk_share_of_subsidy = models.DecimalField(_("risk cost share of subsidy"), max_digits=5,
                                                decimal_places=4, default=Decimal(0),
                                                validators=share_validators)
    supporting_inputs_wan = models.DecimalField(
        _("supporting inputs (10k yuan)"), max_digits=14, decimal_places=2,
        default=Decimal(0), validators=amount_validators)
    description = models.TextField(_("description"), blank=True)
    compliance_outcome = models.CharField(_("compliance"), max_length=8, blank=True,
                                          choices=choices.Outcome.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["code"]
        indexes = [models.Index(fields=["operation_model", "phase"]),
                   models.Index(fields=["department", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def operation_object_list(self) -> list[str]:
        return _codes(self.operation_objects)

    @property
    def other_income_list(self) -> list[str]:
        return _codes(self.other_income)

    def get_operation_objects_display(self) -> str:
        labels = dict(choices.OperationObject.choices)
        return "、".join(str(labels.get(c, c)) for c in self.operation_object_list)

    def get_other_income_display(self) -> str:
        labels = dict(choices.OtherIncome.choices)
        return "、".join(str(labels.get(c, c)) for c in self.other_income_list)

    @property
    def region_name(self) -> str:
        return regions.region_full_name(self.region_code) or self.region_code

    @property
    def has_fiscal_liability(self) -> bool:
        """PPP and viability-gap projects bind the general public budget for years."""
        return self.operation_model == choices.OperationModel.PPP or (
            self.return_mechanism == choices.ReturnMechanism.VGF)

    def clean(self) -> None:
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date is before the start date.")
        if self.department_id and self.department.kind != "department":
            errors["department"] = _("A project belongs to a department.")
        objects = self.operation_object_list
        unknown = [c for c in objects if c not in choices.OperationObject.values]
        if not objects:
            errors["operation_objects"] = _("Choose at least one operation object.")
        elif unknown:
            errors["operation_objects"] = _("Unknown operation object: %(codes)s.") % {
                "codes": ", ".join(unknown)}
        bad_income = [c for c in self.other_income_list if c not in choices.OtherIncome.values]
        if bad_income:
            errors["other_income"] = _("Unknown kind of other income: %(codes)s.") % {
                "codes": ", ".join(bad_income)}
        if self.ppp_subtype and self.operation_model != choices.OperationModel.PPP:
            errors["ppp_subtype"] = _("A PPP sub-type is only for PPP projects.")
        if self.operation_model == choices.OperationModel.PPP and not self.ppp_subtype:
            errors["ppp_subtype"] = _("A PPP project needs its sub-type (BOT, TOT, ...).")
        if (self.operation_model == choices.OperationModel.PURCHASE
                and self.contract_term_years is None):
            errors["contract_term_years"] = _(
                "A purchase of services needs its contract term.")
        if errors:
            raise ValidationError(errors)


class ComplianceFinding(models.Model):
    """The result of one rule on one project, as of the project's last save."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="findings")
    rule_id = models.CharField(_("rule"), max_length=60)
    outcome = models.CharField(_("outcome"), max_length=8, choices=choices.Outcome.choices)
    title_en = models.CharField(max_length=200)
    title_zh = models.CharField(max_length=200)
    message_en = models.TextField()
    message_zh = models.TextField()
    source = models.CharField(_("source"), max_length=200)
    article = models.CharField(_("article"), max_length=200, blank=True)
    regime = models.CharField(_("regime"), max_length=30, blank=True)
    checked_at = models.DateTimeField(_("checked at"), auto_now=True)

    class Meta:
        ordering = ["project", "rule_id"]
        constraints = [models.UniqueConstraint(fields=["project", "rule_id"],
                                               name="one_finding_per_rule")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.rule_id} {self.outcome}"

    def title(self, language: str) -> str:
        return self.title_en if language.startswith("en") else self.title_zh

    def message(self, language: str) -> str:
        return self.message_en if language.startswith("en") else self.message_zh


class BudgetYear(models.Model):
    """The general public budget expenditure of one year (一般公共预算支出), actual or planned."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True,
                                            validators=[MinValueValidator(2000),
                                                        MaxValueValidator(2100)])
    expenditure_wan = models.DecimalField(_("general public budget expenditure (10k yuan)"),
                                          max_digits=16, decimal_places=2,
                                          validators=[MinValueValidator(Decimal("0.01")),
                                                      MaxValueValidator(MAX_AMOUNT_WAN)])
    # PPP liabilities of the jurisdiction outside this portfolio (roads, water, ...), from the
    # finance bureau's PPP ledger: the red line is on all PPP spending. Empty: use the share.
    other_ppp_liabilities_wan = models.DecimalField(
        _("other PPP liabilities (10k yuan)"), max_digits=16, decimal_places=2, null=True,
        blank=True, validators=amount_validators)

    class Meta:
        verbose_name = _("budget year")
        verbose_name_plural = _("budget years")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.expenditure_wan}"


class BudgetAssumption(models.Model):
    """Years without an entered figure grow from the base year at this rate. One row."""

    base_year = models.PositiveSmallIntegerField(_("base year"),
                                                 validators=[MinValueValidator(2000),
                                                             MaxValueValidator(2100)])
    base_expenditure_wan = models.DecimalField(
        _("base-year expenditure (10k yuan)"), max_digits=16, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_AMOUNT_WAN)])
    growth_rate = models.DecimalField(_("yearly growth rate"), max_digits=5, decimal_places=4,
                                      validators=[MinValueValidator(Decimal("-0.5")),
                                                  MaxValueValidator(Decimal("1"))])
    other_ppp_share = models.DecimalField(
        _("other PPP liabilities as a share of the budget"), max_digits=5, decimal_places=4,
        default=Decimal(0), validators=share_validators,
        help_text=_("PPP projects outside this portfolio, for years without an entered figure."))

    class Meta:
        verbose_name = _("budget assumption")

    def __str__(self) -> str:
        return f"{self.base_year} {self.base_expenditure_wan} +{self.growth_rate}"
