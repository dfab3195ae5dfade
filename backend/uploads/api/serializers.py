from django.urls import reverse
from rest_framework import serializers

from backend.uploads.models import UploadedImage


class UploadedImageSerializer(serializers.ModelSerializer):
    format = serializers.CharField(source="original_format", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = UploadedImage
        fields = [
            "id",
            "width",
            "height",
            "channels",
            "format",
            "sha256",
            "url",
            "source",
            "dataset_name",
            "sample_index",
            "true_label",
            "created_at",
        ]
        read_only_fields = fields

    def get_url(self, image: UploadedImage) -> str:
        return reverse("image-file", args=[image.pk])


class ImageUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="PNG, JPEG, WebP, BMP, TIFF, GIF or DICOM, at most 20 MB."
    )
