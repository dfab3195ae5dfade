import numpy as np
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.files import npy_response
from backend.core.scoping import is_id, owned
from backend.core.throttling import JobRateThrottle
from backend.explanations import services
from backend.explanations.api.serializers import (
    ExplanationCreateSerializer,
    ExplanationSerializer,
)
from backend.explanations.models import Explanation, ExplanationKind
from backend.networks.models import Network
from backend.uploads.api.choice import image_from_choice
from worker.techniques.attribution.registry import METHODS
from worker.techniques.attribution.run import LAYER_MAP_FILE, MAP_FILE, RANDOMISATION_MAPS_FILE

DTYPE_PARAMETER = OpenApiParameter("dtype", str, enum=["float32", "float16"])
NPY_RESPONSE = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


class AttributionMethodsView(APIView):
    """The attribution methods: names, parameters with defaults and ranges, and the
    plain-language card (what it shows, how to read it, caveats, paper)."""

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    def get(self, request):
        return Response([method.to_dict() for method in METHODS.values()])


class _ExplanationViewSetBase(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ExplanationSerializer
    throttle_classes = [JobRateThrottle]
    kind: str = ExplanationKind.MAP

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Explanation.objects.none()
        queryset = owned(Explanation.objects.filter(kind=self.kind), self.request, self.action)
        for name in ("network", "image"):
            value = self.request.query_params.get(name)
            if value is not None:
                if not is_id(value):
                    raise ValidationError({name: "Give a numeric id."})
                queryset = queryset.filter(**{f"{name}_id": int(value)})
        return queryset.select_related("job", "image", "network", "result")

    @extend_schema(request=ExplanationCreateSerializer, responses={202: ExplanationSerializer})
    def create(self, request, *args, **kwargs):
        payload = ExplanationCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        network = Network.objects.visible_to(request.user).filter(pk=data["network"]).first()
        if network is None:
            raise NotFound("There is no such network.")
        try:  # check the request before storing a sample image for it
            method, _target, _layer, params = services.clean_request(
                network, data["method"], data.get("target"), data.get("layer"), data.get("params")
            )
            services.check_cost(network, self.kind, method, params)
        except services.RequestInvalid as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        image = image_from_choice(request.user, data)
        explanation = services.create_explanation(
            request.user,
            network,
            image,
            kind=self.kind,
            method=data["method"],
            target=data.get("target"),
            layer=data.get("layer"),
            params=data.get("params"),
        )
        explanation = self.get_queryset().get(pk=explanation.pk)
        return Response(ExplanationSerializer(explanation).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[DTYPE_PARAMETER],
        responses=NPY_RESPONSE,
        description="The map at input resolution, H×W, as a NumPy .npy file (for a trust "
        "check: the map that was checked).",
    )
    @action(detail=True, methods=["get"], url_path="map", url_name="map")
    def map(self, request, pk=None):
        return self._array(request, MAP_FILE)

    def _array(self, request, filename: str):
        return stored_array_response(request, self.get_object(), filename, "float32")


class ExplanationViewSet(_ExplanationViewSetBase):
    """Attribution maps: which pixels drove a class score, by one of eight methods.

    ``POST`` answers 202 with a job; poll ``/api/jobs/{id}/`` or this resource. The map is
    a float array at input resolution (``map/``), and for Grad-CAM methods also at the
    layer's resolution (``layer-map/``)."""

    kind = ExplanationKind.MAP

    @extend_schema(
        parameters=[DTYPE_PARAMETER],
        responses=NPY_RESPONSE,
        description="Grad-CAM / Grad-CAM++ only: the map at the layer's resolution, h×w.",
    )
    @action(detail=True, methods=["get"], url_path="layer-map", url_name="layer-map")
    def layer_map(self, request, pk=None):
        return self._array(request, LAYER_MAP_FILE)


class TrustCheckViewSet(_ExplanationViewSetBase):
    """Trust checks of one method's map on one image: cascading model randomisation
    (Spearman correlation per step), deletion and insertion curves with their areas, and
    the same curves for a random map. ``summary`` holds every number."""

    kind = ExplanationKind.TRUST

    @extend_schema(
        parameters=[DTYPE_PARAMETER],
        responses=NPY_RESPONSE,
        description="The original map, then the map after each randomisation step: "
        "(1 + steps)×H×W; the step order is summary.randomisation.layers.",
    )
    @action(
        detail=True, methods=["get"], url_path="randomisation-maps", url_name="randomisation-maps"
    )
    def randomisation_maps(self, request, pk=None):
        return self._array(request, RANDOMISATION_MAPS_FILE)


def stored_array_response(request, made, filename: str, default_dtype: str):
    """One array of a finished request's stored result as .npy, in ``?dtype`` (float32 or
    float16); 404 before the result or without that array, 400 for another dtype."""
    if made.result is None or made.job.status != "succeeded":
        raise Http404("This request has no result yet.")
    dtype = request.query_params.get("dtype", default_dtype)
    if dtype not in ("float32", "float16"):
        return Response(
            {"detail": "dtype must be float32 or float16."}, status=status.HTTP_400_BAD_REQUEST
        )
    path = made.result.file(filename)
    if not path.is_file():
        raise Http404("This result has no such array.")
    array = np.load(path, allow_pickle=False)
    return npy_response(array.astype("<f2" if dtype == "float16" else "<f4"))
