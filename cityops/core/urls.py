from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("organisations/", views.organisation_list, name="organisation-list"),
    path("organisations/new/", views.organisation_create, name="organisation-create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation-detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation-edit"),
    path("users/", views.user_list, name="user-list"),
    path("audit/", views.audit_list, name="audit-list"),
    path("audit/verify/", views.audit_verify, name="audit-verify"),
    path("audit/export/", views.audit_export, name="audit-export"),
    path("audit/<int:seq>/", views.audit_detail, name="audit-detail"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("jobs/", views.job_list, name="job-list"),
    path("jobs/<uuid:pk>/", views.job_detail, name="job-detail"),
    path("jobs/<uuid:pk>/download/", views.job_download, name="job-download"),
]
