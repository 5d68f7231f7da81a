from django.urls import path

from . import views

app_name = "performance"

urlpatterns = [
    path("", views.contract_list, name="contract-list"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/measure/", views.measurement_enter, name="measurement-enter"),
    path("contracts/<int:pk>/assess/", views.assess, name="assess"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment-detail"),
    path("upload/", views.upload, name="upload"),
    path("payments/", views.payment_list, name="payment-list"),
    path("payments/<int:pk>/", views.payment_detail, name="payment-detail"),
    path("payments/<int:pk>/approve/", views.payment_approve, name="payment-approve"),
    path("risk/", views.risk, name="risk"),
    path("risk/recompute/", views.risk_recompute, name="risk-recompute"),
    path("risk/suppliers/<int:pk>/", views.supplier_risk, name="supplier-risk"),
    path("risk/suppliers/<int:pk>/standing/", views.supplier_standing,
         name="supplier-standing"),
    path("alerts/", views.alert_list, name="alert-list"),
]
