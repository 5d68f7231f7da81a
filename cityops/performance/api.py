"""Performance API: suppliers push measurements with their token; SEI and payments read."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cityops.core.rest import StrictSerializer
from cityops.core.roles import Role
from cityops.procurement.models import Contract

from . import services
from .models import Assessment, Measurement, PeriodPayment, Source

READERS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER,
                     Role.AUDITOR, Role.SUPPLIER})


class MeasurementSerializer(serializers.ModelSerializer):
    contract = serializers.CharField(source="kpi.contract.code", read_only=True)
    kpi_code = serializers.CharField(source="kpi.code", read_only=True)
    submitted_by = serializers.CharField(source="submitted_by.username", read_only=True,
                                         default=None)

    class Meta:
        model = Measurement
        fields = ["id", "contract", "kpi_code", "period", "value", "source", "submitted_by",
                  "submitted_at", "flags", "note"]


class PushSerializer(StrictSerializer):
    contract = serializers.CharField(max_length=20, help_text="contract code, e.g. HT-2026-0007")
    kpi = serializers.CharField(max_length=40, help_text="KPI code of the contract, e.g. "
                                                          "availability")
    period = serializers.CharField(max_length=8,
                                   help_text="2026-03 (month) or 2026-Q1 (quarter)")
    value = serializers.FloatField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class MeasurementViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Measurements. A supplier pushes (POST) values for its own contracts only, with its API
    token; the owner department may enter them too. Reads are scoped to visible contracts."""

    serializer_class = MeasurementSerializer
    allowed_roles = READERS
    write_roles = frozenset({Role.SUPPLIER, Role.DEPARTMENT_OFFICER, Role.PLATFORM_ADMIN})
    filterset_fields = ["period", "source"]

    def get_queryset(self):
        qs = Measurement.objects.visible_to(self.request.user).select_related("kpi__contract")
        code = self.request.query_params.get("contract")
        return qs.filter(kpi__contract__code=code) if code else qs

    @extend_schema(request=PushSerializer, responses=MeasurementSerializer)
    def create(self, request):
        data = PushSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        contract = Contract.objects.visible_to(request.user).filter(code=d["contract"]).first()
        if contract is None:
            raise exceptions.PermissionDenied(_(
                "Contract %(code)s is not one of your contracts: a supplier sends values only "
                "for its own contracts.") % {"code": d["contract"]})
        source = Source.API if request.user.role == Role.SUPPLIER else Source.MANUAL
        try:
            m = services.measurement_submit(
                contract=contract, by=request.user, kpi_code=d["kpi"], period=d["period"],
                value=d["value"], note=d["note"], source=source)
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc) or None) from None
        return Response(MeasurementSerializer(m).data, status=201)


class AssessmentSerializer(serializers.ModelSerializer):
    contract = serializers.CharField(source="contract.code", read_only=True)
    payment = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "contract", "period", "sei", "detail", "assessed_at", "payment"]


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Assessed months with the SEI and its drill-down (a supplier: its own contracts)."""

    serializer_class = AssessmentSerializer
    allowed_roles = READERS
    filterset_fields = ["period", "contract"]

    def get_queryset(self):
        return Assessment.objects.visible_to(self.request.user).select_related("contract")


class PeriodPaymentSerializer(serializers.ModelSerializer):
    contract = serializers.CharField(source="contract.code", read_only=True)

    class Meta:
        model = PeriodPayment
        fields = ["id", "contract", "period", "assessment", "base_wan", "payable_wan",
                  "deduction_wan", "bonus_wan", "value_added_items", "band", "derivation",
                  "status", "approved_at"]


class PeriodPaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    """Performance payments with their derivation; finance approves with POST .../approve/."""

    serializer_class = PeriodPaymentSerializer
    allowed_roles = READERS
    write_roles = frozenset({Role.FINANCE_OFFICER})
    filterset_fields = ["status", "period"]

    def get_queryset(self):
        return PeriodPayment.objects.visible_to(self.request.user).select_related("contract")

    @extend_schema(request=None, responses=PeriodPaymentSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        p = services.payment_approve(payment=self.get_object(), by=request.user)
        return Response(PeriodPaymentSerializer(p).data)
