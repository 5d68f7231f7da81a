"""Portfolio API: projects (scoped like the pages), the advisor, the fiscal projection."""

from __future__ import annotations

from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from cityops.core.permissions import ComputationPermission
from cityops.core.rest import StrictModelSerializer
from cityops.core.roles import Role

from . import choices, selectors, services
from .domain import advisor
from .models import Company, ComplianceFinding, Project, Shareholder

READERS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER,
                     Role.AUDITOR})
EDITORS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER})


class CodeListField(serializers.MultipleChoiceField):
    """A set of codes stored comma-separated; a JSON list in the API."""

    def to_representation(self, value):
        return [code for code in (value or "").split(",") if code]

    def to_internal_value(self, data):
        return ",".join(sorted(super().to_internal_value(data)))


class FindingSerializer(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    message = serializers.SerializerMethodField()

    class Meta:
        model = ComplianceFinding
        fields = ["rule_id", "outcome", "title", "message", "source", "article", "regime",
                  "checked_at"]

    def get_title(self, obj) -> str:
        return obj.title(get_language())

    def get_message(self, obj) -> str:
        return obj.message(get_language())


class ProjectSerializer(StrictModelSerializer):
    operation_objects = CodeListField(choices=choices.OperationObject.choices)
    other_income = CodeListField(choices=choices.OtherIncome.choices, required=False)
    compliance_outcome = serializers.CharField(read_only=True)

    class Meta:
        model = Project
        exclude = []
        read_only_fields = ["id", "created_at", "updated_at", "compliance_outcome"]

    def validate(self, attrs):
        # Model-level rules (end before start, PPP sub-type, ...) answer per field.
        instance = Project(**{**self._current(), **attrs})
        from django.core.exceptions import ValidationError as DjangoValidationError

        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        return attrs

    def _current(self) -> dict:
        if self.instance is None:
            return {}
        return {f.name: getattr(self.instance, f.name) for f in Project._meta.concrete_fields
                if f.name not in {"id"}}


class ProjectViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Projects of the portfolio. Read: admin, auditors, finance (all); department officers
    (their department's). Write: admin; department officers for their own department."""

    serializer_class = ProjectSerializer
    allowed_roles = READERS
    write_roles = EDITORS
    filterset_fields = ["operation_model", "phase", "department", "return_mechanism",
                        "compliance_outcome", "region_code"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "total_investment_wan", "start_date"]

    def get_queryset(self):
        return Project.objects.visible_to(self.request.user).order_by("code")

    def perform_create(self, serializer):
        serializer.instance = services.project_create(by=self.request.user,
                                                      **serializer.validated_data)

    def perform_update(self, serializer):
        if not Project.objects.editable_by(self.request.user).filter(
                pk=serializer.instance.pk).exists():
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied()
        serializer.instance = services.project_update(
            project=serializer.instance, by=self.request.user, **serializer.validated_data)

    @extend_schema(responses=FindingSerializer(many=True))
    @action(detail=True)
    def compliance(self, request, pk=None):
        project = self.get_object()
        return Response(FindingSerializer(project.findings.all(), many=True).data)


class ShareholderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Shareholder
        fields = ["party_name", "party_kind", "amount_wan", "share"]


class CompanySerializer(StrictModelSerializer):
    shareholders = ShareholderSerializer(many=True)

    class Meta:
        model = Company
        fields = ["id", "kind", "name", "uscc", "region_code", "registered_capital_wan",
                  "established", "note", "shareholders"]
        read_only_fields = ["id"]


class CompanyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                     mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """SPVs, platform and joint companies with their shareholders (shares sum to 100%).
    Read: admin, finance, auditors. Write: admin."""

    serializer_class = CompanySerializer
    allowed_roles = frozenset({Role.PLATFORM_ADMIN, Role.FINANCE_OFFICER, Role.AUDITOR})
    write_roles = frozenset({Role.PLATFORM_ADMIN})
    queryset = Company.objects.prefetch_related("shareholders").order_by("kind", "name")
    filterset_fields = ["kind", "region_code"]

    def _save(self, serializer, company=None):
        data = dict(serializer.validated_data)
        holders = [dict(h) for h in data.pop("shareholders", [])]
        serializer.instance = services.company_save(by=self.request.user, company=company,
                                                    shareholders=holders, **data)

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class AdvisorInputSerializer(serializers.Serializer):
    """A project's characteristics; see the advisor wizard for their meaning."""

    investment_wan = serializers.DecimalField(max_digits=14, decimal_places=2)
    construction_share = serializers.FloatField()
    demand_stability = serializers.FloatField()
    public_good = serializers.FloatField()
    user_payment_share = serializers.FloatField()
    security_sensitivity = serializers.FloatField()
    local_soe_capacity = serializers.FloatField()
    supplier_market_maturity = serializers.FloatField()
    fiscal_room = serializers.FloatField()
    operation_horizon_years = serializers.IntegerField()
    cross_department = serializers.FloatField(required=False)


class AdvisorView(APIView):
    """Rank every operation model for a project's characteristics, with reasons and risks."""

    allowed_roles = READERS
    permission_classes = [ComputationPermission]  # POST computes; it changes nothing

    @extend_schema(request=AdvisorInputSerializer, responses={200: dict})
    def post(self, request):
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["A JSON object is needed."]})
        try:
            characteristics = advisor.Characteristics.from_dict(dict(request.data))
        except advisor.AdvisorInputError as exc:
            english = get_language().startswith("en")
            raise serializers.ValidationError(
                {exc.field: [exc.message_en if english else exc.message_zh]}) from None
        return Response(advisor.advise(characteristics).to_dict(), status=status.HTTP_200_OK)


class FiscalView(APIView):
    """The portfolio's PPP/VGF liabilities by year against the budget, with the 5%/10% lines."""

    allowed_roles = READERS

    @extend_schema(responses={200: dict})
    def get(self, request):
        from .domain import fiscal

        projection = selectors.portfolio_projection()
        if projection is None:
            return Response({"detail": _("No budget projection has been entered yet."),
                             "years": []})
        data = fiscal.to_chart(projection)
        data["first_breach_10"] = projection.first_breach(selectors.RED_LINE)
        data["first_breach_5"] = projection.first_breach(selectors.GOVERNMENT_PAY_LINE)
        return Response(data)
