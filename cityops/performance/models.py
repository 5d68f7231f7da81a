"""Pay for performance: a contract's KPIs, their measurements per period, the assessed
service-effectiveness index (SEI), the period payment it drives, the supplier risk index and
the alerts. The arithmetic is in ``performance/domain`` (pure)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.models import Organisation, User
from cityops.core.roles import Role
from cityops.core.scoping import ScopedQuerySet
from cityops.procurement.models import Contract

from .domain.alerts import KIND_LABELS

_KIND_LABELS = {str(k): v for k, v in KIND_LABELS.items()}


class ContractScopedQuerySet(ScopedQuerySet):
    """Rows that belong to a contract: who sees the contract sees them."""

    contract_field = "contract"

    def visible_to(self, user):
        return self.filter(**{f"{self.contract_field}__in": Contract.objects.visible_to(user)})

    def editable_by(self, user):
        return self.filter(**{f"{self.contract_field}__in": Contract.objects.editable_by(user)})


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Unit(models.TextChoices):
    PERCENT = "percent", "%"
    SECONDS = "seconds", _("seconds")
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    COUNT = "count", _("count")
    USERS = "users", _("users")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class ContractKpi(models.Model):
    """One indicator written into a contract, copied from the catalogue's template."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="kpis")
    code = models.CharField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    target = models.FloatField(_("target"))
    floor = models.FloatField(_("floor"))
    zero_at = models.FloatField(_("value scoring zero"), null=True, blank=True)
    weight = models.FloatField(_("weight"), validators=[MinValueValidator(0.0),
                                                        MaxValueValidator(1.0)])
    period = models.CharField(_("measurement period"), max_length=8, choices=PeriodKind.choices,
                              default=PeriodKind.MONTH)

    objects = ContractScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract KPI")
        verbose_name_plural = _("contract KPIs")
        ordering = ["contract", "-weight", "code"]
        constraints = [models.UniqueConstraint(fields=["contract", "code"],
                                               name="kpi_code_once_per_contract")]

    def __str__(self) -> str:
        return f"{self.contract.code} {self.code}"


class Source(models.TextChoices):
    API = "api", _("Supplier API (push)")
    UPLOAD = "upload", _("File upload")
    MANUAL = "manual", _("Manual entry by the owner department")


class MeasurementQuerySet(ContractScopedQuerySet):
    contract_field = "kpi__contract"


class Measurement(models.Model):
    """A KPI's value for one period, with where it came from and what was noticed about it
    (late, out of range): flagged, never dropped."""

    kpi = models.ForeignKey(ContractKpi, on_delete=models.CASCADE, related_name="measurements")
    period = models.CharField(_("period"), max_length=8, db_index=True)  # 2026-03 / 2026-Q1
    value = models.FloatField(_("value"))
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"))
    flags = models.JSONField(_("flags"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = MeasurementQuerySet.as_manager()

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["period", "kpi"]
        constraints = [models.UniqueConstraint(fields=["kpi", "period"],
                                               name="one_value_per_kpi_period")]

    def __str__(self) -> str:
        return f"{self.kpi.code} {self.period} = {self.value:g}"


class Assessment(models.Model):
    """A contract's period, assessed: its SEI with the drill-down. Closes the period."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="assessments")
    period = models.CharField(_("period"), max_length=8)
    sei = models.DecimalField(_("service-effectiveness index"), max_digits=5, decimal_places=2)
    detail = models.JSONField(_("drill-down"), default=dict)
    assessed_at = models.DateTimeField(_("assessed at"))
    assessed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    objects = ContractScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["contract", "period"]
        constraints = [models.UniqueConstraint(fields=["contract", "period"],
                                               name="one_assessment_per_period")]

    def __str__(self) -> str:
        return f"{self.contract.code} {self.period} SEI {self.sei}"


class PaymentStatus(models.TextChoices):
    COMPUTED = "computed", _("Computed, awaiting approval")
    APPROVED = "approved", _("Approved by finance")


class PeriodPayment(models.Model):
    """What the period's SEI makes payable, with its derivation; finance approves it."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE,
                                      related_name="payment")
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE,
                                 related_name="period_payments")
    period = models.CharField(_("period"), max_length=8)
    base_wan = models.DecimalField(_("contracted payment (10k yuan)"), max_digits=14,
                                   decimal_places=2)
    payable_wan = models.DecimalField(_("payable (10k yuan)"), max_digits=14, decimal_places=2)
    deduction_wan = models.DecimalField(_("deduction (10k yuan)"), max_digits=14,
                                        decimal_places=2, default=Decimal(0))
    bonus_wan = models.DecimalField(_("bonus (10k yuan)"), max_digits=14, decimal_places=2,
                                    default=Decimal(0))
    value_added_items = models.PositiveSmallIntegerField(
        _("value-added items delivered"), default=0)
    band = models.CharField(_("band"), max_length=20)
    derivation = models.JSONField(_("derivation"), default=list)
    status = models.CharField(_("status"), max_length=10, choices=PaymentStatus.choices,
                              default=PaymentStatus.COMPUTED)
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)

    objects = ContractScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("period payment")
        verbose_name_plural = _("period payments")
        ordering = ["contract", "period"]

    def __str__(self) -> str:
        return f"{self.contract.code} {self.period} {self.payable_wan}/{self.base_wan}"

    @property
    def withheld(self) -> bool:
        return self.payable_wan == 0


