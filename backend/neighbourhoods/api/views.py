"""Why was this picture misclassified? ``POST`` a network and one of its dataset's test
pictures (answered 202 with a job); the summary (codes, the network's labels, the student)
comes with the request once it succeeded, the pictures as uint8 .npy from ``neighbours/`` and
``path/``."""

import numpy as np
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from backend.core.files import npy_response
from backend.core.scoping import owned
from backend.core.throttling import JobRateThrottle
from backend.jobs.api.serializers import JobSerializer
from backend.neighbourhoods import services
from backend.neighbourhoods.models import Neighbourhood
from backend.networks.models import Network
from worker.techniques.neighbourhood.files import NEIGHBOURS_FILE, PATH_FILE

UINT8_NPY = OpenApiResponse(description="uint8 N×H×W×C pictures (.npy)")


class NeighbourhoodCreateSerializer(serializers.Serializer):
    network = serializers.IntegerField(help_text="id of a network you can see")
    index = serializers.IntegerField(help_text="a test picture of the network's dataset")
    neighbours = serializers.IntegerField(required=False, help_text="20 to 1000 (default 200)")
    radius = serializers.FloatField(
        required=False,
        help_text="how far from the picture's code the neighbours are drawn, in standard "
        "deviations of the VAE's prior (0.05 to 5, default 1)",
    )
    regularisation = serializers.FloatField(
        required=False, help_text="the student's L2 penalty (0.0001 to 10000, default 1)"
    )
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)


class NeighbourhoodSerializer(serializers.ModelSerializer):
    job = JobSerializer(read_only=True)
    summary = serializers.SerializerMethodField()
    settings = serializers.SerializerMethodField()

    class Meta:
        model = Neighbourhood
        fields = ["id", "network", "dataset", "index", "settings", "job", "summary",
                  "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_settings(self, request: Neighbourhood) -> dict:
        return {name: request.params.get(name) for name in services.DEFAULTS}

    def get_summary(self, request: Neighbourhood) -> dict | None:
        done = request.result_id is not None and request.job.status == "succeeded"
        return request.result.summary if done else None


class NeighbourhoodViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """A test picture's neighbourhood: codes drawn around its VAE code and along the paths to
    its true and predicted classes' mean codes, decoded and labelled by the network, and a
    one-layer linear student fitted on the neighbours (its fidelity on held-out neighbours and
    the pixels that push it towards each class)."""

    serializer_class = NeighbourhoodSerializer
    throttle_classes = [JobRateThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Neighbourhood.objects.none()
        queryset = owned(Neighbourhood.objects.all(), self.request, self.action)
        return queryset.select_related("job", "result", "network")

    @extend_schema(request=NeighbourhoodCreateSerializer, responses={202: NeighbourhoodSerializer})
    def create(self, request, *args, **kwargs):
        payload = NeighbourhoodCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        visible = Network.objects.visible_to(request.user).select_related("dataset")
        network = visible.filter(pk=data["network"]).first()
        if network is None:
            raise NotFound("There is no such network.")
        try:
            made = services.create_neighbourhood(request.user, network, data)
        except services.RequestInvalid as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        made = self.get_queryset().get(pk=made.pk)
        return Response(self.get_serializer(made).data, status=status.HTTP_202_ACCEPTED)

    def _pictures(self, filename: str):
        made = self.get_object()
        if made.result is None or made.job.status != "succeeded":
            raise Http404("This request has no result yet.")
        path = made.result.file(filename)
        if not path.is_file():
            raise Http404("This result is no longer available.")
        return npy_response(np.load(path, allow_pickle=False).astype(np.uint8))

    @extend_schema(responses=UINT8_NPY, description="The neighbours' pictures, in code order.")
    @action(detail=True, methods=["get"])
    def neighbours(self, request, pk=None):
        return self._pictures(NEIGHBOURS_FILE)

    @extend_schema(
        responses=UINT8_NPY,
        description="The pictures along the path: the true class's mean code, …, the "
        "picture's own code (summary.path.image_index), …, the predicted class's mean code.",
    )
    @action(detail=True, methods=["get"])
    def path(self, request, pk=None):
        return self._pictures(PATH_FILE)
