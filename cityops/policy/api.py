"""Policy API: the library (read by every role, written by departments for their own policies),
the conflict review and status changes, the registry (import, profiles), the results (an
enterprise reads only its own), match runs, and the operations of the CLI: check a rule text,
start a match run, explain one enterprise × one policy.

Errors are ``{"detail", "code", "errors"}`` (cityops/core/rest.py); a rule text's problems are
also listed with their lines under ``problems``."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from cityops.core import jobs
from cityops.core.models import Organisation
from cityops.core.permissions import ComputationPermission
from cityops.core.rest import StrictSerializer
from cityops.core.roles import ALL_ROLES, Role

from . import selectors, services
from .engine.errors import PolicyValidationError
from .engine.interpreter import evaluate
from .forms import IMPORT_TYPES
from .models import Enterprise, MatchRun, Policy, PolicyMatch, PolicyStatus

EDITORS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER})
GOVERNMENT = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER,
                        Role.AUDITOR})
REGISTRY_READERS = frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.AUDITOR})
RESULT_READERS = REGISTRY_READERS | {Role.ENTERPRISE}
ADMIN = frozenset({Role.PLATFORM_ADMIN})


def _problems_response(e: PolicyValidationError) -> Response:
    lg = selectors.lang()
    texts = [p.text(lg) for p in e.problems]
    return Response({
        "detail": _("The rule text has %(n)s problem(s).") % {"n": len(texts)},
        "code": "invalid", "errors": {"source": texts},
        "problems": [{"line": p.line, "field": p.field, "zh": p.zh, "en": p.en}
                     for p in e.problems]}, status=status.HTTP_400_BAD_REQUEST)


def _report_json(report, lg: str) -> dict:
    def text(f):
        return f.zh if lg == "zh" else f.en

    return {
        "ok": report.ok,
        "unsatisfiable": [{"text": text(u), "clauses": [
            {"line": c.line, "text": c.zh if lg == "zh" else c.en} for c in u.clauses]}
            for u in report.unsatisfiable],
        "overlaps": [{"other": o.other_id, "groups": list(o.groups), "text": text(o),
                      "witness": {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                  for k, v in o.witness.items()},
                      "verified": o.verified, "registry_count": o.registry_count}
                     for o in report.overlaps],
        "redundancies": [{"other": r.other_id, "relation": r.relation, "text": text(r)}
                         for r in report.redundancies],
        "undecided": list(report.undecided),
    }


# -- policies ----------------------------------------------------------------------------------


class PolicySerializer(StrictSerializer):
    id = serializers.IntegerField(read_only=True)
    key = serializers.CharField(read_only=True)
    doc_number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    issuer = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.departments(), required=False)
    issuer_name = serializers.CharField(source="issuer.name", read_only=True)
    issuing_authority = serializers.CharField(required=False, allow_blank=True,
                                              max_length=100)
    level = serializers.CharField(read_only=True)
    region_scope = serializers.ListField(source="region_scope_list", read_only=True)
    effective_from = serializers.DateField(read_only=True)
    effective_to = serializers.DateField(read_only=True)
    status = serializers.CharField(read_only=True)
    free_application = serializers.BooleanField(read_only=True)
    exclusivity_groups = serializers.ListField(source="exclusivity_group_list", read_only=True)
    benefit_kinds = serializers.ListField(source="benefit_kind_list", read_only=True)
    requires_implementation = serializers.BooleanField(required=False)
    parent = serializers.IntegerField(source="parent_id", read_only=True)
    version = serializers.IntegerField(read_only=True)
    issued_on = serializers.DateField(read_only=True)
    source = serializers.CharField(trim_whitespace=False, max_length=100_000)
    override_reason = serializers.CharField(required=False, allow_blank=True, write_only=True)


class PolicyStatusSerializer(StrictSerializer):
    status = serializers.ChoiceField(choices=[PolicyStatus.IN_FORCE, PolicyStatus.EXPIRED,
                                              PolicyStatus.REPEALED])
    override_reason = serializers.CharField(required=False, allow_blank=True)


class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The policy library. Read: everyone who is logged in (drafts only by their department,
    the admin, auditors and finance). Write (``source`` is the YAML rule text): the admin, and
    a department for its own policies. ``status``: put in force (after the conflict review;
    an unsatisfiable rule needs ``override_reason``), expire, repeal."""

    serializer_class = PolicySerializer
    allowed_roles = ALL_ROLES
    write_roles = EDITORS
    filterset_fields = ["level", "status", "issuer", "free_application"]
    search_fields = ["doc_number", "title"]
    ordering_fields = ["effective_from", "doc_number"]

    def get_queryset(self):
        return Policy.objects.visible_to(self.request.user).select_related("issuer").order_by(
            "-effective_from", "doc_number")

    def _save(self, request, policy=None):
        serializer = PolicySerializer(data=request.data, partial=policy is not None)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        source = data.get("source", policy.source if policy else "")
        try:
            saved = services.policy_save(
                by=request.user, source=source, policy=policy, issuer=data.get("issuer"),
                issuing_authority=data.get("issuing_authority"),
                requires_implementation=data.get("requires_implementation"),
                override_reason=data.get("override_reason", ""))
        except PolicyValidationError as e:
            return _problems_response(e)
        code = status.HTTP_201_CREATED if policy is None else status.HTTP_200_OK
        return Response(PolicySerializer(saved).data, status=code)

    @extend_schema(request=PolicySerializer, responses={201: PolicySerializer})
    def create(self, request):
        return self._save(request)

    def _editable(self, policy):
        if not Policy.objects.editable_by(self.request.user).filter(pk=policy.pk).exists():
            raise PermissionDenied()
        return policy

    @extend_schema(request=PolicySerializer, responses={200: PolicySerializer})
    def update(self, request, pk=None):
        return self._save(request, self._editable(self.get_object()))

    @extend_schema(request=PolicySerializer, responses={200: PolicySerializer})
    def partial_update(self, request, pk=None):
        return self._save(request, self._editable(self.get_object()))

    @extend_schema(responses={200: dict})
    @action(detail=True)
    def review(self, request, pk=None):
        """The conflict review against the policies in force."""
        if request.user.role not in GOVERNMENT:
            raise PermissionDenied()
        report = services.policy_review(policy=self.get_object())
        return Response(_report_json(report, selectors.lang()))

    @extend_schema(request=PolicyStatusSerializer, responses={200: PolicySerializer})
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request, pk=None):
        policy = self._editable(self.get_object())
        payload = PolicyStatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            policy = services.policy_set_status(policy=policy, by=request.user,
                                                **payload.validated_data)
        except services.PolicyReviewRefused as e:
            data = {"detail": e.messages[0], "code": "review_refused",
                    "errors": {"override_reason": e.messages},
                    "review": _report_json(e.report, selectors.lang())}
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        return Response(PolicySerializer(policy).data)

    @extend_schema(responses={200: dict})
    @action(detail=True)
    def versions(self, request, pk=None):
        policy = self.get_object()
        if request.user.role not in GOVERNMENT:
            raise PermissionDenied()
        return Response([{"version": v.version, "created_at": v.created_at,
                          "source": v.source} for v in policy.versions.all()])


