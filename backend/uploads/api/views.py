from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from backend.core import media
from backend.core.files import private_file_response
from backend.core.scoping import owned
from backend.core.throttling import UploadRateThrottle
from backend.uploads import services
from backend.uploads.api.serializers import ImageUploadSerializer, UploadedImageSerializer
from backend.uploads.models import UploadedImage
from worker.inputs.images import MAX_BYTES, ImageRejected


class ImageViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The requesting user's images. Uploads are re-encoded without metadata and private."""

    serializer_class = UploadedImageSerializer
    parser_classes = [MultiPartParser, FormParser]
    throttle_classes = [UploadRateThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return UploadedImage.objects.none()
        return owned(UploadedImage.objects, self.request, self.action)

    @extend_schema(request=ImageUploadSerializer, responses={201: UploadedImageSerializer})
    def create(self, request, *args, **kwargs):
        too_large = Response(
            {"detail": f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB."},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
        # Refuse an oversized body before it is read (the multipart envelope adds a little).
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BYTES + 64 * 1024:
            return too_large
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["Choose an image file to upload."]})
        if upload.size > MAX_BYTES:
            return too_large
        try:
            image = services.store_upload(request.user, upload.read())
        except services.ImageTooLarge as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        except ImageRejected as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(UploadedImageSerializer(image).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: UploadedImage) -> None:
        instance.delete()
        if not UploadedImage.objects.filter(file=instance.file).exists():
            media.remove(instance.file)

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_name="file")
    def file(self, request, pk=None):
        image = self.get_object()
        return private_file_response(image.path, "image/png", filename=f"image-{image.pk}.png")
