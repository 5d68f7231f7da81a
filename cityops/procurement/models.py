"""Procurement processes (plan → notice → bids → evaluation → award → standstill → contract),
and contracts with their service packages, milestones, payments and amendments."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.models import Organisation, User
from cityops.core.roles import Role
from cityops.core.scoping import ScopedQuerySet
from cityops.core.workflow import Workflow

MAX_AMOUNT_WAN = Decimal("10000000")
amount_validators = [MinValueValidator(Decimal(0)), MaxValueValidator(MAX_AMOUNT_WAN)]
positive_amount = [MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_AMOUNT_WAN)]
share_validators = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))]


class Category(models.TextChoices):
    GOODS = "goods", _("Goods")
    SERVICES = "services", _("Services")
    WORKS = "works", _("Works")


class Method(models.TextChoices):
    PUBLIC_TENDER = "public_tender", _("Public tender")
    INVITED_TENDER = "invited_tender", _("Invited tender")
    COMPETITIVE_NEGOTIATION = "competitive_negotiation", _("Competitive negotiation")
    COMPETITIVE_CONSULTATION = "competitive_consultation", _("Competitive consultation")
    SINGLE_SOURCE = "single_source", _("Single source")
    REQUEST_FOR_QUOTATION = "request_for_quotation", _("Request for quotation")
    FRAMEWORK_AGREEMENT = "framework_agreement", _("Framework agreement")
    SELF_PURCHASE = "self_purchase", _("Purchase below the threshold (self-purchase)")


class EvaluationMethod(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive scoring")
    LOWEST_PRICE = "lowest_price", _("Lowest price")


class ProcurementStatus(models.TextChoices):
    PLANNING = "planning", _("Planning")
    TENDERING = "tendering", _("Notice published, taking bids")
    EVALUATION = "evaluation", _("Evaluation")
    AWARDED = "awarded", _("Awarded (standstill)")
    CONTRACTED = "contracted", _("Contract signed")
    CANCELLED = "cancelled", _("Cancelled")


PROCUREMENT_WORKFLOW = Workflow(
    [
        ("publish", {ProcurementStatus.PLANNING}, ProcurementStatus.TENDERING),
        ("close_bidding", {ProcurementStatus.TENDERING}, ProcurementStatus.EVALUATION),
        ("award", {ProcurementStatus.EVALUATION}, ProcurementStatus.AWARDED),
        ("revoke_award", {ProcurementStatus.AWARDED}, ProcurementStatus.EVALUATION),
        ("sign_contract", {ProcurementStatus.AWARDED}, ProcurementStatus.CONTRACTED),
        ("cancel", {ProcurementStatus.PLANNING, ProcurementStatus.TENDERING,
                    ProcurementStatus.EVALUATION, ProcurementStatus.AWARDED},
         ProcurementStatus.CANCELLED),
    ],
    labels=ProcurementStatus,
)


class ProcurementQuerySet(ScopedQuerySet):
    organisation_field = "buyer"

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.PLATFORM_ADMIN, Role.AUDITOR, Role.FINANCE_OFFICER):
            return self.all()
        if user.role == Role.DEPARTMENT_OFFICER:
            # Its own, and the intensive procurements that carry one of its needs.
            return self.filter(models.Q(buyer_id=user.organisation_id)
                               | models.Q(needs__department_id=user.organisation_id)).distinct()
        if user.role == Role.SUPPLIER:
            # Published notices are public to suppliers; plans are not.
            return self.exclude(status=ProcurementStatus.PLANNING)
        return self.none()

    def editable_by(self, user):
        role = getattr(user, "role", None)
        if role == Role.PLATFORM_ADMIN:
            return self.all()
        if role == Role.DEPARTMENT_OFFICER:
            return self.filter(buyer_id=user.organisation_id)
        return self.none()


class Procurement(models.Model):
    """A contracting process: one ``ocid`` from plan to contract (OCDS)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="procurements",
                              verbose_name=_("buyer"), limit_choices_to={"kind": "department"})
    needs = models.ManyToManyField("demand.Need", related_name="procurements",
                                   verbose_name=_("needs"), blank=True)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices,
                                default=Category.SERVICES)
    estimated_amount_wan = models.DecimalField(_("estimated amount (10k yuan)"), max_digits=14,
                                               decimal_places=2, validators=positive_amount)
    budget_year = models.PositiveSmallIntegerField(
        _("budget year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    method = models.CharField(_("procurement method"), max_length=30, choices=Method.choices)
    justifications = models.CharField(
        _("justifications"), max_length=300, blank=True,
        help_text=_("Condition codes that justify the method (comma-separated)."))
    original_contract = models.ForeignKey(
        "Contract", on_delete=models.PROTECT, null=True, blank=True, related_name="follow_ons",
        verbose_name=_("original contract (single-source follow-on)"))
    evaluation_method = models.CharField(_("evaluation method"), max_length=20,
                                         choices=EvaluationMethod.choices,
                                         default=EvaluationMethod.COMPREHENSIVE)
    price_weight = models.DecimalField(_("price weight"), max_digits=4, decimal_places=3,
                                       default=Decimal("0.300"), validators=share_validators)
    criteria = models.JSONField(
        _("technical criteria"), default=list, blank=True,
        help_text=_("List of {key, name, weight}; with the price weight they sum to 1."))
    notice = models.TextField(_("notice"), blank=True)
    bid_deadline = models.DateTimeField(_("bid deadline"), null=True, blank=True)
    standstill_days = models.PositiveSmallIntegerField(
        _("standstill (days)"), default=7, validators=[MaxValueValidator(60)])
    status = models.CharField(_("status"), max_length=20, choices=ProcurementStatus.choices,
                              default=ProcurementStatus.PLANNING, db_index=True)
    findings = models.JSONField(_("rule findings"), default=list, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("bidding closed at"), null=True, blank=True)
    awarded_at = models.DateTimeField(_("awarded at"), null=True, blank=True)
    standstill_until = models.DateTimeField(_("standstill until"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancellation"), blank=True)

    objects = ProcurementQuerySet.as_manager()

    class Meta:
        verbose_name = _("procurement")
        verbose_name_plural = _("procurements")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def ocid(self) -> str:
        return f"{settings.OCDS_PREFIX}-{self.code}"

    @property
    def justification_list(self) -> list[str]:
        return [c for c in self.justifications.split(",") if c]

    def clean(self):
        if self.buyer_id and self.buyer.kind != "department":
            raise ValidationError({"buyer": _("The buyer is a department.")})
        if self.method == Method.SINGLE_SOURCE and "follow_on" in self.justification_list \
                and not self.original_contract_id:
            raise ValidationError({"original_contract": _(
                "A single-source follow-on purchase names the original contract.")})


class BidQuerySet(ScopedQuerySet):
    organisation_field = "supplier"

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.SUPPLIER:
            return self._own(user)  # never another supplier's bid or score
        # Bids are sealed until bidding closes: before that nobody but the bidder sees them.
        opened = self.exclude(procurement__status__in=[ProcurementStatus.PLANNING,
                                                       ProcurementStatus.TENDERING])
        if user.role in (Role.PLATFORM_ADMIN, Role.AUDITOR, Role.FINANCE_OFFICER):
            return opened
        if user.role == Role.DEPARTMENT_OFFICER:
            return opened.filter(procurement__buyer_id=user.organisation_id)
        return self.none()

    def editable_by(self, user):
        if getattr(user, "role", None) == Role.SUPPLIER:
            return self._own(user)
        return self.none()


class Bid(models.Model):
    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="bids")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="bids",
                                 verbose_name=_("supplier"), limit_choices_to={"kind": "supplier"})
    price_wan = models.DecimalField(_("price (10k yuan)"), max_digits=14, decimal_places=2,
                                    validators=positive_amount)
    proposal = models.TextField(_("technical proposal"), blank=True)
    submitted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"))
    valid = models.BooleanField(_("valid"), default=True)
    invalid_reason = models.CharField(_("reason invalid"), max_length=300, blank=True)
    technical_scores = models.JSONField(_("technical scores"), default=dict, blank=True)
    score = models.DecimalField(_("total score"), max_digits=6, decimal_places=2, null=True,
                                blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), null=True, blank=True)
    derivation = models.JSONField(_("derivation"), default=list, blank=True)

    objects = BidQuerySet.as_manager()

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["rank", "price_wan"]
        constraints = [models.UniqueConstraint(fields=["procurement", "supplier"],
                                               name="one_bid_per_supplier")]

    def __str__(self) -> str:
        return f"{self.procurement.code} {self.supplier}"


class AwardQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        # Awards are published (OCDS): everyone who may see the procurement sees them.
        return self.filter(procurement__in=Procurement.objects.visible_to(user))


class Award(models.Model):
    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE, related_name="awards")
    bid = models.ForeignKey(Bid, on_delete=models.PROTECT, related_name="awards")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="awards")
    amount_wan = models.DecimalField(_("amount (10k yuan)"), max_digits=14, decimal_places=2,
                                     validators=positive_amount)
    awarded_at = models.DateTimeField(_("awarded at"))
    active = models.BooleanField(_("active"), default=True)
    revoked_reason = models.TextField(_("reason revoked"), blank=True)

    objects = AwardQuerySet.as_manager()

    class Meta:
        ordering = ["-awarded_at"]

    def __str__(self) -> str:
        return f"{self.procurement.code} → {self.supplier}"


class ChallengeStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


class ChallengeQuerySet(ScopedQuerySet):
    organisation_field = "supplier"

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role == Role.SUPPLIER:
            return self._own(user)
        return self.filter(procurement__in=Procurement.objects.visible_to(user))


class Challenge(models.Model):
    """A supplier's challenge (质疑) of a procurement, and its outcome."""

    procurement = models.ForeignKey(Procurement, on_delete=models.CASCADE,
                                    related_name="challenges")
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="challenges")
    filed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    filed_at = models.DateTimeField(_("filed at"))
    grounds = models.TextField(_("grounds"))
    status = models.CharField(_("status"), max_length=10, choices=ChallengeStatus.choices,
                              default=ChallengeStatus.PENDING)
    outcome = models.TextField(_("outcome"), blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = ChallengeQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.procurement.code} {self.supplier}"


# -- contracts ----------------------------------------------------------------------------------


class ContractStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Signed, in force")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


CONTRACT_WORKFLOW = Workflow(
    [
        ("sign", {ContractStatus.DRAFT}, ContractStatus.ACTIVE),
        ("complete", {ContractStatus.ACTIVE}, ContractStatus.COMPLETED),
        ("terminate", {ContractStatus.ACTIVE}, ContractStatus.TERMINATED),
    ],
    labels=ContractStatus,
)


class ContractQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.PLATFORM_ADMIN, Role.AUDITOR, Role.FINANCE_OFFICER):
            return self.all()
        if user.role == Role.DEPARTMENT_OFFICER:
            return self.filter(buyer_id=user.organisation_id)
        if user.role == Role.SUPPLIER:
            return self.filter(supplier_id=user.organisation_id).exclude(
                status=ContractStatus.DRAFT)
        return self.none()

    def editable_by(self, user):
        role = getattr(user, "role", None)
        if role == Role.PLATFORM_ADMIN:
            return self.all()
        if role == Role.DEPARTMENT_OFFICER:
            return self.filter(buyer_id=user.organisation_id)
        return self.none()


class Contract(models.Model):
    """A written purchase-of-services contract (政府购买服务合同, 102号令 art. 23)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    procurement = models.ForeignKey(Procurement, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="contracts")
    award = models.ForeignKey(Award, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="contracts")
    renewal_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="renewals", verbose_name=_("renewal of"))
    buyer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contracts",
                              verbose_name=_("buyer"))
    supplier = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                 related_name="supplier_contracts", verbose_name=_("supplier"))
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=10, choices=Category.choices,
                                default=Category.SERVICES)
    operation_object = models.CharField(_("operation object"), max_length=20, blank=True)
    amount_wan = models.DecimalField(_("amount (10k yuan)"), max_digits=14, decimal_places=2,
                                     validators=positive_amount)
    start_on = models.DateField(_("start"))
    end_on = models.DateField(_("end"))
    # 102号令 art. 24: a term over one year needs all four of these.
    content_fixed = models.BooleanField(_("content fixed"), default=False)
    continuity_strong = models.BooleanField(_("strong continuity"), default=False)
    funding_stable = models.BooleanField(_("stable funding"), default=False)
    prices_stable = models.BooleanField(_("stable prices"), default=False)
    renewals_max = models.PositiveSmallIntegerField(_("renewals allowed"), default=0,
                                                    validators=[MaxValueValidator(2)])
    # 102号令 art. 23: what the contract states.
    content = models.TextField(_("content"))
    quantity = models.TextField(_("quantity"))
    quality = models.TextField(_("quality"))
    settlement = models.TextField(_("settlement"))
    rights_obligations = models.TextField(_("rights and obligations"))
    liability = models.TextField(_("liability for breach"))
    deposit_ratio = models.DecimalField(_("performance deposit ratio"), max_digits=5,
                                        decimal_places=4, default=Decimal("0.05"),
                                        validators=share_validators)
    status = models.CharField(_("status"), max_length=12, choices=ContractStatus.choices,
                              default=ContractStatus.DRAFT, db_index=True)
    created_at = models.DateTimeField(_("created at"))
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=models.Q(end_on__gte=models.F("start_on")),
                                              name="contract_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def deposit_wan(self) -> Decimal:
        return (self.amount_wan * self.deposit_ratio).quantize(Decimal("0.01"))


class ContractPartQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        return self.filter(contract__in=Contract.objects.visible_to(user))


class Tier(models.TextChoices):
    BASE = "base", _("Base service")
    VALUE_ADDED = "value_added", _("Value-added service")


class ServiceItem(models.Model):
    """One item of a contract's service package: base service or value-added (Guangzhou)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="items")
    tier = models.CharField(_("tier"), max_length=12, choices=Tier.choices)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=30)
    unit_price_wan = models.DecimalField(_("unit price (10k yuan)"), max_digits=14,
                                         decimal_places=4, validators=amount_validators)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=2,
                                   validators=[MinValueValidator(Decimal(0))])
    bands = models.JSONField(_("volume bands"), default=list, blank=True,
                             help_text=_("Tiered prices: list of {from, unit_price_wan}."))

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        ordering = ["tier", "id"]

    def __str__(self) -> str:
        return self.name


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Milestone(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    share = models.DecimalField(_("payment share"), max_digits=5, decimal_places=4,
                                validators=share_validators)
    status = models.CharField(_("status"), max_length=10, choices=MilestoneStatus.choices,
                              default=MilestoneStatus.PLANNED)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    note = models.TextField(_("note"), blank=True)

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def late(self) -> bool:
        if self.accepted_on:
            return self.accepted_on > self.due_on
        from django.utils import timezone

        return timezone.localdate() > self.due_on


class PaymentStatus(models.TextChoices):
    DUE = "due", _("Due")
    PAID = "paid", _("Paid")


class Payment(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="payments")
    milestone = models.ForeignKey(Milestone, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="payments")
    amount_wan = models.DecimalField(_("amount (10k yuan)"), max_digits=14, decimal_places=2,
                                     validators=positive_amount)
    due_on = models.DateField(_("due on"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=PaymentStatus.choices,
                              default=PaymentStatus.DUE)
    paid_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.amount_wan} {self.status}"


class Amendment(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="amendments")
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+")
    reason = models.TextField(_("reason"))
    amount_before = models.DecimalField(max_digits=14, decimal_places=2)
    amount_after = models.DecimalField(max_digits=14, decimal_places=2)
    end_before = models.DateField()
    end_after = models.DateField()
    # Rule findings of the change (e.g. over 10% of the original amount): flagged for review.
    findings = models.JSONField(_("rule findings"), default=list, blank=True)

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.amount_before}→{self.amount_after}"