class RiskQuerySet(ScopedQuerySet):
    organisation_field = "supplier"

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.PLATFORM_ADMIN, Role.AUDITOR, Role.FINANCE_OFFICER,
                         Role.DEPARTMENT_OFFICER):
            return self.all()
        if user.role == Role.SUPPLIER:
            return self._own(user)
        return self.none()


class RiskLevelChoice(models.TextChoices):
    LOW = "low", _("low")
    MEDIUM = "medium", _("medium")
    HIGH = "high", _("high")
    CRITICAL = "critical", _("critical")


class SupplierRisk(models.Model):
    """One computation of a supplier's risk index and the deposit it sets."""

    supplier = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="risks")
    computed_at = models.DateTimeField(_("computed at"), db_index=True)
    index = models.DecimalField(_("risk index"), max_digits=4, decimal_places=1)
    level = models.CharField(_("level"), max_length=10, choices=RiskLevelChoice.choices)
    factors = models.JSONField(_("factors"), default=list)
    deposit_ratio = models.DecimalField(_("deposit ratio"), max_digits=5, decimal_places=4)
    insurance_required = models.BooleanField(_("insurance guarantee required"), default=False)
    audit_required = models.BooleanField(_("third-party audit required"), default=False)

    objects = RiskQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier risk")
        verbose_name_plural = _("supplier risks")
        ordering = ["-computed_at"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"{self.supplier} {self.index} ({self.computed_at:%Y-%m-%d})"

    @property
    def deposit_percent(self) -> Decimal:
        return (self.deposit_ratio * 100).quantize(Decimal("0.1"))


class CreditRating(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


class SupplierStanding(models.Model):
    """What the risk index reads about a supplier that no other module records: its credit
    rating and the complaints upheld against it (challenges come from procurement)."""

    supplier = models.OneToOneField(Organisation, on_delete=models.CASCADE,
                                    related_name="standing")
    credit_rating = models.CharField(_("credit rating"), max_length=1, blank=True,
                                     choices=CreditRating.choices)
    upheld_complaints = models.PositiveSmallIntegerField(_("upheld complaints"), default=0)
    updated_at = models.DateTimeField(_("updated at"))

    objects = RiskQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier standing")
        verbose_name_plural = _("supplier standings")

    def __str__(self) -> str:
        return f"{self.supplier} {self.credit_rating or '-'}"


class AlertQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.PLATFORM_ADMIN, Role.AUDITOR):
            return self.all()
        if user.role in (Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER, Role.SUPPLIER):
            contracts = Contract.objects.visible_to(user)
            q = models.Q(contract__in=contracts)
            if user.role == Role.SUPPLIER:
                q |= models.Q(supplier_id=user.organisation_id)
            elif user.role == Role.FINANCE_OFFICER:
                q |= models.Q(contract__isnull=True)
            else:  # a department: alerts about the suppliers it contracts with
                q |= models.Q(contract__isnull=True,
                              supplier_id__in=contracts.values("supplier_id"))
            return self.filter(q).filter(audience__contains=user.role)
        return self.none()


class Alert(models.Model):
    """A condition someone should act on (a KPI below its floor, an SEI drop, a rising risk, a
    deposit to raise, a qualification expiring), stored once per ``key`` and notified once."""

    kind = models.CharField(_("kind"), max_length=30, db_index=True)
    severity = models.CharField(_("severity"), max_length=10)
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="alerts")
    supplier = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="alerts")
    period = models.CharField(_("period"), max_length=10, blank=True)  # month, quarter or day
    detail = models.CharField(_("detail"), max_length=100, blank=True)  # e.g. the KPI code
    message_zh = models.TextField()
    message_en = models.TextField()
    audience = models.CharField(_("audience"), max_length=200)  # comma-separated roles
    key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.contract or self.supplier} {self.period}".strip()

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    @property
    def kind_zh(self) -> str:
        return _KIND_LABELS.get(self.kind, (self.kind, self.kind))[0]

    @property
    def kind_en(self) -> str:
        return _KIND_LABELS.get(self.kind, (self.kind, self.kind))[1]
