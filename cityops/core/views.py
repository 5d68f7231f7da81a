"""HTML views: parse, call a service or selector, render. Each declares its roles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import jobs, selectors, services
from .dashboards import widgets_for
from .forms import AuditFilterForm, OrganisationFilterForm, OrganisationForm
from .htmx import is_htmx
from .models import Job, Organisation, User
from .permissions import public_view, roles_required
from .roles import ALL_ROLES, Role
from .scoping import access_object

ADMIN_AUDITOR = (Role.PLATFORM_ADMIN, Role.AUDITOR)
WITH_ORGANISATION = tuple(ALL_ROLES - {Role.PUBLIC})



@public_view
def healthz(request):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@roles_required(*ALL_ROLES)
def home(request):
    return render(request, "core/home.html", {"widgets": widgets_for(request.user)})


# -- accounts ---------------------------------------------------------------------------


login_view = public_view(
    auth_views.LoginView.as_view(template_name="registration/login.html",
                                 redirect_authenticated_user=True)
)
logout_view = public_view(auth_views.LogoutView.as_view())


@method_decorator(roles_required(*ALL_ROLES), name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_record_password_change(user=self.request.user)
        messages.success(self.request, _("Your password has been changed."))
        return response


password_change = PasswordChangeView.as_view()
password_change.allowed_roles = ALL_ROLES


# -- organisations ----------------------------------------------------------------------


@roles_required(*WITH_ORGANISATION)
def organisation_list(request):
    form = OrganisationFilterForm(request.GET or None)
    qs = (Organisation.objects.visible_to(request.user).annotate(user_count=Count("users"))
          .order_by("kind", "name"))
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["region"]:
            qs = qs.filter(region_code__startswith=data["region"].rstrip("0") or data["region"])
        if data["q"]:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(uscc__icontains=data["q"]))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "may_create": request.user.role == Role.PLATFORM_ADMIN}
    template = "core/_organisation_table.html" if is_htmx(request) else "core/organisation_list.html"
    return render(request, template, context)


@roles_required(*WITH_ORGANISATION)
def organisation_detail(request, pk: int):
    organisation = access_object(Organisation.objects, request.user, pk)
    users = User.objects.visible_to(request.user).filter(organisation=organisation)
    may_edit = Organisation.objects.editable_by(request.user).filter(pk=pk).exists()
    history = selectors.audit_entries_visible_to(request.user).filter(
        object_type="core.organisation", object_id=str(pk)
    )[:20]
    return render(
        request,
        "core/organisation_detail.html",
        {"organisation": organisation, "users": users, "may_edit": may_edit, "history": history},
    )


@roles_required(Role.PLATFORM_ADMIN)
def organisation_create(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            organisation = services.organisation_create(by=request.user, **form.cleaned_data)
            messages.success(request, _("Organisation created."))
            return redirect("core:organisation-detail", organisation.pk)
        return render(request, "core/organisation_form.html", {"form": form}, status=400)
    return render(request, "core/organisation_form.html", {"form": form})


@roles_required(Role.PLATFORM_ADMIN)
def organisation_edit(request, pk: int):
    organisation = access_object(Organisation.objects, request.user, pk, write=True)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST":
        if form.is_valid():
            services.organisation_update(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
            messages.success(request, _("Organisation saved."))
            return redirect("core:organisation-detail", organisation.pk)
        return render(request, "core/organisation_form.html",
                      {"form": form, "organisation": organisation}, status=400)
    return render(request, "core/organisation_form.html",
                  {"form": form, "organisation": organisation})


@roles_required(*ADMIN_AUDITOR)
def user_list(request):
    qs = User.objects.visible_to(request.user).select_related("organisation")
    role = request.GET.get("role", "")
    if role in Role.values:
        qs = qs.filter(role=role)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(full_name__icontains=q))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/user_list.html",
                  {"page": page, "roles": Role.choices, "role": role, "q": q})


# -- audit trail ------------------------------------------------------------------------


@roles_required(*ADMIN_AUDITOR)
def audit_list(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.audit_entries_filtered(request.user, **{k: v for k, v in filters.items() if v})
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "choices": selectors.audit_filter_choices(),
               "querystring": request.GET.urlencode()}
    template = "core/_audit_table.html" if is_htmx(request) else "core/audit_list.html"
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, template, context, status=status)


@roles_required(*ADMIN_AUDITOR)
def audit_detail(request, seq: int):
    entry = get_object_or_404(selectors.audit_entries_visible_to(request.user), seq=seq)
    keys = sorted(set(entry.before or {}) | set(entry.after or {}))
    rows = [((entry.before or {}).get(k), (entry.after or {}).get(k), k) for k in keys]
    return render(request, "core/audit_detail.html", {"entry": entry, "rows": rows})


@require_POST
@roles_required(*ADMIN_AUDITOR)
def audit_verify(request):
    job = jobs.job_start(kind="audit.verify", by=request.user)
    return redirect("core:job-detail", job.pk)


@require_POST
@roles_required(*ADMIN_AUDITOR)
def audit_export(request):
    form = AuditFilterForm(request.POST)
    # Dates as ISO strings: job parameters are JSON, and the export honours the date range.
    params = {k: str(v) for k, v in (form.cleaned_data if form.is_valid() else {}).items() if v}
    job = jobs.job_start(kind="audit.export", by=request.user, params=params)
    return redirect("core:job-detail", job.pk)


# -- jobs -------------------------------------------------------------------------------


@roles_required(*ALL_ROLES)
def job_list(request):
    page = Paginator(Job.objects.visible_to(request.user).select_related("created_by"), 25
                     ).get_page(request.GET.get("page"))
    return render(request, "core/job_list.html", {"page": page})


@roles_required(*ALL_ROLES)
def job_detail(request, pk):
    job = access_object(Job.objects, request.user, pk)
    template = "core/_job_status.html" if is_htmx(request) else "core/job_detail.html"
    return render(request, template, {"job": job, "title": selectors.job_title(job.kind)})


@roles_required(*ALL_ROLES)
def job_download(request, pk):
    job = access_object(Job.objects, request.user, pk)
    if not job.result_file:
        raise Http404
    path = services.exports_dir() / job.result_file
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=job.result_file)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)




# -- notifications ------------------------------------------------------------------------


@roles_required(*ALL_ROLES)
def notification_list(request):
    from .models import Notification

    qs = Notification.objects.for_user(request.user)
    if request.method == "POST":
        ids = request.POST.getlist("id") or None
        services.notification_mark_read(user=request.user, ids=ids)
        return redirect("core:notification-list")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})
