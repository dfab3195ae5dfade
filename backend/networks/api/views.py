from pathlib import Path

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from backend.core.files import private_file_response
from backend.core.roles import is_admin
from backend.core.scoping import is_id
from backend.core.throttling import JobRateThrottle
from backend.datasets.models import Dataset
from backend.networks import chunked, services
from backend.networks.api.serializers import (
    NetworkDatasetLinkSerializer,
    NetworkDetailSerializer,
    NetworkRegistrationCreateSerializer,
    NetworkRegistrationSerializer,
    NetworkSerializer,
)
from backend.networks.models import WEIGHT_PARTS, Network
from backend.networks.registration import (
    ALLOWED_SUFFIXES,
    RegistrationError,
    RegistrationRequest,
    check_request,
    model_too_large,
)
from backend.networks.staging import create_registration, max_upload_bytes

PUBLIC_REFUSED = (
    "Only administrators can make a network public. Leave 'public' unticked: the network "
    "will be private to you."
)


def too_large_response(size: int) -> Response:
    """413 with the model-size sentence (the same words as the command line and the worker)."""
    return Response(
        {"detail": model_too_large(size) or model_too_large(max_upload_bytes() + 1)},
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


class NetworkViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Networks the user may explore: the zoo, public networks and their own. POST registers a
    Keras model file (a job runs the checks); DELETE removes an uploaded network."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_classes = [JobRateThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Network.objects.none()
        queryset = Network.objects.visible_to(self.request.user).select_related("dataset")
        dataset = self.request.query_params.get("dataset")
        if dataset:
            queryset = queryset.filter(dataset__name=dataset)
        return queryset

    def get_serializer_class(self):
        if self.action == "create":
            return NetworkRegistrationCreateSerializer
        return NetworkDetailSerializer if self.action == "retrieve" else NetworkSerializer

    @extend_schema(
        request={"multipart/form-data": NetworkRegistrationCreateSerializer},
        responses={202: NetworkRegistrationSerializer},
        description="Register a Keras image classifier. The file is staged privately and a "
        "job checks it (archive and configuration allow-lists before Keras reads it, a "
        "sandboxed safe-mode load with time and memory limits, a forward pass, labels and "
        "preprocessing); poll /api/jobs/{id}/ — its result.checks tick off as they pass. "
        "413 over the size limit; 403 when a non-administrator asks for public.",
    )
    def create(self, request, *args, **kwargs):
        limit = max_upload_bytes()
        # Refuse an oversized body before it is read (the multipart envelope adds a little).
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > limit + 1024 * 1024:
            return too_large_response(length)
        form = NetworkRegistrationCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        upload = data.get("file")
        if upload is not None:
            if upload.size > limit:
                return too_large_response(upload.size)
            suffix = Path(upload.name or "").suffix.lower()
            if suffix not in ALLOWED_SUFFIXES:
                raise ValidationError(
                    {"file": ["Upload a Keras model file: .keras (or a legacy .h5 file)."]}
                )
        else:
            try:  # exists, is theirs, is complete (not claimed yet: the form may still fail)
                pending = chunked.find_upload(request.user, data["upload"])
            except chunked.UploadProblem as exc:
                raise Http404(str(exc)) from exc
            if not pending.complete:
                raise ValidationError(
                    {"upload": [f"The upload is not complete: {pending.received:,} of "
                                f"{pending.size:,} bytes received."]}
                )  # fmt: skip
        if data["public"] and not is_admin(request.user):
            raise PermissionDenied(PUBLIC_REFUSED)
        dataset = None
        if data["dataset"]:
            dataset = Dataset.objects.visible_to(request.user).filter(name=data["dataset"]).first()
            if dataset is None:
                raise ValidationError({"dataset": [f"There is no dataset '{data['dataset']}'."]})
        labels = data["label_list"]
        labels_source = data["labels_source"]
        if labels is None:
            labels_source = "dataset"
            if dataset is None or not dataset.manifest.get("classes"):
                raise ValidationError(
                    {"labels": ["Give the class names (one per line), or choose a dataset."]}
                )
            labels = list(dataset.manifest["classes"])
        params = {
            "name": data["name"],
            "title": data["title"],
            "labels": labels,
            "labels_source": labels_source,
            "input_size": [data["input_height"], data["input_width"]]
            if "input_height" in data
            else None,
            "channels": data.get("channels"),
            "scale": data["scale"],
            "mean": data["mean"],
            "std": data["std"],
            "resize": data["resize"],
            "channel_order": data["channel_order"],
            "preprocessing": data["preprocessing"],
            "dataset": dataset.name if dataset else None,
            "public": data["public"],
            "training_data": data["training_data"],
        }
        try:
            check_request(
                RegistrationRequest(
                    file=Path(upload.name if upload is not None else pending.filename),
                    name=params["name"], labels=labels, labels_source=labels_source,
                    dataset=params["dataset"], owner=request.user,
                )
            )  # fmt: skip
        except RegistrationError as exc:
            raise ValidationError({"name": [str(exc)]}) from exc
        if upload is None:
            try:
                upload = chunked.take_completed(request.user, data["upload"])
            except chunked.UploadProblem as exc:
                raise ValidationError({"upload": [str(exc)]}) from exc
        registration = create_registration(request.user, upload, params)
        registration.job.refresh_from_db()
        return Response(
            NetworkRegistrationSerializer(registration).data, status=status.HTTP_202_ACCEPTED
        )

    @extend_schema(
        request=NetworkDatasetLinkSerializer,
        responses={200: NetworkSerializer},
        description="Link a dataset to an uploaded network (its class count must match the "
        "network's outputs), or unlink it with null. The network's owner or an administrator.",
    )
    def partial_update(self, request, *args, **kwargs):
        network = self.get_object()
        form = NetworkDatasetLinkSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            services.link_dataset(network, form.validated_data["dataset"] or None, request.user)
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except RegistrationError as exc:
            raise ValidationError({"dataset": [str(exc)]}) from exc
        return Response(NetworkSerializer(network, context={"request": request}).data)

    def perform_destroy(self, instance: Network) -> None:
        if instance.is_zoo:
            raise PermissionDenied("Zoo networks cannot be deleted.")
        if instance.owner_id != self.request.user.pk and not is_admin(self.request.user):
            raise PermissionDenied("Only the network's owner or an administrator can delete it.")
        services.delete_network(instance)

    @extend_schema(
        parameters=[OpenApiParameter("dataset", str, description="only networks of this dataset")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "epoch", int, description="the weights saved after this training epoch"
            )
        ],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
        description="A layer's weights as a NumPy .npy file (float32), e.g. a conv kernel "
        "of shape (kh, kw, in_channels, out_channels). With ?epoch=N (networks with a "
        "training history), the weights as they were after training epoch N.",
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
        epoch = 0
        epoch_text = request.query_params.get("epoch")
        if epoch_text not in (None, ""):
            try:
                epoch = network.resolve_epoch(int(epoch_text) if is_id(epoch_text) else -1)
            except ValueError as exc:
                raise ValidationError({"epoch": [str(exc)]}) from exc
        return private_file_response(
            network.weights_file(filename, epoch),
            "application/octet-stream",
            filename=f"{network.name}-{layer['name']}-{part}.npy",
        )
