"""Policy pages: the library, the editor (YAML with line-numbered errors and a condition
builder), the conflict review, the registry and its import, an enterprise's policies, the
explanation of one enterprise × one policy, match runs, coverage and the cascade.

Each view declares its roles; rows come through the scoped managers (a department edits only
its own policies; an enterprise sees only its own profile and results)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core import jobs, regions
from cityops.core.htmx import is_htmx
from cityops.core.models import City
from cityops.core.permissions import roles_required
from cityops.core.roles import ALL_ROLES, Role
from cityops.core.scoping import access_object
from cityops.core.workflow import TransitionRefused

from . import selectors, services
from .engine import attributes as A
from .engine.errors import PolicyValidationError
from .engine.interpreter import evaluate
from .forms import (
    EnterpriseFilterForm,
    PolicyFilterForm,
    PolicyForm,
    RegistryImportForm,
    StatusForm,
    builder_yaml,
)
from .models import Enterprise, MatchRun, Policy, PolicyMatch, PolicyStatus, PolicyVersion

EDITORS = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER)
GOVERNMENT = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR)
REGISTRY_READERS = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.AUDITOR)
EXPLAIN_READERS = (*REGISTRY_READERS, Role.ENTERPRISE)
BUREAU = (Role.PLATFORM_ADMIN, Role.AUDITOR)


def _may_edit(user, policy: Policy) -> bool:
    return (user.role in EDITORS and policy.status in services.EDITABLE_STATES
            and Policy.objects.editable_by(user).filter(pk=policy.pk).exists())


# -- the library --------------------------------------------------------------------------------


def _filtered(request):
    form = PolicyFilterForm(request.GET or None, benefit_choices=selectors.benefit_kind_choices())
    qs = Policy.objects.visible_to(request.user).select_related("issuer")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(title__icontains=data["q"]) | Q(doc_number__icontains=data["q"]))
        for name in ("level", "status"):
            if data[name]:
                qs = qs.filter(**{name: data[name]})
        if data["department"]:
            qs = qs.filter(issuer=data["department"])
        if data["benefit"]:
            qs = qs.filter(benefit_kinds__contains=data["benefit"])
        if data["free"]:
            qs = qs.filter(free_application=True)
    return form, qs.annotate(
        reached=Count("matches", filter=Q(matches__matched=True))).order_by(
        "-effective_from", "doc_number")


@roles_required(*ALL_ROLES)
def policy_list(request):
    form, qs = _filtered(request)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "may_create": request.user.role in EDITORS}
    template = "policy/_policy_table.html" if is_htmx(request) else "policy/policy_list.html"
    return render(request, template, context)


@roles_required(*ALL_ROLES)
def policy_detail(request, pk: int):
    policy = access_object(Policy.objects.select_related("issuer", "parent"), request.user, pk)
    parsed = selectors.rule_policy(policy)
    government = request.user.role in GOVERNMENT
    cascade = selectors.cascade_items(policy) if (
        government and policy.requires_implementation) else []
    return render(request, "policy/policy_detail.html", {
        "policy": policy, "parsed": parsed, "rules": selectors.rule_lines(parsed),
        "benefits": selectors.benefit_rows(parsed),
        "versions": policy.versions.all() if government else [],
        "coverage": selectors.policy_coverage(policy) if government else None,
        "implementing": selectors.implementing_tree(policy, request.user),
        "parent": policy.parent if policy.parent and Policy.objects.visible_to(
            request.user).filter(pk=policy.parent_id).exists() else None,
        "cascade": cascade, "may_edit": _may_edit(request.user, policy),
        "scope_names": [regions.region_full_name(c.ljust(6, "0")) or c
                        for c in policy.region_scope_list] or [_("nationwide")],
        "may_review": government, "status_form": StatusForm(),
    })


@roles_required(*GOVERNMENT)
def policy_version(request, pk: int, version: int):
    policy = access_object(Policy.objects, request.user, pk)
    old = get_object_or_404(PolicyVersion, policy=policy, version=version)
    return render(request, "policy/policy_version.html", {"policy": policy, "version": old})


# -- the editor ---------------------------------------------------------------------------------


def _new_source(user) -> str:
    city = City.current()
    scope = A.region_prefix(city.region_code) if city else None
    today = timezone.localdate()
    return (
        f"doc_number: 〔{today.year}〕号\n"
        "title: \n"
        "issuer: \n"
        "level: city\n"
        f"region_scope: [\"{scope or ''}\"]\n"
        f"effective_from: {today.isoformat()}\n"
        "free_application: false\n"
        "exclusivity_groups: []\n"
        "eligibility:\n"
        "  all:\n"
        "    - {attr: tax_credit_rating, op: in, value: [A, B]}\n"
        "benefits:\n"
        "  - {kind: subsidy, name: , amount: 10}\n"
        "materials: []\n"
        "guide:\n"
        "  steps: []\n"
        "  channel: \n"
    )


def _listing(source: str, problems) -> list[dict]:
    """The text with line numbers, the lines a problem names marked (shown under the editor)."""
    bad: dict[int, list[str]] = {}
    lg = selectors.lang()
    for p in problems:
        if p.line:
            bad.setdefault(p.line, []).append(p.zh if lg == "zh" else p.en)
    return [{"number": i, "text": text, "problems": bad.get(i, [])}
            for i, text in enumerate(source.split("\n"), start=1)]


def _editor(request, policy: Policy | None):
    user = request.user
    initial = {"source": policy.source if policy else _new_source(user)}
    if policy is not None:
        initial.update(issuer=policy.issuer_id, issuing_authority=policy.issuing_authority,
                       requires_implementation=policy.requires_implementation)
    form = PolicyForm(request.POST or None, initial=initial, user=user)
    problems, checked, refused = [], False, None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if request.POST.get("action") == "check":
                    services.policy_check(data["source"], policy=policy)
                    checked = True
                else:
                    policy = services.policy_save(
                        by=user, source=data["source"], policy=policy,
                        issuer=data.get("issuer"), issuing_authority=data["issuing_authority"],
                        requires_implementation=data["requires_implementation"],
                        override_reason=data["override_reason"])
                    messages.success(request, _("Policy saved (version %(v)s).")
                                     % {"v": policy.version})
                    return redirect("policy:policy-detail", policy.pk)
            except PolicyValidationError as e:
                problems = list(e.problems)
            except services.PolicyReviewRefused as e:
                refused = e.report
                form.add_error("override_reason", e.messages[0])
            except TransitionRefused as e:
                form.add_error(None, str(e))
            except ValidationError as e:
                for field, errors in e.message_dict.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
        if problems or refused is not None or form.errors:
            status = 400
    source = form.data.get("source", initial["source"]) if form.is_bound else initial["source"]
    lg = selectors.lang()
    return render(request, "policy/policy_form.html", {
        "form": form, "policy": policy, "problems": [p.text(lg) for p in problems],
        "problem_count": len(problems), "listing": _listing(source, problems) if problems else [],
        "checked": checked, "refused": refused, "attributes": selectors.attribute_reference(),
        "lang": lg,
        "builder_rows": [{"index": 0, **_row_context("rd_intensity", ">=", "5")}],
    }, status=status)


@roles_required(*EDITORS)
def policy_create(request):
    return _editor(request, None)


@roles_required(*EDITORS)
def policy_edit(request, pk: int):
    policy = access_object(Policy.objects, request.user, pk, write=True)
    if policy.status not in services.EDITABLE_STATES:
        messages.error(request, _("A policy that is %(state)s is not edited any more.")
                       % {"state": policy.get_status_display()})
        return redirect("policy:policy-detail", policy.pk)
    return _editor(request, policy)


def _row_context(attr_name: str, op: str = "", value: str = "") -> dict:
    attr = A.attribute(attr_name) or A.ATTRIBUTES["employees"]
    ops = sorted(A.OPS_BY_TYPE[attr.type])
    lg = selectors.lang()
    return {"attrs": [(a.name, a.label(lg)) for a in A.REGISTRY + A.DERIVED
                      if a.name not in ("uscc", "name")],
            "attr": attr.name, "ops": ops, "op": op if op in ops else ops[0], "value": value,
            "values": list(attr.values), "unit": attr.unit, "type": attr.type}


@roles_required(*EDITORS)
def condition_row(request):
    """HTMX: one builder row (attribute, operators that apply to it, value)."""
    try:
        index = int(request.GET.get("index", "0"))
    except ValueError:
        index = 0
    row = _row_context(request.GET.get("attr", "employees"), request.GET.get("op", ""),
                       request.GET.get("value", ""))
    return render(request, "policy/_builder_row.html", {"row": {"index": index, **row}})


@require_POST
@roles_required(*EDITORS)
def condition_yaml(request):
    """HTMX: the builder's rows as YAML conditions, validated by the rule language."""
    attrs = request.POST.getlist("attr")
    ops = request.POST.getlist("op")
    values = request.POST.getlist("value")
    rows = list(zip(attrs, ops, values + [""] * (len(attrs) - len(values)), strict=False))[:50]
    combinator = "any" if request.POST.get("combinator") == "any" else "all"
    snippet, errors, general = builder_yaml(rows, combinator)
    status = 400 if errors or general else 200
    return render(request, "policy/_builder_yaml.html", {
        "snippet": snippet, "errors": [(i + 1, m) for i, ms in sorted(errors.items()) for m in ms],
        "general": general}, status=status)


