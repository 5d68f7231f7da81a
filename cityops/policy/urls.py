from django.urls import path

from . import views

app_name = "policy"

urlpatterns = [
    path("", views.policy_list, name="policy-list"),
    path("new/", views.policy_create, name="policy-create"),
    path("<int:pk>/", views.policy_detail, name="policy-detail"),
    path("<int:pk>/edit/", views.policy_edit, name="policy-edit"),
    path("<int:pk>/review/", views.policy_review, name="policy-review"),
    path("<int:pk>/status/", views.policy_status, name="policy-status"),
    path("<int:pk>/versions/<int:version>/", views.policy_version, name="policy-version"),
    path("builder/row/", views.condition_row, name="condition-row"),
    path("builder/yaml/", views.condition_yaml, name="condition-yaml"),
    path("mine/", views.my_policies, name="my-policies"),
    path("explain/<int:policy_pk>/<int:enterprise_pk>/", views.explain, name="explain"),
    path("registry/", views.enterprise_list, name="enterprise-list"),
    path("registry/import/", views.enterprise_import, name="enterprise-import"),
    path("registry/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("runs/", views.run_list, name="run-list"),
    path("runs/start/", views.run_start, name="run-start"),
    path("coverage/", views.coverage, name="coverage"),
    path("cascade/", views.cascade, name="cascade"),
]
