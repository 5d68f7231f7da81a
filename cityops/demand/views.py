"""Demand pages: the demand list, a need's review, duplicates, the capability map."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
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
    INDICATORS,
    MergeForm,
    NeedFilterForm,
    NeedForm,
    ProfileForm,
    QualificationForm,
    ReferenceForm,
    ReviewForm,
)
from .models import NEED_WORKFLOW, DuplicateFlag, Need, NeedStatus, SupplierProfile

READERS = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR)
BUREAU = (Role.PLATFORM_ADMIN,)
MAP_READERS = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER,
               Role.AUDITOR, Role.SUPPLIER)


def _field_label(name: str) -> str:
    labels = {"into": _("merge into"), "comment": _("comment")}
    if name in labels:
        return str(labels[name])
    try:
        return str(Need._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name.replace("_", " ")


@roles_required(*READERS)
def need_list(request):
    form = NeedFilterForm(request.GET or None)
    filters = {k: v for k, v in (form.cleaned_data.items() if form.is_valid() else [])}
    qs = selectors.need_list(request.user, **filters)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    context = {"form": form, "page": page,
               "may_create": request.user.role == Role.DEPARTMENT_OFFICER}
    template = "demand/_need_table.html" if is_htmx(request) else "demand/need_list.html"
    return render(request, template, context)


def _need_form(request, need=None):
    form = NeedForm(request.POST or None, instance=need)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            if need is None:
                need = services.need_create(by=request.user, **data)
                messages.success(request, _("Need %(code)s saved as a draft.") % {
                    "code": need.code})
            else:
                need = services.need_update(need=need, by=request.user, **data)
                messages.success(request, _("Need saved."))
        except ValidationError as exc:
            add_errors(form, exc)
        except TransitionRefused as exc:
            messages.error(request, str(exc))
        else:
            return redirect("demand:need-detail", need.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "demand/need_form.html", {"form": form, "need": need}, status=status)


@roles_required(Role.DEPARTMENT_OFFICER)
def need_create(request):
    return _need_form(request)


@roles_required(Role.DEPARTMENT_OFFICER)
def need_edit(request, pk: int):
    need = access_object(Need.objects, request.user, pk, write=True)
    return _need_form(request, need)


@roles_required(*READERS)
def need_detail(request, pk: int):
    need = access_object(Need.objects.select_related("department", "merged_into"),
                         request.user, pk)
    user = request.user
    own = user.role == Role.DEPARTMENT_OFFICER and need.department_id == user.organisation_id
    allowed = set(NEED_WORKFLOW.allowed_actions(need.status))
    actions = []
    if own:
        actions += [a for a in ("submit", "withdraw") if a in allowed]
    if user.role == Role.PLATFORM_ADMIN:
        actions += [a for a in ("approve", "return", "merge") if a in allowed]
    context = {
        "need": need,
        "indicators": [(need._meta.get_field(n).verbose_name, _display(need, n))
                       for n in INDICATORS],
        "events": need.events.select_related("by"),
        "may_edit": own and need.editable,
        "may_plan": need.status == NeedStatus.APPROVED and (
            own or user.role == Role.PLATFORM_ADMIN),
        "actions": actions,
        "review_form": ReviewForm(),
        "merge_form": MergeForm(need=need) if "merge" in actions else None,
        "duplicates": selectors.duplicates_for(user, need),
        "show_matching": user.role in (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER,
                                       Role.AUDITOR) and need.status != "draft" or own,
    }
    return render(request, "demand/need_detail.html", context)


def _display(need, name):
    field = need._meta.get_field(name)
    if field.choices:
        return getattr(need, f"get_{name}_display")()
    value = getattr(need, name)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


@roles_required(*READERS)
def need_matching(request, pk: int):
    """The ranked suppliers for a need (HTMX fragment, or a page)."""
    need = access_object(Need.objects, request.user, pk)
    context = {"need": need, "ranking": selectors.supplier_ranking(need)}
    template = "demand/_matching.html" if is_htmx(request) else "demand/matching.html"
    return render(request, template, context)


@require_POST
@roles_required(Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER)
def need_action(request, pk: int, action: str):
    need = access_object(Need.objects, request.user, pk)
    form = ReviewForm(request.POST)
    comment = form.data.get("comment", "")
    try:
        if action == "submit":
            services.need_submit(need=need, by=request.user)
            messages.success(request, _("Submitted to the data bureau for review."))
        elif action == "withdraw":
            services.need_withdraw(need=need, by=request.user, comment=comment)
        elif action == "approve":
            services.need_approve(need=need, by=request.user, comment=comment)
            messages.success(request, _("Need approved."))
        elif action == "return":
            services.need_return(need=need, by=request.user, comment=comment)
            messages.success(request, _("Need returned to the department."))
        elif action == "merge":
            merge = MergeForm(request.POST, need=need)
            if not merge.is_valid():
                raise form_errors(merge)
            services.need_merge(need=need, into=merge.cleaned_data["into"], by=request.user,
                                comment=merge.cleaned_data["comment"])
            messages.success(request, _("Need merged."))
        else:
            raise TransitionRefused(action, need.get_status_display())
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            for error in errors:
                messages.error(request, _("%(field)s: %(message)s") % {
                    "field": _field_label(field), "message": error})
    except TransitionRefused as exc:
        messages.error(request, str(exc))
    return redirect("demand:need-detail", pk)


@roles_required(Role.PLATFORM_ADMIN, Role.AUDITOR)
def duplicate_list(request):
    status = request.GET.get("status", "open")
    flags = selectors.duplicate_flags(request.user, status)
    page = Paginator(flags, 30).get_page(request.GET.get("page"))
    return render(request, "demand/duplicate_list.html", {"page": page, "status": status})


@require_POST
@roles_required(Role.PLATFORM_ADMIN)
def duplicate_decide(request, pk: int):
    flag = access_object(DuplicateFlag.objects, request.user, pk)
    try:
        if request.POST.get("decision") == "merge":
            keep = flag.need_a if request.POST.get("keep") != "b" else flag.need_b
            other = flag.need_b if keep == flag.need_a else flag.need_a
            services.need_merge(need=other, into=keep, by=request.user,
                                comment=_("Merged for intensive procurement (similarity %(s)s)")
                                % {"s": flag.similarity})
            messages.success(request, _("%(a)s merged into %(b)s.") % {"a": other.code,
                                                                        "b": keep.code})
        else:
            services.duplicate_dismiss(flag=flag, by=request.user)
            messages.success(request, _("Marked as not a duplicate."))
    except (TransitionRefused, ValidationError) as exc:
        messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("demand:duplicate-list")


@require_POST
@roles_required(Role.PLATFORM_ADMIN)
def duplicate_scan(request):
    n = services.duplicates_detect()
    messages.success(request, _("%(n)s new possible duplicates found.") % {"n": n})
    return redirect("demand:duplicate-list")


# -- capability map -----------------------------------------------------------------------------


@roles_required(*MAP_READERS)
def supplier_list(request):
    qs = SupplierProfile.objects.visible_to(request.user).select_related("supplier") \
        .prefetch_related("qualifications")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(capabilities__icontains=q) | qs.filter(tags__icontains=q) | qs.filter(
            supplier__name__icontains=q)
    page = Paginator(qs.distinct(), 30).get_page(request.GET.get("page"))
    template = "demand/_supplier_table.html" if is_htmx(request) else "demand/supplier_list.html"
    return render(request, template, {"page": page, "q": q})


@roles_required(*MAP_READERS)
def supplier_detail(request, pk: int):
    profile = access_object(SupplierProfile.objects.select_related("supplier"), request.user, pk)
    from cityops.demand.facts import platform_references

    return render(request, "demand/supplier_detail.html", {
        "profile": profile,
        "qualifications": profile.qualifications.all(),
        "references": profile.references.all(),
        "platform_references": platform_references().get(profile.supplier_id, []),
        "may_edit": SupplierProfile.objects.editable_by(request.user).filter(pk=pk).exists(),
    })


@roles_required(Role.SUPPLIER)
def my_profile(request):
    """The supplier keeps its own profile: capabilities, qualifications, references."""
    supplier = request.user.organisation
    profile = SupplierProfile.objects.filter(supplier=supplier).first()
    form = ProfileForm(request.POST or None, instance=profile, prefix="p")
    qform = QualificationForm(prefix="q")
    rform = ReferenceForm(prefix="r")
    status = 200
    if request.method == "POST":
        what = request.POST.get("what", "profile")
        try:
            if what == "profile" and form.is_valid():
                services.profile_save(supplier=supplier, by=request.user, **form.cleaned_data)
                messages.success(request, _("Profile saved."))
                return redirect("demand:my-profile")
            if what == "qualification" and profile:
                qform = QualificationForm(request.POST, prefix="q")
                if qform.is_valid():
                    services.qualification_add(profile=profile, by=request.user,
                                               **qform.cleaned_data)
                    return redirect("demand:my-profile")
            if what == "reference" and profile:
                rform = ReferenceForm(request.POST, prefix="r")
                if rform.is_valid():
                    services.reference_add(profile=profile, by=request.user,
                                           **rform.cleaned_data)
                    return redirect("demand:my-profile")
            if what == "remove-qualification" and profile:
                q = profile.qualifications.filter(pk=request.POST.get("id")).first()
                if q:
                    services.qualification_remove(qualification=q, by=request.user)
                return redirect("demand:my-profile")
        except ValidationError as exc:
            add_errors(form, exc)
        status = 400
    return render(request, "demand/my_profile.html", {
        "form": form, "qform": qform, "rform": rform, "profile": profile,
        "qualifications": profile.qualifications.all() if profile else [],
        "references": profile.references.all() if profile else []}, status=status)


@roles_required(Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR)
def response_cycle(request):
    return render(request, "demand/response_cycle.html", {
        "summary": selectors.response_cycle_summary(request.user),
        "chart": selectors.dashboard_response_cycle(request.user),
        "by_department": selectors.dashboard_cycle_by_department(request.user)})