# -- review and status --------------------------------------------------------------------------


def _review_context(request, policy: Policy, form=None) -> dict:
    report = services.policy_review(policy=policy)
    others = {p.doc_number: p for p in Policy.objects.filter(
        doc_number__in=[o.other_id for o in report.overlaps]
        + [r.other_id for r in report.redundancies] + list(report.undecided))}
    return {"policy": policy, "report": report, "lang": selectors.lang(),
            "overlaps": [(o, others.get(o.other_id)) for o in report.overlaps],
            "redundancies": [(r, others.get(r.other_id)) for r in report.redundancies],
            "may_edit": _may_edit(request.user, policy),
            "status_form": form or StatusForm(initial={"status": PolicyStatus.IN_FORCE})}


@roles_required(*GOVERNMENT)
def policy_review(request, pk: int):
    policy = access_object(Policy.objects.select_related("issuer"), request.user, pk)
    return render(request, "policy/policy_review.html", _review_context(request, policy))


@require_POST
@roles_required(*EDITORS)
def policy_status(request, pk: int):
    policy = access_object(Policy.objects, request.user, pk, write=True)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return render(request, "policy/policy_review.html",
                      _review_context(request, policy, form), status=400)
    try:
        policy = services.policy_set_status(
            policy=policy, by=request.user, status=form.cleaned_data["status"],
            override_reason=form.cleaned_data["override_reason"])
    except services.PolicyReviewRefused as e:
        form.add_error("override_reason", e.messages[0])
        return render(request, "policy/policy_review.html",
                      _review_context(request, policy, form), status=400)
    except TransitionRefused as e:
        messages.error(request, str(e))
        return redirect("policy:policy-detail", policy.pk)
    messages.success(request, _("The policy is now “%(status)s”.")
                     % {"status": policy.get_status_display()})
    return redirect("policy:policy-detail", policy.pk)


