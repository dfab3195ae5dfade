import numpy as np
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from backend.analyses import services, storage
from backend.analyses.api.serializers import (
    AnalysisCreateSerializer,
    AnalysisSerializer,
    StorageSerializer,
)
from backend.analyses.bundle import build_bundle
from backend.analyses.models import Analysis
from backend.core.files import npy_response, private_file_response
from backend.core.scoping import is_id, owned
from backend.core.throttling import JobRateThrottle
from backend.networks.models import Network
from backend.uploads.api.choice import image_from_choice

PREVIEW_PARAMETERS = [
    OpenApiParameter("from", int, description="first layer index (default: the first)"),
    OpenApiParameter("to", int, description="layer index to stop before (default: all)"),
]
PREVIEWS_DESCRIPTION = (
    "Small previews of the layers with from ≤ index < to, for the overview: a CSB1 bundle "
    "(see /activations/) whose header entries also carry scale [lo, hi], shape (the full "
    "layer shape) and channels (K); each part a uint8 .npy, h×w×K: the first K ≤ 8 maps "
    "area-averaged to a side of at most 32, value = lo + q / 255 × (hi − lo). A vector layer: "
    "its first 1024 values, 1×n×1."
)


class AnalysisViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Run a network on an image: the prediction and every layer's activation."""

    serializer_class = AnalysisSerializer
    throttle_classes = [JobRateThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Analysis.objects.none()
        return owned(Analysis.objects, self.request, self.action).select_related(
            "job", "image", "network", "result"
        )

    @extend_schema(request=AnalysisCreateSerializer, responses={202: AnalysisSerializer})
    def create(self, request, *args, **kwargs):
        payload = AnalysisCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        network = Network.objects.visible_to(request.user).filter(pk=data["network"]).first()
        if network is None:
            raise NotFound("There is no such network.")
        try:
            epoch = network.resolve_epoch(data.get("epoch"))
        except ValueError as exc:
            raise ValidationError({"epoch": [str(exc)]}) from exc
        image = image_from_choice(request.user, data)
        analysis = services.create_analysis(request.user, network, image, epoch)
        analysis = self.get_queryset().get(pk=analysis.pk)
        return Response(AnalysisSerializer(analysis).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: StorageSerializer})
    @action(detail=False, methods=["get"], url_path="storage", url_name="storage")
    def storage(self, request):
        """Disk kept for your analyses' results, and the retention policy's limits."""
        from backend.analyses import retention

        data = {
            "disk_bytes": retention.user_disk_bytes(request.user),
            "quota_bytes": retention.quota_bytes(),
            "max_age_days": retention.max_age().total_seconds() / 86400,
        }
        return Response(StorageSerializer(data).data)

    @extend_schema(
        parameters=[OpenApiParameter("dtype", str, enum=["float32", "float16"])],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="The image as the network sees it, after its preprocessing (resized, "
        "converted to its channels, scaled and normalised): a NumPy .npy file, H×W×C.",
    )
    @action(detail=True, methods=["get"], url_path="input", url_name="input")
    def network_input(self, request, pk=None):
        return network_input_response(self.get_object(), request)

    @extend_schema(
        operation_id="analyses_activations_bundle",
        parameters=[OpenApiParameter("dtype", str, enum=["float32", "float16"])],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            409: OpenApiTypes.OBJECT,
        },
        description="Every layer's activation in one response (see backend/analyses/bundle.py): "
        "b'CSB1', a uint32 header length, a JSON index of offsets, then one .npy per layer. "
        "409 when not every layer is kept on disk (use the per-layer endpoint).",
    )
    @action(detail=True, methods=["get"], url_path="activations", url_name="activations")
    def activations(self, request, pk=None):
        return activations_bundle_response(self.get_object(), request)

    @extend_schema(
        parameters=PREVIEW_PARAMETERS,
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description=PREVIEWS_DESCRIPTION,
    )
    @action(detail=True, methods=["get"], url_path="previews", url_name="previews")
    def previews(self, request, pk=None):
        return previews_response(self.get_object(), request)

    @extend_schema(
        parameters=[OpenApiParameter("dtype", str, enum=["float32", "float16"])],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            202: OpenApiTypes.OBJECT,
        },
        description="One layer's activation (batch axis dropped) as a NumPy .npy file. A layer "
        "not kept on disk (a large network, or removed by the retention policy), or asked for "
        "as float32 when kept in float16, answers 202 {detail, job}: the job computes and "
        "stores it, then this URL answers 200.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"activations/(?P<index>\d+)",
        url_name="activation",
    )
    def activation(self, request, pk=None, index=None):
        return activation_response(self.get_object(), request, int(index))

    @extend_schema(
        parameters=[
            OpenApiParameter("channel", int, required=True, description="output channel"),
            OpenApiParameter("dtype", str, enum=["float32", "float16"]),
        ],
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            202: OpenApiTypes.OBJECT,
        },
        description="For a Conv2D layer, one output channel split into its per-input-channel "
        "parts (the input channel convolved with its own kernel slice): C_in×H×W as .npy. "
        "Their sum plus the channel's bias is the layer's output before its activation.",
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"activations/(?P<index>\d+)/intermediate",
        url_name="intermediate",
    )
    def intermediate(self, request, pk=None, index=None):
        return intermediate_response(self.get_object(), request, int(index))


# The file-serving parts, as functions: the owner's views above and the public share views
# (backend/sharing) both call them once they have decided the analysis may be read.


