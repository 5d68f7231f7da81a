"""Procurement and contract pages. Each view declares its roles; rows come through the
scoped managers; every write is one service call."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core.forms import add_errors, form_errors
from cityops.core.htmx import is_htmx
from cityops.core.permissions import roles_required
from cityops.core.roles import Role
from cityops.core.scoping import access_object
from cityops.core.workflow import TransitionRefused

from . import selectors, services
from .forms import (
    AmendForm,
    BidForm,
    CancelForm,
    ChallengeForm,
    ContractForm,
    DecideChallengeForm,
    PlanForm,
    ProcurementFilterForm,
    PublishForm,
)
from .models import (
    Amendment,
    Bid,
    Challenge,
    Contract,
    Milestone,
    Payment,
    Procurement,
)

READERS = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR,
           Role.SUPPLIER)
BUYERS = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER)


LABELLED = (Contract, Procurement, Bid, Challenge, Amendment)


def field_label(name: str) -> str:
    """The verbose name of a field of the procurement models (the form's label)."""
    for model in LABELLED:
        try:
            return str(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            continue
    return name.replace("_", " ")


def _errors(request, exc) -> None:
    """Each message of a refusal as a page message, naming the field it is about."""
    if isinstance(exc, ValidationError):
        for field, errors in (exc.message_dict.items() if hasattr(exc, "error_dict")
                              else [("", exc.messages)]):
            for error in errors:
                if field and field != NON_FIELD_ERRORS:
                    error = _("%(field)s: %(message)s") % {"field": field_label(field),
                                                           "message": error}
                messages.error(request, error)
    else:
        messages.error(request, str(exc))


@roles_required(*READERS)
def procurement_list(request):
    form = ProcurementFilterForm(request.GET or None)
    qs = Procurement.objects.visible_to(request.user).select_related("buyer")
    if form.is_valid():
        d = form.cleaned_data
        if d["q"]:
            qs = qs.filter(Q(title__icontains=d["q"]) | Q(code__icontains=d["q"]))
        for name in ("status", "method", "category"):
            if d[name]:
                qs = qs.filter(**{name: d[name]})
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "may_plan": request.user.role in BUYERS}
    template = ("procurement/_procurement_table.html" if is_htmx(request)
                else "procurement/procurement_list.html")
    return render(request, template, context)


@roles_required(*BUYERS)
def procurement_plan(request):
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "GET" and request.GET.getlist("need"):
        form = PlanForm(initial={"needs": request.GET.getlist("need")}, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            p = services.procurement_plan(by=request.user, needs=list(form.cleaned_data["needs"]),
                                          **form.plan_fields())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Procurement %(code)s planned.") % {"code": p.code})
            return redirect("procurement:detail", p.pk)
    return render(request, "procurement/plan_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@roles_required(*BUYERS)
def procurement_edit(request, pk: int):
    p = access_object(Procurement.objects, request.user, pk, write=True)
    form = PlanForm(request.POST or None, instance=p, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.procurement_update(procurement=p, by=request.user, **form.plan_fields())
        except ValidationError as exc:
            add_errors(form, exc)
        except TransitionRefused as exc:
            messages.error(request, str(exc))
        else:
            return redirect("procurement:detail", p.pk)
    return render(request, "procurement/plan_form.html", {"form": form, "procurement": p},
                  status=400 if request.method == "POST" else 200)


@roles_required(*READERS)
def procurement_detail(request, pk: int):
    p = access_object(Procurement.objects.select_related("buyer"), request.user, pk)
    return render(request, "procurement/procurement_detail.html",
                  selectors.procurement_page(request.user, p) | {
                      "publish_form": PublishForm(), "bid_form": BidForm(),
                      "challenge_form": ChallengeForm(), "decide_form": DecideChallengeForm(),
                      "cancel_form": CancelForm(), "contract_form": ContractForm(
                          initial=selectors.contract_defaults(p))})


@require_POST
@roles_required(*BUYERS)
def procurement_action(request, pk: int, action: str):
    p = access_object(Procurement.objects, request.user, pk, write=True)
    try:
        if action == "publish":
            form = PublishForm(request.POST)
            if not form.is_valid():
                raise form_errors(form)
            services.procurement_publish(procurement=p, by=request.user, **form.cleaned_data)
            messages.success(request, _("Notice published."))
        elif action == "close":
            services.bidding_close(procurement=p, by=request.user)
            messages.success(request, _("Bidding closed; bids opened for evaluation."))
        elif action == "evaluate":
            services.procurement_evaluate(procurement=p, by=request.user)
            messages.success(request, _("Bids scored and ranked."))
        elif action == "award":
            services.procurement_award(procurement=p, by=request.user)
            messages.success(request, _("Awarded; the standstill period has started."))
        elif action == "cancel":
            form = CancelForm(request.POST)
            services.procurement_cancel(procurement=p, by=request.user,
                                        reason=form.data.get("reason", ""))
            messages.success(request, _("Procurement cancelled."))
        elif action == "contract":
            form = ContractForm(request.POST)
            if not form.is_valid():
                raise form_errors(form)
            c = services.contract_create(procurement=p, by=request.user, **form.cleaned_data)
            messages.success(request, _("Contract %(code)s drafted.") % {"code": c.code})
            return redirect("procurement:contract-detail", c.pk)
        else:
            raise TransitionRefused(action, p.get_status_display())
    except (ValidationError, TransitionRefused) as exc:
        _errors(request, exc)
    return redirect("procurement:detail", pk)


@require_POST
@roles_required(*BUYERS)
def bid_score(request, pk: int):
    bid = access_object(Bid.objects, request.user, pk)
    if not Procurement.objects.editable_by(request.user).filter(pk=bid.procurement_id).exists():
        raise PermissionDenied
    scores = {}
    for c in bid.procurement.criteria:
        raw = request.POST.get(c["key"], "")
        try:
            scores[c["key"]] = float(raw)
        except ValueError:
            messages.error(request, _("%(name)s: enter points from 0 to 100.") % {
                "name": c["name"]})
            return redirect("procurement:detail", bid.procurement_id)
    try:
        services.bid_score(bid=bid, by=request.user, technical_scores=scores)
    except (ValidationError, TransitionRefused) as exc:
        _errors(request, exc)
    return redirect("procurement:detail", bid.procurement_id)


@require_POST
@roles_required(Role.SUPPLIER)
def bid_submit(request, pk: int):
    p = access_object(Procurement.objects, request.user, pk)
    form = BidForm(request.POST)
    try:
        if not form.is_valid():
            raise form_errors(form)
        services.bid_submit(procurement=p, by=request.user, **form.cleaned_data)
        messages.success(request, _("Your bid has been received."))
    except (ValidationError, TransitionRefused) as exc:
        _errors(request, exc)
    return redirect("procurement:detail", pk)


@require_POST
@roles_required(Role.SUPPLIER)
def challenge_file(request, pk: int):
    p = access_object(Procurement.objects, request.user, pk)
    form = ChallengeForm(request.POST)
    try:
        services.challenge_file(procurement=p, by=request.user,
                                grounds=form.data.get("grounds", ""))
        messages.success(request, _("Your challenge has been filed."))
    except (ValidationError, TransitionRefused) as exc:
        _errors(request, exc)
    return redirect("procurement:detail", pk)


@require_POST
@roles_required(*BUYERS)
def challenge_decide(request, pk: int):
    ch = access_object(Challenge.objects, request.user, pk)
    form = DecideChallengeForm(request.POST)
    try:
        if not form.is_valid():
            raise form_errors(form)
        services.challenge_decide(challenge=ch, by=request.user, **form.cleaned_data)
    except (ValidationError, TransitionRefused) as exc:
        _errors(request, exc)
    return redirect("procurement:detail", ch.procurement_id)


# -- contracts ----------------------------------------------------------------------------------


@roles_required(*READERS)
def contract_list(request):
    qs = Contract.objects.visible_to(request.user).select_related("buyer", "supplier")
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "procurement/contract_list.html", {"page": page, "status": status})


@roles_required(*READERS)
def contract_detail(request, pk: int):
    c = access_object(Contract.objects.select_related("buyer", "supplier", "procurement"),
                      request.user, pk)
    return render(request, "procurement/contract_detail.html",
                  selectors.contract_page(request.user, c) | {"amend_form": AmendForm()})


@require_POST
@roles_required(*BUYERS)
def contract_action(request, pk: int, action: str):
    c = access_object(Contract.objects, request.user, pk, write=True)
    try:
        if action == "sign":
            services.contract_sign(contract=c, by=request.user)
            messages.success(request, _("Contract signed."))
        elif action in ("complete", "terminate"):
            services.contract_close(contract=c, by=request.user, action=action)
        elif action == "amend":
            form = AmendForm(request.POST)
            if not form.is_valid():
                raise form_errors(form)
            services.contract_amend(contract=c, by=request.user, **form.cleaned_data)
            messages.success(request, _("Amendment recorded."))
        elif action == "renew":
            new = services.contract_renew(contract=c, by=request.user)
            messages.success(request, _("Renewal %(code)s drafted.") % {"code": new.code})
            return redirect("procurement:contract-detail", new.pk)
        else:
            raise TransitionRefused(action, c.get_status_display())
    except (ValidationError, TransitionRefused) as exc:
        _errors(request, exc)
    return redirect("procurement:contract-detail", pk)


@require_POST
@roles_required(*BUYERS)
def milestone_accept(request, pk: int):
    m = access_object(Milestone.objects, request.user, pk)
    try:
        services.milestone_accept(milestone=m, by=request.user,
                                  accepted=request.POST.get("accepted", "1") == "1",
                                  note=request.POST.get("note", ""))
    except (ValidationError, TransitionRefused) as exc:
        _errors(request, exc)
    except PermissionDenied:
        raise
    return redirect("procurement:contract-detail", m.contract_id)


@require_POST
@roles_required(Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN)
def payment_pay(request, pk: int):
    pay = access_object(Payment.objects, request.user, pk)
    try:
        services.payment_mark_paid(payment=pay, by=request.user)
        messages.success(request, _("Payment recorded as paid."))
    except (ValidationError, TransitionRefused) as exc:
        _errors(request, exc)
    return redirect("procurement:contract-detail", pay.contract_id)
