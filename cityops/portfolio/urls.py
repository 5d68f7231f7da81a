from django.urls import path

from . import views

app_name = "portfolio"

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("new/", views.project_create, name="project-create"),
    path("import/", views.project_import, name="project-import"),
    path("export.xlsx", views.project_export, name="project-export"),
    path("<int:pk>/", views.project_detail, name="project-detail"),
    path("<int:pk>/edit/", views.project_edit, name="project-edit"),
    path("advisor/", views.advisor_wizard, name="advisor"),
    path("fiscal/", views.fiscal, name="fiscal"),
    path("fiscal/budget/", views.fiscal_budget, name="fiscal-budget"),
    path("companies/", views.company_list, name="company-list"),
    path("companies/<int:pk>/", views.company_detail, name="company-detail"),
]
