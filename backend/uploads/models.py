"""Images users uploaded (or picked from a dataset), stored re-encoded and private to the owner."""

from pathlib import Path

from django.conf import settings
from django.db import models

from backend.core import media


class ImageSource(models.TextChoices):
    UPLOAD = "upload"
    SAMPLE = "sample"


class UploadedImage(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="images"
    )
    source = models.CharField(
        max_length=16, choices=ImageSource.choices, default=ImageSource.UPLOAD
    )
    # sha256 of the re-encoded PNG: identical pixels give identical hashes, so results are reused.
    sha256 = models.CharField(max_length=64, db_index=True)
    file = models.CharField(max_length=300)  # relative to MEDIA_ROOT
    original_format = models.CharField(max_length=16)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    channels = models.PositiveSmallIntegerField()
    dataset_name = models.CharField(max_length=64, blank=True, default="")
    sample_index = models.IntegerField(null=True, blank=True)
    true_label = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"image {self.pk} of {self.owner_id}"

    @property
    def path(self) -> Path:
        """The image file on this machine (fetched from the object store when missing here)."""
        return media.local_path(self.file)
