"""The public, read-only views behind a share link: /api/shared/<token>/…"""

from django.urls import path

from backend.sharing.api import views

prefix = "<str:token>/"
analysis = prefix + "analyses/<int:analysis_id>/"
network = prefix + "networks/<int:network_id>/"

urlpatterns = [
    path(prefix, views.SharedRootView.as_view(), name="shared-root"),
    path(analysis, views.SharedAnalysisView.as_view(), name="shared-analysis"),
    path(
        analysis + "image/", views.SharedAnalysisImageView.as_view(), name="shared-analysis-image"
    ),
    path(
        analysis + "input/", views.SharedAnalysisInputView.as_view(), name="shared-analysis-input"
    ),
    path(
        analysis + "activations/",
        views.SharedActivationsView.as_view(),
        name="shared-analysis-activations",
    ),
    path(
        analysis + "previews/",
        views.SharedPreviewsView.as_view(),
        name="shared-analysis-previews",
    ),
    path(
        analysis + "activations/<int:index>/",
        views.SharedActivationView.as_view(),
        name="shared-analysis-activation",
    ),
    path(
        analysis + "activations/<int:index>/intermediate/",
        views.SharedIntermediateView.as_view(),
        name="shared-analysis-intermediate",
    ),
    path(
        analysis + "report/",
        views.SharedAnalysisReportView.as_view(),
        name="shared-analysis-report",
    ),
    path(network, views.SharedNetworkView.as_view(), name="shared-network"),
    path(
        network + "layers/<int:index>/<str:part>/",
        views.SharedLayerWeightsView.as_view(),
        name="shared-network-layer-weights",
    ),
]