# -- enterprises ----------------------------------------------------------------------------------


def _own_enterprise(user) -> Enterprise | None:
    if user.organisation_id is None:
        return None
    return Enterprise.objects.filter(organisation_id=user.organisation_id).first()


@roles_required(Role.ENTERPRISE)
def my_policies(request):
    enterprise = _own_enterprise(request.user)
    context = {"enterprise": enterprise}
    if enterprise is not None:
        context.update(selectors.enterprise_policies(enterprise))
        context["profile"] = selectors.profile_rows(enterprise)
    return render(request, "policy/my_policies.html", context)


@roles_required(*EXPLAIN_READERS)
def explain(request, policy_pk: int, enterprise_pk: int):
    enterprise = access_object(Enterprise.objects, request.user, enterprise_pk)
    policy = access_object(Policy.objects.select_related("issuer"), request.user, policy_pk)
    parsed = selectors.rule_policy(policy)
    as_of = timezone.localdate()
    profile = selectors.enterprise_profile(enterprise)
    evaluation = evaluate(parsed, profile, as_of)
    result = PolicyMatch.objects.filter(policy=policy, enterprise=enterprise).first()
    return render(request, "policy/explain.html", {
        "policy": policy, "enterprise": enterprise, "parsed": parsed,
        "lines": selectors.explain_lines(parsed, profile, as_of), "evaluation": evaluation,
        "result": result, "benefits": selectors.benefit_rows(parsed), "as_of": as_of})


