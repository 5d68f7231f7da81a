"""Portfolio pages. Each view declares its roles; rows come through the scoped managers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityops.core import jobs
from cityops.core.htmx import is_htmx
from cityops.core.permissions import roles_required
from cityops.core.roles import Role
from cityops.core.scoping import access_object

from . import excel, selectors, services
from .domain import advisor
from .forms import (
    BudgetAssumptionForm,
    BudgetYearForm,
    ImportForm,
    ProjectFilterForm,
    ProjectForm,
)
from .models import Company, Project

READERS = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER, Role.FINANCE_OFFICER, Role.AUDITOR)
EDITORS = (Role.PLATFORM_ADMIN, Role.DEPARTMENT_OFFICER)
FISCAL_EDITORS = (Role.FINANCE_OFFICER, Role.PLATFORM_ADMIN)



def _filtered(request):
    form = ProjectFilterForm(request.GET or None)
    qs = Project.objects.visible_to(request.user).select_related("department")
    if form.is_valid():
        data = form.cleaned_data
        if data["department"]:
            qs = qs.filter(department=data["department"])
        for name in ("operation_model", "phase", "return_mechanism"):
            if data[name]:
                qs = qs.filter(**{name: data[name]})
        if data["operation_object"]:
            qs = qs.filter(operation_objects__contains=data["operation_object"])
        if data["compliance"]:
            qs = qs.filter(compliance_outcome=data["compliance"])
        if data["q"]:
            qs = qs.filter(Q(name__icontains=data["q"]) | Q(code__icontains=data["q"]))
    return form, qs.order_by("code")


@roles_required(*READERS)
def project_list(request):
    form, qs = _filtered(request)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "may_create": request.user.role in EDITORS,
               "totals": selectors.project_totals(qs)}
    template = "portfolio/_project_table.html" if is_htmx(request) else "portfolio/project_list.html"
    return render(request, template, context)


@roles_required(*READERS)
def project_export(request):
    _form, qs = _filtered(request)
    data = excel.project_export_xlsx(qs)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="projects-{stamp}.xlsx"'
    return response


@roles_required(*EDITORS)
def project_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            report = excel.project_import_xlsx(data=form.cleaned_data["file"].read(),
                                               by=request.user)
            if report.ok:
                messages.success(request, _("%(created)s projects created, %(updated)s updated.")
                                 % {"created": report.created, "updated": report.updated})
                return redirect("portfolio:project-list")
        status = 400
    return render(request, "portfolio/project_import.html",
                  {"form": form, "report": report, "columns": excel.COLUMNS}, status=status)


@roles_required(*READERS)
def project_detail(request, pk: int):
    project = access_object(Project.objects.select_related("department", "company"),
                            request.user, pk)
    return render(request, "portfolio/project_detail.html", {
        "project": project,
        "may_edit": Project.objects.editable_by(request.user).filter(pk=pk).exists(),
        "findings": project.findings.all(),
        "language": get_language(),
        "liabilities": selectors.project_liabilities(project),
        "shareholders": project.company.shareholders.all() if project.company else [],
        "history": selectors.project_history(request.user, project),
    })


def _project_form(request, project=None):
    form = ProjectForm(request.POST or None, instance=project, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if project is None:
                project = services.project_create(by=request.user, **data)
                messages.success(request, _("Project created."))
            else:
                project = services.project_update(project=project, by=request.user, **data)
                messages.success(request, _("Project saved; compliance re-checked."))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            return redirect("portfolio:project-detail", project.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "portfolio/project_form.html", {"form": form, "project": project},
                  status=status)


@roles_required(*EDITORS)
def project_create(request):
    return _project_form(request)


@roles_required(*EDITORS)
def project_edit(request, pk: int):
    project = access_object(Project.objects, request.user, pk, write=True)
    return _project_form(request, project)


# -- operation-model advisor ------------------------------------------------------------


@roles_required(*READERS)
def advisor_wizard(request):
    values = dict(selectors.ADVISOR_DEFAULTS)
    if request.GET.get("case"):
        values.update(selectors.case_characteristics(request.GET["case"]) or {})
    result, errors = None, {}
    if request.method == "POST":
        values.update(selectors.advisor_input(request.POST))
        try:
            advice = advisor.advise(advisor.Characteristics.from_dict(
                selectors.advisor_input(request.POST)))
        except advisor.AdvisorInputError as exc:
            english = get_language().startswith("en")
            errors[exc.field] = exc.message_en if english else exc.message_zh
        else:
            result = {"display": selectors.advice_display(advice)}
    context = {"values": values, "result": result, "errors": errors,
               "fields": selectors.advisor_fields(values), "cases": selectors.case_library()}
    template = "portfolio/_advice.html" if is_htmx(request) else "portfolio/advisor.html"
    return render(request, template, context, status=400 if errors else 200)


# -- fiscal affordability ----------------------------------------------------------------


@roles_required(*READERS)
def fiscal(request):
    context = selectors.fiscal_page(request.user)
    context["assumption_form"] = BudgetAssumptionForm(initial=context["assumption_initial"])
    context["year_form"] = BudgetYearForm()
    context["may_edit"] = request.user.role in FISCAL_EDITORS
    return render(request, "portfolio/fiscal.html", context)


@require_POST
@roles_required(*FISCAL_EDITORS)
def fiscal_budget(request):
    if "base_year" in request.POST:
        form = BudgetAssumptionForm(request.POST)
        if form.is_valid():
            services.budget_set(by=request.user, **form.cleaned_data)
    else:
        form = BudgetYearForm(request.POST)
        if form.is_valid():
            year = form.cleaned_data["year"]
            services.budget_set(by=request.user, years={year: form.cleaned_data["expenditure_wan"]},
                                other_ppp={year: form.cleaned_data["other_ppp_liabilities_wan"]})
    if not form.is_valid():
        context = selectors.fiscal_page(request.user)
        context.update(assumption_form=form if "base_year" in request.POST else
                       BudgetAssumptionForm(initial=context["assumption_initial"]),
                       year_form=form if "base_year" not in request.POST else BudgetYearForm(),
                       may_edit=True)
        return render(request, "portfolio/fiscal.html", context, status=400)
    jobs.job_start(kind="portfolio.recheck", by=request.user)
    messages.success(request, _("Budget saved; the portfolio is being re-checked."))
    return redirect("portfolio:fiscal")


@roles_required(Role.PLATFORM_ADMIN, Role.FINANCE_OFFICER, Role.AUDITOR)
def company_list(request):
    companies = Company.objects.prefetch_related("shareholders", "projects")
    return render(request, "portfolio/company_list.html", {"companies": companies})


@roles_required(Role.PLATFORM_ADMIN, Role.FINANCE_OFFICER, Role.AUDITOR)
def company_detail(request, pk: int):
    company = get_object_or_404(Company, pk=pk)
    return render(request, "portfolio/company_detail.html", {
        "company": company, "shareholders": company.shareholders.all(),
        "projects": Project.objects.visible_to(request.user).filter(company=company)})
