"""Policy operations: policies written as rules (YAML, parsed by ``policy/engine``), the
enterprise registry they are matched against, match runs and their results."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cityops.core.models import Organisation, User
from cityops.core.roles import Role
from cityops.core.scoping import ScopedQuerySet
from cityops.core.validators import validate_region_code, validate_uscc


class Level(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class PolicyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    EXPIRED = "expired", _("Expired")
    REPEALED = "repealed", _("Repealed")


class PolicyQuerySet(ScopedQuerySet):
    organisation_field = "issuer"

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.PLATFORM_ADMIN, Role.AUDITOR, Role.FINANCE_OFFICER):
            return self.all()
        if user.role == Role.DEPARTMENT_OFFICER:
            # Issued policies are public; drafts stay with the issuing department.
            return self.filter(models.Q(issuer_id=user.organisation_id)
                               | ~models.Q(status=PolicyStatus.DRAFT))
        # Enterprises and the public read the policies issued (what they may apply for).
        return self.exclude(status=PolicyStatus.DRAFT)

    def editable_by(self, user):
        role = getattr(user, "role", None)
        if role == Role.PLATFORM_ADMIN:
            return self.all()
        if role == Role.DEPARTMENT_OFFICER:
            return self.filter(issuer_id=user.organisation_id)
        return self.none()


class Policy(models.Model):
    """An enterprise-support policy (惠企政策). Its rules live in ``source`` (YAML, the rule
    language); the other fields are what the parser read from it, for lists and filters."""

    key = models.CharField(_("policy id"), max_length=80, unique=True,
                           help_text=_("The id of the rule text (defaults to the document "
                                       "number); other policies name it in 'implements'."))
    doc_number = models.CharField(_("document number (文号)"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    # The department on the platform that keeps the policy (a province or national policy is
    # kept by the city department that carries it out); the body that issued it is named in
    # ``issuing_authority``.
    issuer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="policies",
                               verbose_name=_("responsible department"))
    issuing_authority = models.CharField(_("issuing authority"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    region_scope = models.CharField(_("region scope"), max_length=300, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=PolicyStatus.choices,
                              default=PolicyStatus.DRAFT, db_index=True)
    free_application = models.BooleanField(_("benefit without application (免申即享)"),
                                           default=False)
    exclusivity_groups = models.CharField(_("exclusivity groups"), max_length=200, blank=True)
    benefit_kinds = models.CharField(_("benefit kinds"), max_length=100, blank=True)
    requires_implementation = models.BooleanField(
        _("requires implementing rules"), default=False,
        help_text=_("A province policy that cities must implement within 30 days and counties "
                    "within 60 days of its issue."))
    override_reason = models.TextField(
        _("reason for overriding the conflict review"), blank=True)
    source = models.TextField(_("rules (YAML)"))
    version = models.PositiveIntegerField(_("version"), default=1)
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="implementing",
                               verbose_name=_("implements (higher-level policy)"))
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")
        ordering = ["-effective_from", "doc_number"]

    def __str__(self) -> str:
        return f"{self.doc_number} {self.title}"

    @property
    def region_scope_list(self) -> list[str]:
        return [c for c in self.region_scope.split(",") if c]

    @property
    def benefit_kind_list(self) -> list[str]:
        return [c for c in self.benefit_kinds.split(",") if c]

    @property
    def exclusivity_group_list(self) -> list[str]:
        return [c for c in self.exclusivity_groups.split(",") if c]


class PolicyVersion(models.Model):
    """Every saved text of a policy's rules: what was in force when."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    source = models.TextField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["policy", "-version"]
        constraints = [models.UniqueConstraint(fields=["policy", "version"],
                                               name="policy_version_once")]

    def __str__(self) -> str:
        return f"{self.policy.doc_number} v{self.version}"


class EnterpriseQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.PLATFORM_ADMIN, Role.AUDITOR, Role.DEPARTMENT_OFFICER):
            return self.all()
        if user.role == Role.ENTERPRISE:
            return self.filter(organisation_id=user.organisation_id)
        return self.none()


class Enterprise(models.Model):
    """One profile of the enterprise registry (merged from market regulation, tax and
    industry data). ``attributes`` holds the registry columns of ``engine/attributes.py``."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True,
                            validators=[validate_uscc])
    name = models.CharField(_("name"), max_length=200)
    region_code = models.CharField(_("region code"), max_length=6, db_index=True,
                                   validators=[validate_region_code])
    industry_code = models.CharField(_("industry code"), max_length=5, db_index=True)
    attributes = models.JSONField(_("attributes"), default=dict)
    organisation = models.OneToOneField(Organisation, on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="enterprise_profile")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = _("enterprise profile")
        verbose_name_plural = _("enterprise profiles")
        ordering = ["uscc"]

    def __str__(self) -> str:
        return self.name


class MatchRun(models.Model):
    """One batch match of the registry against the policies in force."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    as_of = models.DateField(_("match date"))
    policies = models.PositiveIntegerField(_("policies"), default=0)
    enterprises = models.PositiveIntegerField(_("enterprises"), default=0)
    matches = models.PositiveIntegerField(_("matches"), default=0)
    near_misses = models.PositiveIntegerField(_("near misses"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    engine = models.CharField(_("engine"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=20, default="full")  # full / policy / enterprise
    subject = models.CharField(_("subject"), max_length=200, blank=True)  # policy / enterprise
    notified = models.PositiveIntegerField(_("notifications sent"), default=0)
    stats = models.JSONField(_("engine figures"), default=dict, blank=True)

    class Meta:
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind_label} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def kind_label(self) -> str:
        return str({"full": _("full match"), "policy": _("policy re-match"),
                    "enterprise": _("enterprise re-match"),
                    "import": _("re-match after import")}.get(self.kind, self.kind))


class PolicyMatchQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.role in (Role.PLATFORM_ADMIN, Role.AUDITOR, Role.DEPARTMENT_OFFICER):
            return self.all()
        if user.role == Role.ENTERPRISE:
            return self.filter(enterprise__organisation_id=user.organisation_id)
        return self.none()


class PolicyMatch(models.Model):
    """The current result for one enterprise and one policy: a match (with its estimated
    benefit) or a near miss (with the one condition it fails)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="matches")
    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="matches")
    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="results")
    matched = models.BooleanField(_("matched"), default=True)
    # the engine's estimate to one yuan (0.0001 万元); null: an input is unknown
    benefit_wan = models.DecimalField(_("estimated benefit (10k yuan)"), max_digits=16,
                                      decimal_places=4, null=True, blank=True)
    failed_clause = models.PositiveSmallIntegerField(_("failed clause"), null=True, blank=True)
    failed_condition = models.CharField(_("failed condition"), max_length=300, blank=True)
    first_matched_at = models.DateTimeField(_("first matched at"), null=True, blank=True)

    objects = PolicyMatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("policy match")
        verbose_name_plural = _("policy matches")
        constraints = [models.UniqueConstraint(fields=["enterprise", "policy"],
                                               name="one_result_per_enterprise_policy")]
        indexes = [models.Index(fields=["policy", "matched"])]

    def __str__(self) -> str:
        return f"{self.enterprise_id} × {self.policy_id}"