@roles_required(*REGISTRY_READERS)
def enterprise_list(request):
    present = Enterprise.objects.values_list("region_code", flat=True).distinct()
    form = EnterpriseFilterForm(request.GET or None, region_choices=[
        (c, regions.region_name(c) or c) for c in sorted(set(present))])
    qs = Enterprise.objects.visible_to(request.user)
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(uscc__icontains=data["q"]))
        if data["region"]:
            qs = qs.filter(region_code=data["region"])
        if data["industry"]:
            qs = qs.filter(industry_code__startswith=data["industry"])
    qs = qs.annotate(matched=Count("matches", filter=Q(matches__matched=True)),
                     near=Count("matches", filter=Q(matches__matched=False))).order_by("uscc")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    template = "policy/_enterprise_table.html" if is_htmx(request) else \
        "policy/enterprise_list.html"
    return render(request, template, {"form": form, "page": page,
                                      "may_import": request.user.role == Role.PLATFORM_ADMIN,
                                      "total": Enterprise.objects.count()})


@roles_required(Role.PLATFORM_ADMIN)
def enterprise_import(request):
    form = RegistryImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
                for chunk in upload.chunks():
                    tmp.write(chunk)
                tmp.flush()
                report = services.registry_import(by=request.user, path=tmp.name,
                                                  filename=upload.name)
            if report.ok:
                messages.success(request, _("%(created)s profiles created, %(updated)s updated.")
                                 % {"created": report.created, "updated": report.updated})
                return redirect("policy:enterprise-list")
        status = 400
    return render(request, "policy/enterprise_import.html", {
        "form": form, "report": report,
        "report_lines": report.messages(selectors.lang()) if report else [],
        "columns": [(a.name, a.label(selectors.lang())) for a in A.REGISTRY]}, status=status)


@roles_required(*EXPLAIN_READERS)
def enterprise_detail(request, pk: int):
    enterprise = access_object(Enterprise.objects.select_related("organisation"),
                               request.user, pk)
    context = {"enterprise": enterprise, "profile": selectors.profile_rows(enterprise)}
    context.update(selectors.enterprise_policies(enterprise))
    return render(request, "policy/enterprise_detail.html", context)


# -- runs, coverage, cascade ----------------------------------------------------------------------


@roles_required(*REGISTRY_READERS)
def run_list(request):
    page = Paginator(MatchRun.objects.select_related("started_by"), 30).get_page(
        request.GET.get("page"))
    return render(request, "policy/run_list.html", {
        "page": page, "may_start": request.user.role == Role.PLATFORM_ADMIN})


@require_POST
@roles_required(Role.PLATFORM_ADMIN)
def run_start(request):
    job = jobs.job_start(kind="policy.match", by=request.user)
    messages.success(request, _("The match run has started."))
    return redirect("core:job-detail", job.pk)


@roles_required(*BUREAU)
def coverage(request):
    data = selectors.coverage()
    return render(request, "policy/coverage.html", {
        "data": data, "region_chart": selectors.dashboard_coverage_regions(request.user)})


@roles_required(*GOVERNMENT)
def cascade(request):
    items = selectors.cascade_items()
    roots: dict[int, dict] = {}
    for item in items:
        root = roots.setdefault(item["policy"].pk, {"policy": item["policy"], "items": [],
                                                    "overdue": 0})
        root["items"].append(item)
        root["overdue"] += item["item"].status == "overdue"
    visible = set(Policy.objects.visible_to(request.user).filter(
        pk__in=list(roots)).values_list("pk", flat=True))
    groups = [r for pk, r in roots.items() if pk in visible]
    return render(request, "policy/cascade.html", {
        "groups": groups, "overdue": sum(g["overdue"] for g in groups)})