# -- the registry and the results --------------------------------------------------------------


class EnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "uscc", "name", "region_code", "industry_code", "attributes",
                  "organisation", "updated_at"]
        read_only_fields = fields


class EnterpriseUpdateSerializer(StrictSerializer):
    name = serializers.CharField(required=False, max_length=200)
    region_code = serializers.CharField(required=False)
    industry_code = serializers.CharField(required=False)
    attributes = serializers.DictField(required=False)


class EnterpriseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """Registry profiles. Read: the admin, departments, auditors; an enterprise its own
    profile. Change (PATCH, re-matched at once): the admin."""

    serializer_class = EnterpriseSerializer
    allowed_roles = RESULT_READERS
    write_roles = ADMIN
    filterset_fields = ["region_code", "industry_code"]
    search_fields = ["uscc", "name"]

    def get_queryset(self):
        return Enterprise.objects.visible_to(self.request.user).order_by("uscc")

    @extend_schema(request=EnterpriseUpdateSerializer, responses={200: EnterpriseSerializer})
    def partial_update(self, request, pk=None):
        enterprise = self.get_object()
        payload = EnterpriseUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        values = dict(data.pop("attributes", {}))
        values.update(data)
        enterprise = services.enterprise_save(by=request.user, enterprise=enterprise,
                                              values=values)
        return Response(EnterpriseSerializer(enterprise).data)


class PolicyMatchSerializer(serializers.ModelSerializer):
    doc_number = serializers.CharField(source="policy.doc_number", read_only=True)
    title = serializers.CharField(source="policy.title", read_only=True)
    uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    failed_condition_text = serializers.SerializerMethodField()

    class Meta:
        model = PolicyMatch
        fields = ["id", "enterprise", "uscc", "policy", "doc_number", "title", "matched",
                  "benefit_wan", "failed_clause", "failed_condition",
                  "failed_condition_text", "first_matched_at", "run"]
        read_only_fields = fields

    def get_failed_condition_text(self, obj) -> str:
        if obj.failed_clause is None:
            return ""
        return selectors.clause_text(selectors.rule_policy(obj.policy), obj.failed_clause,
                                     selectors.lang())


class PolicyMatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    """Current results: matches (with the estimated benefit, 万元) and near misses (with the
    one failing condition). An enterprise reads only its own."""

    serializer_class = PolicyMatchSerializer
    allowed_roles = RESULT_READERS
    filterset_fields = ["enterprise", "policy", "matched"]

    def get_queryset(self):
        return PolicyMatch.objects.visible_to(self.request.user).filter(
            policy__status=PolicyStatus.IN_FORCE).select_related(
            "policy", "enterprise").order_by("enterprise_id", "-matched", "policy_id")


class MatchRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = MatchRun
        fields = ["id", "kind", "subject", "started_at", "finished_at", "as_of", "policies",
                  "enterprises", "matches", "near_misses", "notified", "seconds", "engine",
                  "stats"]
        read_only_fields = fields


class MatchRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Match runs (full, and the incremental ones of one policy or some enterprises)."""

    serializer_class = MatchRunSerializer
    allowed_roles = REGISTRY_READERS
    queryset = MatchRun.objects.all()
    filterset_fields = ["kind"]


# -- the CLI's operations ----------------------------------------------------------------------


class CheckSerializer(StrictSerializer):
    source = serializers.CharField(trim_whitespace=False, max_length=100_000)


class PolicyCheckView(APIView):
    """``cityops policy check`` in the API: validate a rule text (YAML) without saving it.
    200 with the summary of the policy, or 400 with every problem and its line."""

    allowed_roles = GOVERNMENT
    permission_classes = [ComputationPermission]  # POST computes; it changes nothing

    @extend_schema(request=CheckSerializer, responses={200: dict})
    def post(self, request):
        payload = CheckSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            parsed = selectors.parse_source(payload.validated_data["source"])
        except PolicyValidationError as e:
            return _problems_response(e)
        return Response({"ok": True, "id": parsed.id, "doc_number": parsed.doc_number,
                         "title": parsed.title, "level": parsed.level,
                         "rules": selectors.rule_lines(parsed)})


class PolicyMatchRunView(APIView):
    """``cityops policy match`` in the API: start a full match run of the registry against
    the policies in force (a job; follow it at /api/v1/jobs/<id>/)."""

    allowed_roles = ADMIN
    write_roles = ADMIN

    @extend_schema(request=None, responses={202: dict})
    def post(self, request):
        job = jobs.job_start(kind="policy.match", by=request.user)
        return Response({"job": str(job.pk), "status": job.status},
                        status=status.HTTP_202_ACCEPTED)


class PolicyExplainView(APIView):
    """``cityops policy explain`` in the API: one policy (``policy``: id or 文号) for one
    enterprise (``uscc``), each condition with the enterprise's value and the outcome. An
    enterprise may ask only about itself."""

    allowed_roles = RESULT_READERS

    @extend_schema(parameters=[OpenApiParameter("policy", str, required=True),
                               OpenApiParameter("uscc", str, required=True)],
                   responses={200: dict})
    def get(self, request):
        errors = {name: [_("This parameter is required.")]
                  for name in ("policy", "uscc") if not request.query_params.get(name)}
        if errors:
            raise serializers.ValidationError(errors)
        ref = request.query_params["policy"]
        policies = Policy.objects.visible_to(request.user)
        lookup = Q(doc_number=ref) | Q(key=ref)
        if ref.isdigit():
            lookup |= Q(pk=int(ref))
        policy = policies.filter(lookup).first()
        if policy is None:
            raise NotFound(_("No such policy."))
        enterprise = get_object_or_404(Enterprise.objects.visible_to(request.user),
                                       uscc=request.query_params["uscc"])
        parsed = selectors.rule_policy(policy)
        as_of = timezone.localdate()
        profile = selectors.enterprise_profile(enterprise)
        evaluation = evaluate(parsed, profile, as_of)
        return Response({
            "policy": policy.pk, "doc_number": policy.doc_number, "uscc": enterprise.uscc,
            "as_of": as_of, "outcome": {True: "eligible", False: "not eligible",
                                        None: "unknown"}[evaluation.outcome],
            "benefit_wan": evaluation.benefit_wan,
            "near_miss_clause": evaluation.near_miss_clause,
            "lines": selectors.explain_lines(parsed, profile, as_of)})


class RegistryImportView(APIView):
    """Import registry profiles (multipart ``file``: CSV, Excel or Parquet): every row valid,
    or nothing loaded and 400 with the rejected rows."""

    allowed_roles = ADMIN
    write_roles = ADMIN
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses={201: dict})
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": [_("Attach the registry file.")]})
        suffix = Path(upload.name).suffix.lower()
        if suffix not in IMPORT_TYPES:
            raise serializers.ValidationError({"file": [
                _("“%(name)s” is not a CSV, Excel (.xlsx) or Parquet file.")
                % {"name": upload.name}]})
        with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
            for chunk in upload.chunks():
                tmp.write(chunk)
            tmp.flush()
            report = services.registry_import(by=request.user, path=tmp.name,
                                              filename=upload.name)
        lines = report.messages(selectors.lang())
        if not report.ok:
            return Response({
                "detail": _("Nothing was loaded: %(n)s row(s) are not valid.")
                % {"n": len(report.rejected_rows)} if report.rejected else report.error,
                "code": "invalid", "errors": {"file": lines},
                "rejected": [{"row": r.row, "field": r.field, "value": r.value, "zh": r.zh,
                              "en": r.en} for r in report.rejected]},
                status=status.HTTP_400_BAD_REQUEST)
        return Response({"rows": report.total, "created": report.created,
                         "updated": report.updated,
                         "run": report.run.pk if report.run else None},
                        status=status.HTTP_201_CREATED)
