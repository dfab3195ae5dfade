import numpy as np
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from backend.core.files import npy_response, private_file_response
from backend.core.scoping import is_id, owned
from backend.core.throttling import JobRateThrottle
from backend.features import services
from backend.features.api.serializers import FeatureVisCreateSerializer, FeatureVisSerializer
from backend.features.models import FeatureVis
from backend.networks.models import Network


class FeatureVisViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Feature visualisation: for each filter of a layer (or each output class) an image
    optimised from noise until that filter fires as strongly as it can.

    ``POST`` answers 202 with a job; poll ``/api/jobs/{id}/`` or this resource. A request
    that was answered before (same network version, layer, filters and parameters) is
    answered at once from the stored result."""

    serializer_class = FeatureVisSerializer
    throttle_classes = [JobRateThrottle]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return FeatureVis.objects.none()
        queryset = owned(FeatureVis.objects.all(), self.request, self.action)
        network = self.request.query_params.get("network")
        if network is not None:
            if not is_id(network):
                raise ValidationError({"network": "Give a numeric id."})
            queryset = queryset.filter(network_id=int(network))
        layer = self.request.query_params.get("layer")
        if layer is not None:
            queryset = queryset.filter(layer=layer)
        return queryset.select_related("job", "network", "result")

    @extend_schema(
        parameters=[
            OpenApiParameter("network", int, description="only this network's"),
            OpenApiParameter("layer", str, description="only this layer's (empty: classes)"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=FeatureVisCreateSerializer, responses={202: FeatureVisSerializer})
    def create(self, request, *args, **kwargs):
        payload = FeatureVisCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        network = Network.objects.visible_to(request.user).filter(pk=data["network"]).first()
        if network is None:
            raise NotFound("There is no such network.")
        try:
            vis = services.create_feature_vis(request.user, network, data)
        except services.RequestInvalid as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        vis = self.get_queryset().get(pk=vis.pk)
        return Response(FeatureVisSerializer(vis).data, status=status.HTTP_202_ACCEPTED)

    def _result(self):
        vis = self.get_object()
        if vis.result is None or vis.job.status != "succeeded":
            raise Http404("This request has no result yet.")
        return vis.result

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="Every image as a NumPy .npy file: uint8, N×H×W×C, pixel values "
        "0..255 (image i is for targets[i]).",
    )
    @action(detail=True, methods=["get"], url_path="images", url_name="images")
    def images(self, request, pk=None):
        path = self._result().file(services.IMAGES_FILE)
        if not path.is_file():
            raise Http404("This result has no images.")
        return npy_response(np.load(path, allow_pickle=False).astype(np.uint8))

    @extend_schema(
        operation_id="feature_vis_image_retrieve",
        responses={(200, "image/png"): OpenApiTypes.BINARY},
        description="Image ``index`` as a PNG at the network's input size (scale it up "
        "on the client, nearest neighbour).",
    )
    @action(detail=True, methods=["get"], url_path=r"images/(?P<index>[0-9]+)", url_name="image")
    def image(self, request, pk=None, index=None):
        result = self._result()
        count = int(result.summary.get("shape", [0])[0])
        if not 0 <= int(index) < count:
            raise Http404(f"There are {count} images.")
        return private_file_response(result.file(f"{int(index)}.png"), "image/png")
