"""Every API resource, registered in one place."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from backend.accounts.api.views import (
    AccountViewSet,
    LoginView,
    LogoutView,
    MeView,
    PasswordChangeView,
    PasswordResetConfirmView,
    PasswordResetView,
    SignupView,
)
from backend.analyses.api.views import AnalysisViewSet
from backend.annotations.api.views import FilterAnnotationViewSet
from backend.comparisons.api.views import ComparisonViewSet
from backend.datasets.api.views import DatasetViewSet
from backend.evaluations.api.views import (
    EmbeddingViewSet,
    EvaluationViewSet,
    FilterRankingViewSet,
    TopActivationsViewSet,
)
from backend.explanations.api.filter_views import FilterAttributionViewSet
from backend.explanations.api.views import (
    AttributionMethodsView,
    ExplanationViewSet,
    TrustCheckViewSet,
)
from backend.features.api.views import FeatureVisViewSet
from backend.jobs.api.views import JobViewSet
from backend.neighbourhoods.api.vae_views import VaeTrainingViewSet
from backend.neighbourhoods.api.views import NeighbourhoodViewSet
from backend.networks.api.uploads import ModelUploadViewSet
from backend.networks.api.views import NetworkViewSet
from backend.reports.responses import AnalysisReportView, EvaluationReportView
from backend.sharing.api.views import LessonViewSet, ShareLinkViewSet
from backend.training.api.views import TrainingRunViewSet
from backend.uploads.api.views import ImageViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("datasets", DatasetViewSet, basename="dataset")
router.register("networks", NetworkViewSet, basename="network")
router.register("uploads/model-chunks", ModelUploadViewSet, basename="model-upload")
router.register("images", ImageViewSet, basename="image")
router.register("analyses", AnalysisViewSet, basename="analysis")
router.register("explanations", ExplanationViewSet, basename="explanation")
router.register("trust-checks", TrustCheckViewSet, basename="trust-check")
router.register("filter-attributions", FilterAttributionViewSet, basename="filter-attribution")
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("embeddings", EmbeddingViewSet, basename="embedding")
router.register("top-activations", TopActivationsViewSet, basename="top-activation")
router.register("feature-vis", FeatureVisViewSet, basename="feature-vis")
router.register("filter-rankings", FilterRankingViewSet, basename="filter-ranking")
router.register("comparisons", ComparisonViewSet, basename="comparison")
router.register("training-runs", TrainingRunViewSet, basename="training-run")
router.register("neighbourhoods", NeighbourhoodViewSet, basename="neighbourhood")
router.register("vaes", VaeTrainingViewSet, basename="vae")
router.register("annotations", FilterAnnotationViewSet, basename="annotation")
router.register("jobs", JobViewSet, basename="job")
router.register("lessons", LessonViewSet, basename="lesson")
router.register("share-links", ShareLinkViewSet, basename="share-link")
router.register("auth/users", AccountViewSet, basename="auth-user")

urlpatterns = [
    # reports (backend/reports): beside their objects' other endpoints
    path("analyses/<int:pk>/report/", AnalysisReportView.as_view(), name="analysis-report"),
    path("evaluations/<int:pk>/report/", EvaluationReportView.as_view(), name="evaluation-report"),
    path("auth/me/", MeView.as_view(), name="auth-me"),
    path("auth/login/", LoginView.as_view(), name="auth-login"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("auth/signup/", SignupView.as_view(), name="auth-signup"),
    path("auth/password/change/", PasswordChangeView.as_view(), name="auth-password-change"),
    path("auth/password/reset/", PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password/reset/confirm/",
        PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("attribution-methods/", AttributionMethodsView.as_view(), name="attribution-methods"),
    # Public and read-only: what one share link shows (backend/sharing/api/urls.py).
    path("shared/", include("backend.sharing.api.urls")),
    *router.urls,
]
