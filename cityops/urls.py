from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from cityops.core import api as core_api
from cityops.core import views as core_views
from cityops.core.admin import admin_site
from cityops.core.permissions import public_view
from cityops.demand import api as demand_api
from cityops.performance import api as performance_api
from cityops.policy import api as policy_api
from cityops.portfolio import api as portfolio_api
from cityops.procurement import api as procurement_api

router = DefaultRouter()
router.register("organisations", core_api.OrganisationViewSet, basename="organisation")
router.register("users", core_api.UserViewSet, basename="user")
router.register("audit-entries", core_api.AuditEntryViewSet, basename="audit-entry")
router.register("jobs", core_api.JobViewSet, basename="job")
router.register("projects", portfolio_api.ProjectViewSet, basename="project")
router.register("companies", portfolio_api.CompanyViewSet, basename="company")
router.register("needs", demand_api.NeedViewSet, basename="need")
router.register("duplicates", demand_api.DuplicateViewSet, basename="duplicate")
router.register("supplier-profiles", demand_api.SupplierProfileViewSet,
                basename="supplier-profile")
router.register("procurements", procurement_api.ProcurementViewSet, basename="procurement")
router.register("bids", procurement_api.BidViewSet, basename="bid")
router.register("challenges", procurement_api.ChallengeViewSet, basename="challenge")
router.register("contracts", procurement_api.ContractViewSet, basename="contract")
router.register("measurements", performance_api.MeasurementViewSet, basename="measurement")
router.register("assessments", performance_api.AssessmentViewSet, basename="assessment")
router.register("period-payments", performance_api.PeriodPaymentViewSet,
                basename="period-payment")
router.register("policies", policy_api.PolicyViewSet, basename="policy")
router.register("enterprises", policy_api.EnterpriseViewSet, basename="enterprise")
router.register("policy-matches", policy_api.PolicyMatchViewSet, basename="policy-match")
router.register("match-runs", policy_api.MatchRunViewSet, basename="match-run")
router.APIRootView.allowed_roles = core_api.ALL_ROLES

# The schema and its docs are public: they describe the API, they expose no data.
schema_view = public_view(SpectacularAPIView.as_view())
docs_view = public_view(SpectacularSwaggerView.as_view(url_name="api-schema"))
redoc_view = public_view(SpectacularRedocView.as_view(url_name="api-schema"))

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/login/", core_views.login_view, name="login"),
    path("accounts/logout/", core_views.logout_view, name="logout"),
    path("accounts/password/", core_views.password_change, name="password-change"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin_site.urls),
    path("api/v1/auth/token/", core_api.ObtainToken.as_view(), name="api-token"),
    path("api/v1/advisor/", portfolio_api.AdvisorView.as_view(), name="api-advisor"),
    path("api/v1/fiscal/", portfolio_api.FiscalView.as_view(), name="api-fiscal"),
    path("api/v1/ocds/releases/", procurement_api.OcdsPackageView.as_view(),
         name="api-ocds-package"),
    path("api/v1/ocds/records/<str:ocid>/", procurement_api.OcdsRecordView.as_view(),
         name="api-ocds-record"),
    path("api/v1/policy/check/", policy_api.PolicyCheckView.as_view(), name="api-policy-check"),
    path("api/v1/policy/match/", policy_api.PolicyMatchRunView.as_view(),
         name="api-policy-match"),
    path("api/v1/policy/explain/", policy_api.PolicyExplainView.as_view(),
         name="api-policy-explain"),
    path("api/v1/policy/registry-import/", policy_api.RegistryImportView.as_view(),
         name="api-policy-registry-import"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", schema_view, name="api-schema"),
    path("api/docs/", docs_view, name="api-docs"),
    path("api/redoc/", redoc_view, name="api-redoc"),
    path("portfolio/", include("cityops.portfolio.urls")),
    path("demand/", include("cityops.demand.urls")),
    path("procurement/", include("cityops.procurement.urls")),
    path("performance/", include("cityops.performance.urls")),
    path("policy/", include("cityops.policy.urls")),
    path("", include("cityops.core.urls")),
]

handler403 = "cityops.core.views.permission_denied"
