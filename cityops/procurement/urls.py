from django.urls import path

from . import views

app_name = "procurement"

urlpatterns = [
    path("", views.procurement_list, name="list"),
    path("plan/", views.procurement_plan, name="plan"),
    path("<int:pk>/", views.procurement_detail, name="detail"),
    path("<int:pk>/edit/", views.procurement_edit, name="edit"),
    path("<int:pk>/bid/", views.bid_submit, name="bid-submit"),
    path("<int:pk>/challenge/", views.challenge_file, name="challenge-file"),
    path("<int:pk>/do/<slug:action>/", views.procurement_action, name="action"),
    path("bids/<int:pk>/score/", views.bid_score, name="bid-score"),
    path("challenges/<int:pk>/decide/", views.challenge_decide, name="challenge-decide"),
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/do/<slug:action>/", views.contract_action, name="contract-action"),
    path("milestones/<int:pk>/accept/", views.milestone_accept, name="milestone-accept"),
    path("payments/<int:pk>/pay/", views.payment_pay, name="payment-pay"),
]
