"""REST API under /api/v1/: same roles and scoping as the HTML views, JSON errors per field."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from . import jobs, selectors, services
from .models import AuditEntry, Job, Organisation, User
from .rest import StrictModelSerializer, StrictSerializer
from .roles import ALL_ROLES, Role

ADMIN_AUDITOR = frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR})
WITH_ORGANISATION = ALL_ROLES - {Role.PUBLIC}


# -- organisations ----------------------------------------------------------------------


class OrganisationSerializer(StrictModelSerializer):
    region_name = serializers.CharField(read_only=True)

    class Meta:
        model = Organisation
        fields = ["id", "kind", "name", "short_name", "uscc", "region_code", "region_name",
                  "industry_code", "is_active", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class OrganisationFilter(filters.FilterSet):
    region = filters.CharFilter(field_name="region_code", lookup_expr="startswith",
                                label=gettext_lazy("region code prefix"))

    class Meta:
        model = Organisation
        fields = ["kind", "region_code", "is_active", "industry_code"]


class OrganisationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, mixins.UpdateModelMixin,
                          viewsets.GenericViewSet):
    """Departments, suppliers and enterprises. Read: every role with an organisation (own
    organisation only; admin and auditors all). Write: the platform admin."""

    serializer_class = OrganisationSerializer
    allowed_roles = WITH_ORGANISATION
    write_roles = frozenset({Role.PLATFORM_ADMIN})
    filterset_class = OrganisationFilter
    search_fields = ["name", "short_name", "uscc"]
    ordering_fields = ["name", "kind", "region_code", "created_at"]

    def get_queryset(self):
        return Organisation.objects.visible_to(self.request.user).order_by("kind", "name")

    def perform_create(self, serializer):
        serializer.instance = services.organisation_create(
            by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.organisation_update(
            organisation=serializer.instance, by=self.request.user, **serializer.validated_data
        )


# -- users ------------------------------------------------------------------------------


class UserSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(source="organisation.name", default=None,
                                              read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "role", "organisation",
                  "organisation_name", "is_active", "last_login"]
        read_only_fields = fields


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """Users. Read: platform admin and auditors; ``me``: everyone signed in."""

    serializer_class = UserSerializer
    allowed_roles = ADMIN_AUDITOR
    filterset_fields = ["role", "organisation", "is_active"]
    search_fields = ["username", "full_name"]

    def get_queryset(self):
        return User.objects.visible_to(self.request.user).select_related("organisation")

    @action(detail=False, allowed_roles=ALL_ROLES)
    def me(self, request):
        return Response(self.get_serializer(request.user).data)


# -- audit trail ------------------------------------------------------------------------


class AuditEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEntry
        fields = ["seq", "created_at", "actor_id", "actor_username", "actor_role", "action",
                  "object_type", "object_id", "object_repr", "before", "after", "prev_hash",
                  "hash"]
        read_only_fields = fields


class AuditEntryFilter(filters.FilterSet):
    since = filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    until = filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = ["actor_username", "action", "object_type", "object_id"]


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, newest first. Read: platform admin and auditors."""

    serializer_class = AuditEntrySerializer
    allowed_roles = ADMIN_AUDITOR
    lookup_field = "seq"
    filterset_class = AuditEntryFilter
    ordering_fields = ["seq", "created_at"]

    def get_queryset(self):
        return selectors.audit_entries_visible_to(self.request.user).order_by("-seq")


# -- jobs -------------------------------------------------------------------------------


class JobSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)

    class Meta:
        model = Job
        fields = ["id", "kind", "params", "status", "done", "total", "percent", "message",
                  "result", "created_by", "created_at", "started_at", "finished_at"]
        read_only_fields = [f for f in fields if f not in ("kind", "params")]


class JobCreateSerializer(StrictSerializer):
    kind = serializers.CharField(max_length=60)
    params = serializers.DictField(required=False, default=dict)


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Background jobs. Everyone reads their own; admin and auditors read all. Starting a job
    is allowed to the roles its kind names (e.g. audit.verify: admin and auditors)."""

    serializer_class = JobSerializer
    allowed_roles = ALL_ROLES
    # Who may start a job depends on its kind (an auditor may start a verification, though
    # it changes nothing else): job_start decides, not the generic read-only rule.
    permission_classes = [IsAuthenticated]
    filterset_fields = ["kind", "status"]

    def get_queryset(self):
        return Job.objects.visible_to(self.request.user).select_related("created_by")

    @extend_schema(request=JobCreateSerializer, responses={201: JobSerializer})
    def create(self, request):
        payload = JobCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        job = jobs.job_start(by=request.user, **payload.validated_data)
        job.refresh_from_db()
        return Response(JobSerializer(job).data, status=status.HTTP_201_CREATED)


class TokenThrottle(AnonRateThrottle):
    scope = "token"


class ObtainToken(ObtainAuthToken):
    """Exchange a username and password for an API token (throttled; failures lock out)."""

    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]
    allowed_roles = frozenset({"anonymous"}) | ALL_ROLES
