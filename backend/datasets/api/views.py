from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from backend.core.roles import is_admin
from backend.core.throttling import JobRateThrottle
from backend.datasets import services
from backend.datasets.api.serializers import (
    DatasetRegistrationCreateSerializer,
    DatasetRegistrationSerializer,
    DatasetSerializer,
    SampleSerializer,
)
from backend.datasets.models import Dataset
from backend.datasets.registration import (
    DatasetRegistrationError,
    check_name,
    create_registration,
    max_upload_bytes,
)

PUBLIC_REFUSED = (
    "Only administrators can make a dataset public. Leave 'public' unticked: the dataset "
    "will be private to you."
)


class DatasetViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Datasets networks are trained on, with sample images to try: the built-in ones, public
    ones and your own. POST registers a zip of class folders (a job checks and stores it);
    DELETE removes a registered dataset."""

    serializer_class = DatasetSerializer
    lookup_field = "name"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_classes = [JobRateThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Dataset.objects.none()
        return Dataset.objects.visible_to(self.request.user).select_related("owner")

    def get_serializer_class(self):
        if self.action == "create":
            return DatasetRegistrationCreateSerializer
        return DatasetSerializer

    @extend_schema(
        request={"multipart/form-data": DatasetRegistrationCreateSerializer},
        responses={202: DatasetRegistrationSerializer},
        description="Register a dataset from a zip of class folders. The zip is staged "
        "privately and a job checks it (unsafe paths, links, sizes and zip bombs before "
        "anything is extracted; at least 2 classes of 2 images; every image decoded — the "
        "failure lists every unreadable file), resizes, splits and stores it; poll "
        "/api/jobs/{id}/. 413 over the size limit; 403 when a non-administrator asks for public.",
    )
    def create(self, request, *args, **kwargs):
        limit = max_upload_bytes()
        too_large = Response(
            {"detail": f"The zip is larger than {limit // (1024 * 1024)} MB, the upload limit."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 1024 * 1024:
            return too_large
        form = DatasetRegistrationCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        upload = data["file"]
        if upload.size > limit:
            return too_large
        if not (upload.name or "").lower().endswith(".zip"):
            raise ValidationError({"file": ["Upload a .zip file of class folders."]})
        if data["public"] and not is_admin(request.user):
            raise PermissionDenied(PUBLIC_REFUSED)
        try:
            check_name(data["name"])
        except DatasetRegistrationError as exc:
            raise ValidationError({"name": [str(exc)]}) from exc
        params = {
            "name": data["name"],
            "title": data["title"],
            "test_fraction": data["test_fraction"],
            "image_size": data["image_size"],
            "channels": int(data["channels"]) if data["channels"] else None,
            "public": data["public"],
            "filename": (upload.name or "")[-200:],
        }
        registration = create_registration(request.user, upload, params)
        registration.job.refresh_from_db()
        return Response(
            DatasetRegistrationSerializer(registration).data, status=status.HTTP_202_ACCEPTED
        )

    def perform_destroy(self, instance: Dataset) -> None:
        if instance.builtin:
            raise PermissionDenied("Built-in datasets cannot be deleted.")
        if instance.owner_id != self.request.user.pk and not is_admin(self.request.user):
            raise PermissionDenied("Only the dataset's owner or an administrator can delete it.")
        services.delete_dataset(instance)

    @extend_schema(responses=SampleSerializer(many=True))
    @action(detail=True, methods=["get"])
    def samples(self, request, name=None):
        dataset = self.get_object()
        try:
            samples = services.sample_list(dataset.name)
        except (KeyError, OSError, ValueError):  # a registered dataset whose files are gone
            return Response([])
        for sample in samples:
            sample["image_url"] = reverse(
                "dataset-sample-image", kwargs={"name": dataset.name, "index": sample["index"]}
            )
        return Response(SampleSerializer(samples, many=True).data)

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"samples/(?P<index>\d+)/image",
        url_name="sample-image",
    )
    def sample_image(self, request, name=None, index=None):
        dataset = self.get_object()
        try:
            png = services.sample_png(dataset.name, int(index))
        except (IndexError, KeyError) as exc:
            raise Http404("No such sample image.") from exc
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "private, max-age=86400"
        response["X-Content-Type-Options"] = "nosniff"
        return response
