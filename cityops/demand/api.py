"""Demand API: needs (file, review), their supplier ranking, duplicates, supplier profiles."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cityops.core.rest import StrictModelSerializer, StrictSerializer
from cityops.core.roles import Role

from . import selectors, services
from .models import DuplicateFlag, Need, Qualification, SupplierProfile

READERS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER,
                     Role.AUDITOR})


class NeedSerializer(StrictModelSerializer):
    department = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Need
        fields = ["id", "code", "department", "title", "description", "tags", "category",
                  "region_code", "technical_standard", "implementation_days", "budget_wan",
                  "availability_pct", "response_minutes", "data_interfaces", "security_level",
                  "user_scale", "integration_points", "xinchuang_required",
                  "acceptance_criteria", "operations_months", "status", "review_comment",
                  "merged_into", "created_at", "submitted_at", "approved_at", "fulfilled_at"]
        read_only_fields = ["id", "code", "department", "status", "review_comment",
                            "merged_into", "created_at", "submitted_at", "approved_at",
                            "fulfilled_at"]


class ReviewSerializer(StrictSerializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class MergeSerializer(StrictSerializer):
    into = serializers.PrimaryKeyRelatedField(queryset=Need.objects.all())
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class NeedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """The demand list. Read: admin and auditors (all but drafts); department officers (their
    own in every state, others' once submitted); finance (submitted and after). File and edit:
    department officers, their own department's drafts. Review (approve, return, merge): the
    data bureau (platform admin)."""

    serializer_class = NeedSerializer
    allowed_roles = READERS
    write_roles = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER})
    filterset_fields = ["status", "category", "department", "security_level"]
    search_fields = ["code", "title", "tags"]
    ordering_fields = ["created_at", "budget_wan", "code"]

    def get_queryset(self):
        return Need.objects.visible_to(self.request.user).order_by("-created_at", "-id")

    def perform_create(self, serializer):
        if self.request.user.role != Role.DEPARTMENT_OFFICER:
            raise PermissionDenied()
        serializer.instance = services.need_create(by=self.request.user,
                                                   **serializer.validated_data)

    def perform_update(self, serializer):
        if not Need.objects.editable_by(self.request.user).filter(
                pk=serializer.instance.pk).exists():
            raise PermissionDenied()
        serializer.instance = services.need_update(need=serializer.instance,
                                                   by=self.request.user,
                                                   **serializer.validated_data)

    def _act(self, func, **kwargs):
        need = self.get_object()
        need = func(need=need, by=self.request.user, **kwargs)
        return Response(NeedSerializer(need).data)

    @extend_schema(request=None, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._act(services.need_submit)

    @extend_schema(request=ReviewSerializer, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(services.need_approve, **data.validated_data)

    @extend_schema(request=ReviewSerializer, responses=NeedSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(services.need_return, **data.validated_data)

    @extend_schema(request=MergeSerializer, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        data = MergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._act(services.need_merge, **data.validated_data)

    @extend_schema(request=None, responses=inline_serializer("SupplierMatch", {
        "supplier": serializers.IntegerField(), "name": serializers.CharField(),
        "score": serializers.FloatField(), "passed": serializers.BooleanField(),
        "matched_terms": serializers.ListField(child=serializers.CharField()),
        "matched_tags": serializers.ListField(child=serializers.CharField()),
        "requirements": serializers.ListField(child=serializers.DictField())}, many=True))
    @action(detail=True)
    def suppliers(self, request, pk=None):
        """Suppliers ranked for this need, each with why and its hard requirement checks."""
        need = self.get_object()
        return Response([selectors.match_as_dict(r) for r in selectors.supplier_ranking(need)])


class DuplicateSerializer(serializers.ModelSerializer):
    class Meta:
        model = DuplicateFlag
        fields = ["id", "need_a", "need_b", "similarity", "shared_terms", "status",
                  "detected_at", "decided_at"]


class DuplicateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Possible duplicate needs across departments. Read: the data bureau and auditors."""

    serializer_class = DuplicateSerializer
    allowed_roles = frozenset({Role.PLATFORM_ADMIN, Role.AUDITOR})
    filterset_fields = ["status"]

    def get_queryset(self):
        return DuplicateFlag.objects.visible_to(self.request.user)


class QualificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Qualification
        fields = ["kind", "level", "certificate_no", "expires_on"]


class ProfileSerializer(StrictModelSerializer):
    qualifications = QualificationSerializer(many=True, read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)

    class Meta:
        model = SupplierProfile
        fields = ["id", "supplier", "supplier_name", "capabilities", "tags", "regions_served",
                  "capacity_wan", "qualifications", "updated_at"]
        read_only_fields = ["id", "supplier", "supplier_name", "qualifications", "updated_at"]


class SupplierProfileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """The capability map. Read: government roles (all), a supplier (its own). Write: the
    supplier its own profile; the platform admin any."""

    serializer_class = ProfileSerializer
    allowed_roles = READERS | {Role.SUPPLIER}
    write_roles = frozenset({Role.SUPPLIER, Role.PLATFORM_ADMIN})
    search_fields = ["capabilities", "tags", "supplier__name"]

    def get_queryset(self):
        return SupplierProfile.objects.visible_to(self.request.user).select_related(
            "supplier").prefetch_related("qualifications")

    def perform_update(self, serializer):
        if not SupplierProfile.objects.editable_by(self.request.user).filter(
                pk=serializer.instance.pk).exists():
            raise PermissionDenied()
        serializer.instance = services.profile_save(
            supplier=serializer.instance.supplier, by=self.request.user,
            **serializer.validated_data)
