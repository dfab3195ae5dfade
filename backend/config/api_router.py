"""Every API resource, registered in one place."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from backend.accounts.api.views import LoginView, LogoutView, MeView
from backend.analyses.api.views import AnalysisViewSet
from backend.datasets.api.views import DatasetViewSet
from backend.evaluations.api.views import (
    EmbeddingViewSet,
    EvaluationViewSet,
    TopActivationsViewSet,
)
from backend.explanations.api.views import (
    AttributionMethodsView,
    ExplanationViewSet,
    TrustCheckViewSet,
)
from backend.jobs.api.views import JobViewSet
from backend.networks.api.views import NetworkViewSet
from backend.uploads.api.views import ImageViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("datasets", DatasetViewSet, basename="dataset")
router.register("networks", NetworkViewSet, basename="network")
router.register("images", ImageViewSet, basename="image")
router.register("analyses", AnalysisViewSet, basename="analysis")
router.register("explanations", ExplanationViewSet, basename="explanation")
router.register("trust-checks", TrustCheckViewSet, basename="trust-check")
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("embeddings", EmbeddingViewSet, basename="embedding")
router.register("top-activations", TopActivationsViewSet, basename="top-activation")
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    path("auth/me/", MeView.as_view(), name="auth-me"),
    path("auth/login/", LoginView.as_view(), name="auth-login"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("attribution-methods/", AttributionMethodsView.as_view(), name="attribution-methods"),
    *router.urls,
]
