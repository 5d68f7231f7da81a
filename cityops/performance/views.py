"""Performance pages: a contract's SEI with its drill-down and measurements, uploads,
finance's payment queue, the supplier ranking and the risk panel."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cityops.core.permissions import roles_required
from cityops.core.roles import Role
from cityops.core.scoping import access_object
from cityops.core.workflow import TransitionRefused
from cityops.procurement.models import Contract, ContractStatus

from . import selectors, services
from .models import Alert, Assessment, PeriodPayment, Source

READERS = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR,
           Role.SUPPLIER)


class MeasurementForm(forms.Form):
    kpi_code = forms.CharField(label=gettext_lazy("KPI"))
    period = forms.CharField(label=gettext_lazy("period"),
                             help_text=gettext_lazy("2026-03 for a month, 2026Q1 for a quarter"))
    value = forms.CharField(label=gettext_lazy("value"))


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or Excel file"),
                           help_text=gettext_lazy("Columns: contract, kpi, period, value"))


class AssessForm(forms.Form):
    month = forms.RegexField(label=gettext_lazy("month"), regex=r"^\d{4}-\d{2}$")


def _errors(request, exc) -> None:
    if isinstance(exc, ValidationError):
        for errors in (exc.message_dict.values() if hasattr(exc, "error_dict")
                       else [exc.messages]):
            for e in errors:
                messages.error(request, e)
    else:
        messages.error(request, str(exc))


@roles_required(*READERS)
def contract_list(request):
    qs = Contract.objects.visible_to(request.user).exclude(
        status=ContractStatus.DRAFT).select_related("supplier", "buyer")
    latest = {}
    for a in Assessment.objects.filter(contract__in=qs).order_by("contract_id", "period"):
        latest[a.contract_id] = a
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    for c in page:
        c.latest = latest.get(c.pk)
    return render(request, "performance/contract_list.html", {
        "page": page, "ranking": selectors.supplier_ranking(request.user)[:15]})


@roles_required(*READERS)
def contract_detail(request, pk: int):
    c = access_object(Contract.objects.select_related("supplier", "buyer"), request.user, pk)
    context = selectors.contract_page(request.user, c) | {
        "form": MeasurementForm(), "upload": UploadForm(), "assess_form": AssessForm(),
        "may_enter": selectors.may_enter(request.user, c),
        "may_assess": request.user.role == Role.PLATFORM_ADMIN or (
            request.user.role == Role.DEPARTMENT_OFFICER
            and request.user.organisation_id == c.buyer_id),
        "renewal": services.renewal_advice(c),
    }
    return render(request, "performance/contract_detail.html", context)


@roles_required(*READERS)
def assessment_detail(request, pk: int):
    a = access_object(Assessment.objects.select_related("contract"), request.user, pk)
    return render(request, "performance/assessment_detail.html", {
        "a": a, "rows": selectors.assessment_detail(a),
        "payment": PeriodPayment.objects.filter(assessment=a).first()})


@require_POST
@roles_required(Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.SUPPLIER)
def measurement_enter(request, pk: int):
    c = access_object(Contract.objects, request.user, pk)
    form = MeasurementForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({k: [e["message"] for e in v]
                                   for k, v in form.errors.get_json_data().items()})
        source = Source.API if request.user.role == Role.SUPPLIER else Source.MANUAL
        services.measurement_submit(contract=c, by=request.user, source=source,
                                    **form.cleaned_data)
        messages.success(request, _("Value recorded."))
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    return redirect("performance:contract-detail", pk)


@roles_required(Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.SUPPLIER)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            f = form.cleaned_data["file"]
            try:
                n = services.measurements_import(by=request.user, data=f.read(), filename=f.name)
            except ValidationError as exc:
                _errors(request, exc)
                status = 400
            else:
                messages.success(request, _("%(n)s values imported.") % {"n": n})
                return redirect("performance:contract-list")
        else:
            status = 400
    return render(request, "performance/upload.html", {"form": form}, status=status)


@require_POST
@roles_required(Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER)
def assess(request, pk: int):
    c = access_object(Contract.objects, request.user, pk)
    form = AssessForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({"month": _("Enter a month as YYYY-MM.")})
        a = services.period_assess(contract=c, month=form.cleaned_data["month"],
                                   by=request.user)
        messages.success(request, _("%(period)s assessed: SEI %(sei)s.") % {
            "period": a.period, "sei": a.sei})
    except (ValidationError, PermissionDenied) as exc:
        _errors(request, exc)
    return redirect("performance:contract-detail", pk)


@roles_required(Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN, Role.AUDITOR)
def payment_list(request):
    status = request.GET.get("status", "computed")
    qs = selectors.payments_queue(request.user)
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "performance/payment_list.html", {"page": page, "status": status})


@roles_required(Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN, Role.AUDITOR,
                Role.DEPARTMENT_OFFICER, Role.SUPPLIER)
def payment_detail(request, pk: int):
    p = access_object(PeriodPayment.objects.select_related("contract", "assessment"),
                      request.user, pk)
    return render(request, "performance/payment_detail.html", {
        "p": p, "rows": selectors.assessment_detail(p.assessment),
        "may_approve": request.user.role == Role.FINANCE_OFFICER and p.status == "computed"})


@require_POST
@roles_required(Role.FINANCE_OFFICER)
def payment_approve(request, pk: int):
    p = access_object(PeriodPayment.objects, request.user, pk)
    try:
        services.payment_approve(payment=p, by=request.user)
        messages.success(request, _("Payment approved."))
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    return redirect("performance:payment-detail", pk)


@roles_required(Role.PLATFORM_ADMIN, Role.AUDITOR, Role.FINANCE_OFFICER,
                Role.DEPARTMENT_OFFICER, Role.SUPPLIER)
def risk(request):
    return render(request, "performance/risk.html",
                  {"rows": selectors.risk_panel(request.user),
                   "may_recompute": request.user.role == Role.PLATFORM_ADMIN})


@require_POST
@roles_required(Role.PLATFORM_ADMIN)
def risk_recompute(request):
    n = services.risk_recompute()
    messages.success(request, _("Risk recomputed for %(n)s suppliers.") % {"n": n})
    return redirect("performance:risk")


@roles_required(*READERS)
def alert_list(request):
    page = Paginator(Alert.objects.visible_to(request.user).select_related(
        "contract", "supplier"), 50).get_page(request.GET.get("page"))
    return render(request, "performance/alert_list.html", {"page": page})
