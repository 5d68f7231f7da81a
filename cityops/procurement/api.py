"""Procurement API: processes and their steps, bids, challenges, contracts; OCDS."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from cityops.core.permissions import PUBLIC
from cityops.core.rest import StrictModelSerializer, StrictSerializer
from cityops.core.roles import ALL_ROLES, Role
from cityops.demand.models import Need

from . import services
from .models import Bid, Challenge, Contract, Milestone, Payment, Procurement

READERS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER,
                     Role.AUDITOR, Role.SUPPLIER})
BUYERS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER})


class ProcurementSerializer(StrictModelSerializer):
    needs = serializers.PrimaryKeyRelatedField(many=True, queryset=Need.objects.all())
    ocid = serializers.CharField(read_only=True)

    class Meta:
        model = Procurement
        fields = ["id", "code", "ocid", "title", "description", "buyer", "needs", "category",
                  "estimated_amount_wan", "budget_year", "method", "justifications",
                  "original_contract", "evaluation_method", "price_weight", "criteria",
                  "notice", "bid_deadline", "standstill_days", "status", "findings",
                  "created_at", "published_at", "closed_at", "awarded_at", "standstill_until",
                  "cancelled_at", "cancel_reason"]
        read_only_fields = ["id", "code", "ocid", "buyer", "notice", "bid_deadline", "status",
                            "findings", "created_at", "published_at", "closed_at",
                            "awarded_at", "standstill_until", "cancelled_at", "cancel_reason"]
        extra_kwargs = {"estimated_amount_wan": {"required": False},
                        "budget_year": {"required": False}}


class PublishSerializer(StrictSerializer):
    bid_deadline = serializers.DateTimeField()
    notice = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(StrictSerializer):
    reason = serializers.CharField()


class BidSerializer(StrictModelSerializer):
    class Meta:
        model = Bid
        fields = ["id", "procurement", "supplier", "price_wan", "proposal", "submitted_at",
                  "valid", "invalid_reason", "technical_scores", "score", "rank", "derivation"]
        read_only_fields = ["id", "procurement", "supplier", "submitted_at", "valid",
                            "invalid_reason", "technical_scores", "score", "rank", "derivation"]


class ScoreSerializer(StrictSerializer):
    technical_scores = serializers.DictField(child=serializers.FloatField(min_value=0,
                                                                         max_value=100))


class ChallengeSerializer(StrictModelSerializer):
    class Meta:
        model = Challenge
        fields = ["id", "procurement", "supplier", "filed_at", "grounds", "status", "outcome",
                  "decided_at"]
        read_only_fields = ["id", "procurement", "supplier", "filed_at", "status", "outcome",
                            "decided_at"]


class DecideSerializer(StrictSerializer):
    upheld = serializers.BooleanField()
    outcome = serializers.CharField()


class ProcurementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Contracting processes. Read: government roles (a department: its own and those carrying
    its needs); suppliers (published notices). Plan and run: the buyer department's officers
    and the platform admin. Bid and challenge: suppliers. A step not allowed from the
    current status answers 409."""

    serializer_class = ProcurementSerializer
    allowed_roles = READERS
    write_roles = BUYERS | {Role.SUPPLIER}
    filterset_fields = ["status", "method", "category", "buyer"]
    search_fields = ["code", "title"]

    def get_queryset(self):
        return Procurement.objects.visible_to(self.request.user).prefetch_related("needs")

    def perform_create(self, serializer):
        if self.request.user.role not in BUYERS:
            raise PermissionDenied()
        data = dict(serializer.validated_data)
        needs = data.pop("needs")
        visible = set(Need.objects.visible_to(self.request.user).values_list("pk", flat=True))
        if any(n.pk not in visible for n in needs):
            raise PermissionDenied()
        serializer.instance = services.procurement_plan(by=self.request.user, needs=needs,
                                                        **data)

    def _buyer_object(self):
        p = self.get_object()
        if self.request.user.role not in BUYERS or not Procurement.objects.editable_by(
                self.request.user).filter(pk=p.pk).exists():
            raise PermissionDenied()
        return p

    def _done(self, p):
        p.refresh_from_db()
        return Response(ProcurementSerializer(p).data)

    @extend_schema(request=PublishSerializer, responses=ProcurementSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        p = self._buyer_object()
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.procurement_publish(procurement=p, by=request.user, **data.validated_data)
        return self._done(p)

    @extend_schema(request=None, responses=ProcurementSerializer)
    @action(detail=True, methods=["post"], url_path="close-bidding")
    def close_bidding(self, request, pk=None):
        p = self._buyer_object()
        services.bidding_close(procurement=p, by=request.user)
        return self._done(p)

    @extend_schema(request=None, responses=BidSerializer(many=True))
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        p = self._buyer_object()
        return Response(BidSerializer(services.procurement_evaluate(procurement=p,
                                                                    by=request.user),
                                      many=True).data)

    @extend_schema(request=None, responses=ProcurementSerializer)
    @action(detail=True, methods=["post"])
    def award(self, request, pk=None):
        p = self._buyer_object()
        services.procurement_award(procurement=p, by=request.user)
        return self._done(p)

    @extend_schema(request=ReasonSerializer, responses=ProcurementSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        p = self._buyer_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.procurement_cancel(procurement=p, by=request.user, **data.validated_data)
        return self._done(p)

    @extend_schema(methods=["get"], responses=BidSerializer(many=True))
    @extend_schema(methods=["post"], request=BidSerializer, responses=BidSerializer)
    @action(detail=True, methods=["get", "post"])
    def bids(self, request, pk=None):
        """GET: the bids the user may see (a supplier: its own; the buyer: all, once bidding
        has closed). POST (suppliers): submit or replace the supplier's bid."""
        p = self.get_object()
        if request.method == "GET":
            return Response(BidSerializer(Bid.objects.visible_to(request.user).filter(
                procurement=p), many=True).data)
        if request.user.role != Role.SUPPLIER:
            raise PermissionDenied()
        data = BidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bid = services.bid_submit(procurement=p, by=request.user, **data.validated_data)
        return Response(BidSerializer(bid).data, status=201)

    @extend_schema(request=ChallengeSerializer, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def challenge(self, request, pk=None):
        p = self.get_object()
        if request.user.role != Role.SUPPLIER:
            raise PermissionDenied()
        data = ChallengeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ch = services.challenge_file(procurement=p, by=request.user, **data.validated_data)
        return Response(ChallengeSerializer(ch).data, status=201)


class BidViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Bids. A supplier sees only its own bids and scores; the buyer sees a procurement's bids
    once bidding has closed; auditors read all opened bids. The buyer enters technical
    points with POST .../score/."""

    serializer_class = BidSerializer
    allowed_roles = READERS
    write_roles = BUYERS
    filterset_fields = ["procurement"]

    def get_queryset(self):
        return Bid.objects.visible_to(self.request.user)

    @extend_schema(request=ScoreSerializer, responses=BidSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request, pk=None):
        bid = self.get_object()
        data = ScoreSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        bid = services.bid_score(bid=bid, by=request.user, **data.validated_data)
        return Response(BidSerializer(bid).data)


class ChallengeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Challenges (质疑). A supplier sees its own; the buyer decides with POST .../decide/."""

    serializer_class = ChallengeSerializer
    allowed_roles = READERS
    write_roles = BUYERS

    def get_queryset(self):
        return Challenge.objects.visible_to(self.request.user)

    @extend_schema(request=DecideSerializer, responses=ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        ch = self.get_object()
        data = DecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ch = services.challenge_decide(challenge=ch, by=request.user, **data.validated_data)
        return Response(ChallengeSerializer(ch).data)


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "title", "due_on", "share", "status", "accepted_on"]
        read_only_fields = ["id", "status", "accepted_on"]


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "milestone", "amount_wan", "due_on", "paid_on", "status"]


class ContractSerializer(StrictModelSerializer):
    milestones = MilestoneSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)
    deposit_wan = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = Contract
        fields = ["id", "code", "procurement", "renewal_of", "buyer", "supplier", "title",
                  "category", "operation_object", "amount_wan", "start_on", "end_on",
                  "content_fixed", "continuity_strong", "funding_stable", "prices_stable",
                  "renewals_max", "content", "quantity", "quality", "settlement",
                  "rights_obligations", "liability", "deposit_ratio", "deposit_wan", "status",
                  "created_at", "signed_at", "closed_at", "milestones", "payments"]
        read_only_fields = fields


class ContractCreateSerializer(StrictModelSerializer):
    procurement = serializers.PrimaryKeyRelatedField(queryset=Procurement.objects.all())
    milestones = MilestoneSerializer(many=True, required=False)

    class Meta:
        model = Contract
        fields = ["procurement", "title", "start_on", "end_on", "content_fixed",
                  "continuity_strong", "funding_stable", "prices_stable", "renewals_max",
                  "content", "quantity", "quality", "settlement", "rights_obligations",
                  "liability", "deposit_ratio", "milestones"]
        extra_kwargs = {"title": {"required": False}}


class AmendSerializer(StrictSerializer):
    reason = serializers.CharField()
    amount_wan = serializers.DecimalField(max_digits=14, decimal_places=2, required=False)
    end_on = serializers.DateField(required=False)


class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):
    """Contracts. Read: admin, auditors, finance (all); the buyer department; the supplier
    (its signed contracts). Draft from an award, sign, amend: the buyer."""

    serializer_class = ContractSerializer
    allowed_roles = READERS
    write_roles = BUYERS
    filterset_fields = ["status", "supplier", "buyer"]
    search_fields = ["code", "title"]

    def get_queryset(self):
        return Contract.objects.visible_to(self.request.user).prefetch_related("milestones",
                                                                                "payments")

    @extend_schema(request=ContractCreateSerializer, responses=ContractSerializer)
    def create(self, request, *args, **kwargs):
        data = ContractCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        p = fields.pop("procurement")
        if not Procurement.objects.editable_by(request.user).filter(pk=p.pk).exists():
            raise PermissionDenied()
        milestones = fields.pop("milestones", [])
        c = services.contract_create(procurement=p, by=request.user, milestones=milestones,
                                     **fields)
        return Response(ContractSerializer(c).data, status=201)

    def _buyer_object(self):
        c = self.get_object()
        if not Contract.objects.editable_by(self.request.user).filter(pk=c.pk).exists():
            raise PermissionDenied()
        return c

    @extend_schema(request=None, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        c = services.contract_sign(contract=self._buyer_object(), by=request.user)
        return Response(ContractSerializer(c).data)

    @extend_schema(request=AmendSerializer, responses=ContractSerializer)
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        c = self._buyer_object()
        data = AmendSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.contract_amend(contract=c, by=request.user, **data.validated_data)
        c.refresh_from_db()
        return Response(ContractSerializer(c).data)


# -- OCDS: public, as open contracting intends --------------------------------------------------


class OcdsPackageView(APIView):
    """An OCDS 1.1.5 release package of every published contracting process (public)."""

    allowed_roles = frozenset({PUBLIC}) | ALL_ROLES
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request):
        from . import ocds_export

        return Response(ocds_export.release_package(request.build_absolute_uri()))


class OcdsRecordView(APIView):
    """The OCDS record of one process: every release and the compiled release (public)."""

    allowed_roles = frozenset({PUBLIC}) | ALL_ROLES
    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request, ocid: str):
        from . import ocds_export

        package = ocds_export.record_package(ocid, request.build_absolute_uri())
        if package is None:
            raise Http404
        return Response(package)
