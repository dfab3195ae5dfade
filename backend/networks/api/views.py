from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action

from backend.core.files import private_file_response
from backend.networks.api.serializers import NetworkDetailSerializer, NetworkSerializer
from backend.networks.models import WEIGHT_PARTS, Network


class NetworkViewSet(viewsets.ReadOnlyModelViewSet):
    """Networks the user may explore: the zoo, public networks and their own."""

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Network.objects.none()
        queryset = Network.objects.visible_to(self.request.user).select_related("dataset")
        dataset = self.request.query_params.get("dataset")
        if dataset:
            queryset = queryset.filter(dataset__name=dataset)
        return queryset

    def get_serializer_class(self):
        return NetworkDetailSerializer if self.action == "retrieve" else NetworkSerializer

    @extend_schema(
        parameters=[OpenApiParameter("dataset", str, description="only networks of this dataset")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="A layer's weights as a NumPy .npy file (float32), e.g. a conv kernel "
        "of shape (kh, kw, in_channels, out_channels).",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"layers/(?P<index>\d+)/(?P<part>[a-z_]+)",
        url_name="layer-weights",
    )
    def layer_weights(self, request, pk=None, index=None, part=None):
        network = self.get_object()
        if part not in WEIGHT_PARTS:
            raise Http404("Unknown weight.")
        layer = next((item for item in network.layers if item["index"] == int(index)), None)
        filename = ((layer or {}).get("weights") or {}).get(part)
        if not filename:
            raise Http404("This layer has no such weights.")
        return private_file_response(
            network.weights_dir / filename,
            "application/octet-stream",
            filename=f"{network.name}-{layer['name']}-{part}.npy",
        )
