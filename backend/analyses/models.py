"""Analyses: one network applied to one image. Results are shared by identical requests."""

from django.conf import settings
from django.db import models

from backend.core.media import StoredFolderMixin


class AnalysisResult(StoredFolderMixin, models.Model):
    """Every layer's activation for (network version, image pixels, epoch); computed once."""

    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="results"
    )
    image_sha256 = models.CharField(max_length=64)
    directory = models.CharField(max_length=300)  # relative to MEDIA_ROOT
    probabilities = models.JSONField(default=list)
    layers = models.JSONField(default=list)  # index, name, type, shape, file
    # 0: the trained network; N: the weights saved after training epoch N (a checkpoint).
    epoch = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "image_sha256", "epoch"],
                name="analysis_result_network_image_epoch_unique",
            )
        ]

    def __str__(self) -> str:
        return f"result {self.network_id}/{self.image_sha256[:12]}"


class Analysis(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="analyses"
    )
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="analyses"
    )
    image = models.ForeignKey(
        "uploads.UploadedImage", on_delete=models.CASCADE, related_name="analyses"
    )
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="analysis")
    result = models.ForeignKey(
        AnalysisResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="analyses"
    )
    # 0: the trained network; N: as it was after training epoch N (zoo checkpoints).
    epoch = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "analyses"

    def __str__(self) -> str:
        return f"analysis {self.pk}"
