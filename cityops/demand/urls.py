from django.urls import path

from . import views

app_name = "demand"

urlpatterns = [
    path("needs/", views.need_list, name="need-list"),
    path("needs/new/", views.need_create, name="need-create"),
    path("needs/<int:pk>/", views.need_detail, name="need-detail"),
    path("needs/<int:pk>/edit/", views.need_edit, name="need-edit"),
    path("needs/<int:pk>/matching/", views.need_matching, name="need-matching"),
    path("needs/<int:pk>/<slug:action>/", views.need_action, name="need-action"),
    path("duplicates/", views.duplicate_list, name="duplicate-list"),
    path("duplicates/scan/", views.duplicate_scan, name="duplicate-scan"),
    path("duplicates/<int:pk>/", views.duplicate_decide, name="duplicate-decide"),
    path("suppliers/", views.supplier_list, name="supplier-list"),
    path("suppliers/<int:pk>/", views.supplier_detail, name="supplier-detail"),
    path("profile/", views.my_profile, name="my-profile"),
    path("cycle/", views.response_cycle, name="response-cycle"),
]
