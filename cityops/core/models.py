import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import regions
from .roles import ROLE_ORGANISATION_KIND, OrganisationKind, Role
from .scoping import ScopedQuerySet
from .validators import validate_industry_code, validate_region_code, validate_uscc


class City(models.Model):
    """The city (or county) this platform runs: one row."""

    name = models.CharField(_("name"), max_length=50)
    region_code = models.CharField(
        _("region code"), max_length=6, validators=[validate_region_code]
    )

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("city")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "City | None":
        return cls.objects.filter(pk=1).first()


class OrganisationQuerySet(ScopedQuerySet):
    organisation_field = "pk"

    def departments(self):
        return self.filter(kind=OrganisationKind.DEPARTMENT)

    def suppliers(self):
        return self.filter(kind=OrganisationKind.SUPPLIER)

    def enterprises(self):
        return self.filter(kind=OrganisationKind.ENTERPRISE)


class Organisation(models.Model):
    """A department (委办局), supplier (服务商) or enterprise (企业)."""

    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30, blank=True)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_uscc],
        help_text=_("Unified social credit code, 18 characters (GB 32100)."),
    )
    region_code = models.CharField(
        _("region code"),
        max_length=6,
        validators=[validate_region_code],
        help_text=_("GB/T 2260 administrative division code, e.g. 330106."),
    )
    industry_code = models.CharField(
        _("industry code"),
        max_length=5,
        blank=True,
        validators=[validate_industry_code],
        help_text=_("GB/T 4754-2017, e.g. 65 or I65."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["kind", "name"]
        indexes = [models.Index(fields=["kind", "region_code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def region_name(self) -> str:
        return regions.region_full_name(self.region_code) or self.region_code


class CityOpsUserManager(UserManager):
    def get_queryset(self):
        return UserQuerySet(self.model, using=self._db)

    def visible_to(self, user):
        return self.get_queryset().visible_to(user)

    def editable_by(self, user):
        return self.get_queryset().editable_by(user)


class UserQuerySet(ScopedQuerySet):
    def editable_by(self, user):
        # Users are managed by the platform admin only.
        if getattr(user, "is_authenticated", False) and user.role == Role.PLATFORM_ADMIN:
            return self.all()
        return self.none()


class User(AbstractUser):
    """A person using the platform, with exactly one role and (except the public) one organisation."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.PUBLIC)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )

    objects = CityOpsUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return f"{self.full_name or self.username} ({self.username})"

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username

    def clean(self) -> None:
        super().clean()
        expected = ROLE_ORGANISATION_KIND.get(self.role)
        if expected is None and self.organisation_id is not None:
            raise ValidationError(
                {"organisation": _("A member of the public does not belong to an organisation.")}
            )
        if expected is not None:
            if self.organisation_id is None:
                raise ValidationError({"organisation": _("This role needs an organisation.")})
            if self.organisation.kind != expected:
                raise ValidationError(
                    {
                        "organisation": _(
                            "A user with the role '%(role)s' must belong to an organisation of kind '%(kind)s'."
                        )
                        % {
                            "role": Role(self.role).label,
                            "kind": OrganisationKind(expected).label,
                        }
                    }
                )


class AuditEntry(models.Model):
    """One state change, chained to the previous entry by its hash (see audit.py).

    Rows are never updated or deleted: the model refuses it and database triggers refuse it;
    if someone gets past both, ``cityops audit verify`` names the first entry that no longer fits.
    """

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    # The local calendar day of created_at, for per-day charts without a per-row date
    # function; derived, so not part of the hash (verify checks it agrees with created_at).
    day = models.DateField(_("day"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    actor_role = models.CharField(_("actor role"), max_length=30, blank=True)
    action = models.CharField(_("action"), max_length=40, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit entries are append-only")


class AuditHead(models.Model):
    """The chain's last sequence number and hash; locked while an entry is appended."""

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class JobQuerySet(ScopedQuerySet):
    def visible_to(self, user):
        # A job belongs to the person who started it; admins and auditors see all.
        qs = super().visible_to(user)
        if getattr(user, "is_authenticated", False) and user.role not in (
            Role.PLATFORM_ADMIN,
            Role.AUDITOR,
        ):
            qs = qs.filter(created_by=user)
        return qs

    def unfinished(self):
        return self.filter(status__in=[JobStatus.QUEUED, JobStatus.RUNNING])


class Job(models.Model):
    """A piece of long work run by the job worker, with its progress for the UI."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=60)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    done = models.PositiveBigIntegerField(_("done"), default=0)
    total = models.PositiveBigIntegerField(_("total"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    result_file = models.CharField(_("result file"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("started by")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="jobs"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.done * 100 / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        if not getattr(user, "is_authenticated", False):
            return self.none()
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-platform message to one user: a reminder, an alert, a new match.

    ``key`` makes sending idempotent: the same reminder for the same object and day is sent
    once however often the job that sends it runs.
    """

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications",
                                  verbose_name=_("recipient"))
    kind = models.CharField(_("kind"), max_length=40, db_index=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices,
                                default=Severity.INFO)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    key = models.CharField(_("key"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once"),
        ]

    def __str__(self) -> str:
        return self.title
