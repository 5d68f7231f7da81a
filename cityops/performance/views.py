"""Performance pages: a contract's SEI with its drill-down and measurements, uploads, the
assessment of a month, finance's payment queue and approval, the supplier ranking, the risk
panel and the alerts."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cityops.core.forms import add_errors
from cityops.core.lang import english
from cityops.core.models import Organisation
from cityops.core.permissions import roles_required
from cityops.core.roles import Role
from cityops.core.scoping import access_object
from cityops.core.workflow import TransitionRefused
from cityops.procurement.models import Contract

from . import selectors, services
from .models import Assessment, CreditRating, PeriodPayment, Source, SupplierRisk

READERS = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR,
           Role.SUPPLIER)
OWNERS = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER)
# The services name a KPI "kpi"; the measurement form calls its field "kpi_code".
KPI_FIELD = {"kpi": "kpi_code"}


class MeasurementForm(forms.Form):
    kpi_code = forms.ChoiceField(label=gettext_lazy("KPI"))
    period = forms.CharField(label=gettext_lazy("period"), max_length=8,
                             help_text=gettext_lazy("2026-03 for a month, 2026-Q1 for a quarter"))
    value = forms.CharField(label=gettext_lazy("value"), max_length=40)
    note = forms.CharField(label=gettext_lazy("note"), max_length=300, required=False)

    def __init__(self, *args, contract: Contract, **kwargs):
        super().__init__(*args, **kwargs)
        en = english()
        self.fields["kpi_code"].choices = [
            (k.code, f"{k.name_en if en else k.name_zh} ({k.code})") for k in contract.kpis.all()]


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or Excel file"),
                           help_text=gettext_lazy("Columns: contract, kpi, period, value"))


class AssessForm(forms.Form):
    month = forms.CharField(label=gettext_lazy("month"), max_length=7,
                            help_text=gettext_lazy("2026-03"))
    value_added_items = forms.IntegerField(
        label=gettext_lazy("value-added items delivered and accepted"), min_value=0,
        max_value=100, initial=0, required=False)


class StandingForm(forms.Form):
    credit_rating = forms.ChoiceField(label=gettext_lazy("credit rating"), required=False,
                                      choices=[("", "—"), *CreditRating.choices])
    upheld_complaints = forms.IntegerField(label=gettext_lazy("upheld complaints"),
                                           min_value=0, max_value=1000, initial=0)


# -- contracts -----------------------------------------------------------------------------------


@roles_required(*READERS)
def contract_list(request):
    qs, latest = selectors.contract_list(request.user)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    for c in page:
        c.latest = latest.get(c.pk)
    return render(request, "performance/contract_list.html", {
        "page": page, "ranking": selectors.supplier_ranking(request.user)[:15],
        "may_upload": selectors.may_upload(request.user)})


def _contract_page(request, c: Contract, *, form=None, assess_form=None, status=200):
    context = selectors.contract_page(request.user, c) | {
        "form": form or MeasurementForm(contract=c),
        "assess_form": assess_form or AssessForm(),
        "may_enter": selectors.may_enter(request.user, c),
        "may_assess": selectors.may_assess(request.user, c),
        "may_upload": selectors.may_upload(request.user),
    }
    return render(request, "performance/contract_detail.html", context, status=status)


@roles_required(*READERS)
def contract_detail(request, pk: int):
    c = access_object(Contract.objects.select_related("supplier", "buyer"), request.user, pk)
    return _contract_page(request, c)


@require_POST
@roles_required(*OWNERS)
def measurement_enter(request, pk: int):
    """Manual entry by the owner department (the supplier pushes or uploads)."""
    c = access_object(Contract.objects.select_related("supplier", "buyer"), request.user, pk)
    form = MeasurementForm(request.POST, contract=c)
    if form.is_valid():
        try:
            services.measurement_submit(contract=c, by=request.user, source=Source.MANUAL,
                                        **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc, rename=KPI_FIELD)
        else:
            messages.success(request, _("Value recorded."))
            return redirect("performance:contract-detail", pk)
    return _contract_page(request, c, form=form, status=400)


@require_POST
@roles_required(*OWNERS)
def assess(request, pk: int):
    c = access_object(Contract.objects.select_related("supplier", "buyer"), request.user, pk)
    form = AssessForm(request.POST)
    if form.is_valid():
        try:
            a = services.period_assess(
                contract=c, month=form.cleaned_data["month"], by=request.user,
                value_added_items=form.cleaned_data.get("value_added_items") or 0)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc, rename=KPI_FIELD)
        else:
            messages.success(request, _("%(period)s assessed: SEI %(sei)s.") % {
                "period": a.period, "sei": a.sei})
            return redirect("performance:assessment-detail", a.pk)
    return _contract_page(request, c, assess_form=form, status=400)


@roles_required(*READERS)
def assessment_detail(request, pk: int):
    a = access_object(Assessment.objects.select_related("contract__supplier",
                                                        "contract__buyer"), request.user, pk)
    return render(request, "performance/assessment_detail.html", {
        "a": a, "rows": selectors.assessment_rows(a),
        "payment": PeriodPayment.objects.filter(assessment=a).first()})


@roles_required(*OWNERS, Role.SUPPLIER)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    errors: list[str] = []
    if request.method == "POST":
        if form.is_valid():
            f = form.cleaned_data["file"]
            try:
                n = services.measurements_import(by=request.user, data=f.read(),
                                                 filename=f.name)
            except ValidationError as exc:
                errors = [m for ms in (exc.message_dict.values() if hasattr(exc, "error_dict")
                                       else [exc.messages]) for m in ms]
            else:
                messages.success(request, _("%(n)s values imported.") % {"n": n})
                return redirect("performance:contract-list")
        status = 400
    contracts = selectors.contract_list(request.user)[0].prefetch_related("kpis")[:50]
    return render(request, "performance/upload.html", {
        "form": form, "errors": errors, "contracts": contracts}, status=status)


# -- payments ------------------------------------------------------------------------------------


@roles_required(Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN, Role.AUDITOR)
def payment_list(request):
    status = request.GET.get("status", "computed")
    if status not in ("computed", "approved", ""):
        status = "computed"
    page = Paginator(selectors.payments_queue(request.user, status), 30).get_page(
        request.GET.get("page"))
    return render(request, "performance/payment_list.html", {
        "page": page, "status": status, "totals": selectors.payment_totals(request.user)})


@roles_required(*READERS)
def payment_detail(request, pk: int):
    p = access_object(PeriodPayment.objects.select_related(
        "contract__supplier", "contract__buyer", "assessment", "approved_by"), request.user, pk)
    return render(request, "performance/payment_detail.html", {
        "p": p, "steps": selectors.derivation(p), "rows": selectors.assessment_rows(p.assessment),
        "may_approve": request.user.role == Role.FINANCE_OFFICER and p.status == "computed"})


@require_POST
@roles_required(Role.FINANCE_OFFICER)
def payment_approve(request, pk: int):
    p = access_object(PeriodPayment.objects, request.user, pk)
    try:
        services.payment_approve(payment=p, by=request.user)
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Payment approved."))
    return redirect("performance:payment-detail", pk)


# -- risk ----------------------------------------------------------------------------------------


@roles_required(*READERS)
def risk(request):
    rows = selectors.risk_panel(request.user)
    for r in rows:
        r.level_label = selectors.level_label(r.level)
        r.factor_rows = selectors.factor_rows(r)
    return render(request, "performance/risk.html", {
        "rows": rows, "may_recompute": request.user.role == Role.PLATFORM_ADMIN})


@require_POST
@roles_required(Role.PLATFORM_ADMIN)
def risk_recompute(request):
    n = services.risk_recompute()
    messages.success(request, _("Risk recomputed for %(n)s suppliers.") % {"n": n})
    return redirect("performance:risk")


def _supplier(request, pk: int) -> Organisation:
    """A supplier whose risk the user may see (a supplier: only itself)."""
    if not SupplierRisk.objects.visible_to(request.user).filter(supplier_id=pk).exists() and \
            not (request.user.role == Role.PLATFORM_ADMIN
                 and Organisation.objects.filter(pk=pk, kind="supplier").exists()):
        raise Http404
    return Organisation.objects.get(pk=pk)


def _supplier_page(request, supplier: Organisation, form=None, status=200):
    standing = getattr(supplier, "standing", None)
    initial = {"credit_rating": standing.credit_rating if standing else "",
               "upheld_complaints": standing.upheld_complaints if standing else 0}
    context = selectors.supplier_page(request.user, supplier) | {
        "standing": standing, "form": form or StandingForm(initial=initial),
        "may_edit": request.user.role == Role.PLATFORM_ADMIN}
    return render(request, "performance/supplier_risk.html", context, status=status)


@roles_required(*READERS)
def supplier_risk(request, pk: int):
    return _supplier_page(request, _supplier(request, pk))


@require_POST
@roles_required(Role.PLATFORM_ADMIN)
def supplier_standing(request, pk: int):
    supplier = _supplier(request, pk)
    form = StandingForm(request.POST)
    if form.is_valid():
        try:
            services.supplier_standing_set(supplier=supplier, by=request.user,
                                           **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            add_errors(form, exc, rename=KPI_FIELD)
        else:
            messages.success(request, _("Standing saved; recompute the risk to apply it."))
            return redirect("performance:supplier-risk", pk)
    return _supplier_page(request, supplier, form=form, status=400)


# -- alerts --------------------------------------------------------------------------------------


@roles_required(*READERS)
def alert_list(request):
    state = "all" if request.GET.get("state") == "all" else "open"
    page = Paginator(selectors.alerts_for(request.user, state), 50).get_page(
        request.GET.get("page"))
    return render(request, "performance/alert_list.html", {"page": page, "state": state})
