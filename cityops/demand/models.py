"""The demand list (needs with their 12 quantified indicators) and the capability map
(supplier profiles, qualifications, references)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.models import Organisation, User
from cityops.core.roles import Role
from cityops.core.scoping import ScopedQuerySet
from cityops.core.validators import validate_region_code
from cityops.core.workflow import Workflow
from cityops.portfolio.choices import OperationObject

MAX_AMOUNT_WAN = Decimal("10000000")  # 1,000亿元: above any single need; catches typos


def split_list(value: str) -> list[str]:
    """Tags and region lists are stored comma-separated (Chinese or ASCII commas)."""
    return [t.strip() for t in value.replace("，", ",").replace("、", ",").split(",") if t.strip()]


class NeedStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for changes")
    APPROVED = "approved", _("Approved")
    MERGED = "merged", _("Merged into another need")
    IN_PROCUREMENT = "in_procurement", _("In procurement")
    FULFILLED = "fulfilled", _("Fulfilled (contract signed)")
    WITHDRAWN = "withdrawn", _("Withdrawn")


NEED_WORKFLOW = Workflow(
    [
        ("submit", {NeedStatus.DRAFT, NeedStatus.RETURNED}, NeedStatus.SUBMITTED),
        ("approve", {NeedStatus.SUBMITTED}, NeedStatus.APPROVED),
        ("return", {NeedStatus.SUBMITTED}, NeedStatus.RETURNED),
        ("merge", {NeedStatus.SUBMITTED, NeedStatus.APPROVED}, NeedStatus.MERGED),
        ("procure", {NeedStatus.APPROVED}, NeedStatus.IN_PROCUREMENT),
        ("release", {NeedStatus.IN_PROCUREMENT}, NeedStatus.APPROVED),  # procurement cancelled
        ("fulfil", {NeedStatus.IN_PROCUREMENT}, NeedStatus.FULFILLED),
        ("withdraw", {NeedStatus.DRAFT, NeedStatus.SUBMITTED, NeedStatus.RETURNED,
                      NeedStatus.APPROVED}, NeedStatus.WITHDRAWN),
    ],
    labels=NeedStatus,
)

# The states another department (and finance) may see: never a draft or a need sent back.
PUBLISHED_NEED_STATES = (NeedStatus.SUBMITTED, NeedStatus.APPROVED, NeedStatus.MERGED,
                         NeedStatus.IN_PROCUREMENT, NeedStatus.FULFILLED)


class SecurityLevel(models.IntegerChoices):
    L1 = 1, _("Level 1")
    L2 = 2, _("Level 2")
    L3 = 3, _("Level 3")
    L4 = 4, _("Level 4")


class NeedQuerySet(ScopedQuerySet):
    organisation_field = "department"

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.PLATFORM_ADMIN, Role.AUDITOR):
            # The bureau reviews what was submitted; drafts stay with their department.
            return self.exclude(status=NeedStatus.DRAFT)
        if user.role == Role.FINANCE_OFFICER:
            return self.filter(status__in=PUBLISHED_NEED_STATES)
        if user.role == Role.DEPARTMENT_OFFICER:
            # Own needs in every state; other departments' once submitted, so that a
            # department can see it is asking for what another already asked for.
            return self.filter(
                models.Q(department_id=user.organisation_id)
                | models.Q(status__in=PUBLISHED_NEED_STATES)
            )
        return self.none()

    def editable_by(self, user):
        if getattr(user, "role", None) != Role.DEPARTMENT_OFFICER:
            return self.none()
        return self.filter(department_id=user.organisation_id)


class Need(models.Model):
    """A department's need (需求), quantified on the 12 indicators of the brief (Shenzhen)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    department = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="needs",
                                   verbose_name=_("department"),
                                   limit_choices_to={"kind": "department"})
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    tags = models.CharField(_("tags"), max_length=300, blank=True,
                            help_text=_("Comma-separated keywords."))
    category = models.CharField(_("operation object"), max_length=20,
                                choices=OperationObject.choices)
    region_code = models.CharField(_("region code"), max_length=6,
                                   validators=[validate_region_code])
    # The 12 quantified indicators (需求量化指标).
    technical_standard = models.CharField(_("technical standard"), max_length=300)
    implementation_days = models.PositiveIntegerField(
        _("implementation period (days)"), validators=[MinValueValidator(1),
                                                       MaxValueValidator(3650)])
    budget_wan = models.DecimalField(
        _("budget (10k yuan)"), max_digits=14, decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_AMOUNT_WAN)])
    availability_pct = models.DecimalField(
        _("service level: availability (%)"), max_digits=6, decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))])
    response_minutes = models.PositiveIntegerField(
        _("response time (minutes)"), validators=[MinValueValidator(1),
                                                  MaxValueValidator(60 * 24 * 30)])
    data_interfaces = models.PositiveIntegerField(_("data interfaces"),
                                                  validators=[MaxValueValidator(10000)])
    security_level = models.PositiveSmallIntegerField(
        _("security protection level (等保)"), choices=SecurityLevel.choices)
    user_scale = models.PositiveIntegerField(_("user scale"),
                                             validators=[MaxValueValidator(200_000_000)])
    integration_points = models.PositiveIntegerField(_("integration points"),
                                                     validators=[MaxValueValidator(10000)])
    xinchuang_required = models.BooleanField(_("domestic technology (信创) required"),
                                             default=False)
    acceptance_criteria = models.TextField(_("acceptance criteria"))
    operations_months = models.PositiveIntegerField(
        _("operations period (months)"), validators=[MaxValueValidator(480)])

    status = models.CharField(_("status"), max_length=20, choices=NeedStatus.choices,
                              default=NeedStatus.DRAFT, db_index=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="merged_needs", verbose_name=_("merged into"))
    project = models.ForeignKey("portfolio.Project", on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="needs", verbose_name=_("project"))
    filed_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("filed by"))
    created_at = models.DateTimeField(_("created at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def tag_list(self) -> list[str]:
        return split_list(self.tags)

    @property
    def editable(self) -> bool:
        return self.status in (NeedStatus.DRAFT, NeedStatus.RETURNED)

    def clean(self):
        if self.department_id and self.department.kind != "department":
            raise ValidationError({"department": _("A need belongs to a department.")})
        if self.merged_into_id and self.merged_into_id == self.pk:
            raise ValidationError({"merged_into": _("A need cannot be merged into itself.")})


class NeedEvent(models.Model):
    """One step of a need's life, shown as its timeline (the audit chain has the details)."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+")
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=20, choices=NeedStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=NeedStatus.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.need_id} {self.action} {self.from_status}→{self.to_status}"


class DuplicateStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MERGED = "merged", _("Merged")
    DISMISSED = "dismissed", _("Not a duplicate")


class DuplicateFlagQuerySet(models.QuerySet):
    def visible_to(self, user):
        if getattr(user, "is_authenticated", False) and user.role in (Role.PLATFORM_ADMIN,
                                                                        Role.AUDITOR):
            return self.all()
        return self.none()


class DuplicateFlag(models.Model):
    """Two needs of different departments that ask for the same thing: for the bureau."""

    need_a = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    need_b = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    similarity = models.DecimalField(_("similarity"), max_digits=5, decimal_places=4)
    shared_terms = models.CharField(_("shared terms"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=DuplicateStatus.choices,
                              default=DuplicateStatus.OPEN, db_index=True)
    detected_at = models.DateTimeField(_("detected at"))
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = DuplicateFlagQuerySet.as_manager()

    class Meta:
        verbose_name = _("duplicate flag")
        verbose_name_plural = _("duplicate flags")
        ordering = ["-similarity"]
        constraints = [
            models.UniqueConstraint(fields=["need_a", "need_b"], name="duplicate_pair_once"),
            models.CheckConstraint(condition=models.Q(need_a__lt=models.F("need_b")),
                                   name="duplicate_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.need_a_id}~{self.need_b_id} {self.similarity}"


# -- capability map --------------------------------------------------------------------------


class QualificationKind(models.TextChoices):
    CMMI = "cmmi", _("CMMI")
    ISO27001 = "iso27001", _("ISO/IEC 27001")
    ISO20000 = "iso20000", _("ISO/IEC 20000")
    DJCP_SERVICE = "djcp_service", _("Security protection (等保) service qualification")
    XINCHUANG = "xinchuang", _("Domestic technology (信创) certification")
    ITS = "its", _("ITSS operation and maintenance")


class SupplierScopedQuerySet(ScopedQuerySet):
    organisation_field = "supplier"

    def visible_to(self, user):
        # The capability map is read by government users (to find suppliers) and by the
        # supplier itself; other suppliers and enterprises do not browse it.
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.PLATFORM_ADMIN, Role.AUDITOR, Role.DEPARTMENT_OFFICER,
                         Role.FINANCE_OFFICER):
            return self.all()
        if user.role == Role.SUPPLIER:
            return self._own(user)
        return self.none()

    def editable_by(self, user):
        if getattr(user, "role", None) == Role.SUPPLIER:
            return self._own(user)
        if getattr(user, "role", None) == Role.PLATFORM_ADMIN:
            return self.all()
        return self.none()


class SupplierProfile(models.Model):
    supplier = models.OneToOneField(Organisation, on_delete=models.CASCADE,
                                    related_name="capability", verbose_name=_("supplier"),
                                    limit_choices_to={"kind": "supplier"})
    capabilities = models.TextField(_("capabilities"))
    tags = models.CharField(_("tags"), max_length=300, blank=True)
    regions_served = models.CharField(
        _("regions served"), max_length=300, blank=True,
        help_text=_("GB/T 2260 code prefixes, comma-separated (e.g. 33, 3301); empty: nationwide."))
    capacity_wan = models.DecimalField(
        _("annual capacity (10k yuan)"), max_digits=14, decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(MAX_AMOUNT_WAN)])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = SupplierScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier profile")
        verbose_name_plural = _("supplier profiles")
        ordering = ["supplier__name"]

    def __str__(self) -> str:
        return str(self.supplier)

    @property
    def tag_list(self) -> list[str]:
        return split_list(self.tags)

    @property
    def region_list(self) -> list[str]:
        return split_list(self.regions_served)

    def clean(self):
        if self.supplier_id and self.supplier.kind != "supplier":
            raise ValidationError({"supplier": _("Only a supplier has a capability profile.")})
        for prefix in self.region_list:
            if not (prefix.isdigit() and len(prefix) in (2, 4, 6)):
                raise ValidationError({"regions_served": _(
                    "“%(value)s” is not a GB/T 2260 prefix (2, 4 or 6 digits).") % {
                    "value": prefix}})


class QualificationQuerySet(SupplierScopedQuerySet):
    organisation_field = "profile__supplier"


class Qualification(models.Model):
    profile = models.ForeignKey(SupplierProfile, on_delete=models.CASCADE,
                                related_name="qualifications")
    kind = models.CharField(_("kind"), max_length=20, choices=QualificationKind.choices)
    level = models.PositiveSmallIntegerField(_("level"), null=True, blank=True,
                                             validators=[MaxValueValidator(5)])
    certificate_no = models.CharField(_("certificate number"), max_length=60, blank=True)
    expires_on = models.DateField(_("expires on"))

    objects = QualificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("qualification")
        verbose_name_plural = _("qualifications")
        ordering = ["expires_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.level or ''}".strip()


class SupplierReference(models.Model):
    """A past contract the supplier declares (contracts on the platform count by themselves)."""

    profile = models.ForeignKey(SupplierProfile, on_delete=models.CASCADE,
                                related_name="references")
    title = models.CharField(_("title"), max_length=200)
    client = models.CharField(_("client"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1990),
                                                                   MaxValueValidator(2100)])
    amount_wan = models.DecimalField(_("amount (10k yuan)"), max_digits=14, decimal_places=2,
                                     validators=[MinValueValidator(Decimal(0))])

    objects = QualificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("reference")
        verbose_name_plural = _("references")
        ordering = ["-year"]

    def __str__(self) -> str:
        return self.title