def network_input_response(analysis, request):
    dtype = request.query_params.get("dtype", "float32")
    if dtype not in ("float32", "float16"):
        return Response(
            {"detail": "dtype must be float32 or float16."}, status=status.HTTP_400_BAD_REQUEST
        )
    x = network_input(analysis)
    return npy_response(x.astype("<f2" if dtype == "float16" else "<f4"))


def activations_bundle_response(analysis, request):
    if analysis.result is None:
        raise Http404("This analysis has no result yet.")
    dtype = request.query_params.get("dtype", "float16")
    if dtype not in ("float32", "float16"):
        return Response(
            {"detail": "dtype must be float32 or float16."}, status=status.HTTP_400_BAD_REQUEST
        )
    if not storage.all_layers_stored(analysis.result):
        return Response(
            {
                "detail": "Not every layer of this analysis is kept on disk, so there is no "
                "whole bundle: fetch the layers one at a time (activations/<index>/) or the "
                "previews."
            },
            status=status.HTTP_409_CONFLICT,
        )
    try:
        data = build_bundle(
            analysis.result.local_dir(),
            analysis.result.layers,
            dtype="<f2" if dtype == "float16" else "<f4",
        )
    except FileNotFoundError as exc:
        raise Http404("The stored activations are no longer available.") from exc
    response = HttpResponse(data, content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def computing_response(job) -> Response:
    """A layer not on disk: 202 with the job that computes it; the same URL answers 200 once
    the job has succeeded."""
    return Response(
        {"detail": "This layer is being computed.", "job": job.pk},
        status=status.HTTP_202_ACCEPTED,
    )


def previews_response(analysis, request):
    from backend.analyses.previews import previews_range

    if analysis.result is None:
        raise Http404("This analysis has no result yet.")
    bounds = {}
    for key in ("from", "to"):
        value = request.query_params.get(key)
        if value is not None and not is_id(value):
            raise ValidationError({key: f"{key} must be a layer index (a whole number ≥ 0)."})
        bounds[key] = None if value is None else int(value)
    try:
        data = previews_range(analysis.result, bounds["from"], bounds["to"])
    except FileNotFoundError as exc:
        raise Http404("The stored activations are no longer available.") from exc
    response = HttpResponse(data, content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def activation_response(analysis, request, index: int):
    if analysis.result is None:
        raise Http404("This analysis has no result yet.")
    layer = storage.find_layer(analysis.result, index)
    if layer is None:
        raise Http404("There is no such layer.")
    dtype = request.query_params.get("dtype", "float32")
    if dtype not in ("float32", "float16"):
        return Response(
            {"detail": "dtype must be float32 or float16."}, status=status.HTTP_400_BAD_REQUEST
        )
    exact = dtype == "float32"
    path = storage.stored_file(analysis.result, layer, exact)
    if path is None:
        return computing_response(storage.request_layer(analysis, layer, exact))
    if exact:
        return private_file_response(path, "application/octet-stream", filename=layer["file"])
    return npy_response(np.load(path, allow_pickle=False).astype("<f2"))


def intermediate_response(analysis, request, index: int):
    from worker.techniques.conv_intermediate import channel_contributions

    if analysis.result is None:
        raise Http404("This analysis has no result yet.")
    layers = {layer["name"]: layer for layer in analysis.network.layers}
    described = next((x for x in analysis.network.layers if x["index"] == index), None)
    if described is None:
        raise Http404("There is no such layer.")
    if described["type"] != "Conv2D":
        raise ValidationError({"detail": "Only Conv2D layers have this view."})
    channel = request.query_params.get("channel", "")
    out_channels = described["output_shape"][-1]
    if not is_id(channel) or int(channel) >= out_channels:
        raise ValidationError({"channel": f"Give an output channel from 0 to {out_channels - 1}."})
    dtype = request.query_params.get("dtype", "float32")
    if dtype not in ("float32", "float16"):
        raise ValidationError({"dtype": "dtype must be float32 or float16."})
    source = described["inbound"][0] if described["inbound"] else None
    if source in layers:  # the previous layer's activation, exact
        stored = next(x for x in analysis.result.layers if x["name"] == source)
        path = storage.stored_file(analysis.result, stored, exact=True)
        if path is None:  # not on disk (or only in float16): computed first
            return computing_response(storage.request_layer(analysis, stored, exact=True))
        x = np.load(path, allow_pickle=False)
    else:  # the first layer reads the preprocessed image
        x = network_input(analysis)
    kernel_file = (described.get("weights") or {}).get("kernel")
    if not kernel_file:
        raise Http404("This layer's weights are not available.")
    kernel = np.load(analysis.network.weights_file(kernel_file, analysis.epoch), allow_pickle=False)
    config = described["config"]
    parts = channel_contributions(
        x,
        kernel,
        int(channel),
        strides=tuple(config.get("strides", (1, 1))),
        padding=config.get("padding", "valid"),
        dilation=tuple(config.get("dilation_rate", (1, 1))),
    )
    return npy_response(parts.astype("<f2" if dtype == "float16" else "<f4"))


def network_input(analysis) -> np.ndarray:
    from worker.inputs.images import decode_image

    if not analysis.image.path.is_file():
        raise Http404("The image of this analysis is no longer available.")
    pixels = decode_image(analysis.image.path.read_bytes()).pixels
    return analysis.network.compute_handle().preprocess(pixels)
