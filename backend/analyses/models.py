"""Analyses: one network applied to one image. Results are shared by identical requests."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from backend.core.media import StoredFolderMixin


class AnalysisResult(StoredFolderMixin, models.Model):
    """Every layer's activation for (network version, image pixels, epoch); computed once."""

    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="results"
    )
    image_sha256 = models.CharField(max_length=64)
    directory = models.CharField(max_length=300)  # relative to MEDIA_ROOT
    probabilities = models.JSONField(default=list)
    # index, name, type, shape, file; "dtype": "float16" when the layer is (to be) kept in
    # float16 (absent: float32). Whether a layer is on disk now is whether its file exists
    # (backend.analyses.storage): a budget or the retention policy may leave it out.
    layers = models.JSONField(default=list)
    # {method, score, threshold, flagged}: is the image unlike what the network learned from
    ood = models.JSONField(default=dict, blank=True)
    # 0: the trained network; N: the weights saved after training epoch N (a checkpoint).
    epoch = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bytes of the stored folder (layers, probabilities, previews), counted after each change.
    disk_bytes = models.BigIntegerField(default=0)
    # Last asked for (made, reused or a layer computed): the retention policy prunes the
    # least recently used first.
    used_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When the retention policy last removed its layer files (null: never); a result used
    # since then (used_at later) has layers on disk again and may be pruned again.
    pruned_at = models.DateTimeField(null=True, blank=True)

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


class LayerRequest(models.Model):
    """A layer that was not on disk when asked for, and the job computing and storing it: one
    per (result, layer, exact), so repeated requests wait on the same job."""

    result = models.ForeignKey(
        AnalysisResult, on_delete=models.CASCADE, related_name="layer_requests"
    )
    # The analysis that asked: its image is the input (the result keeps only its hash).
    analysis = models.ForeignKey(Analysis, on_delete=models.CASCADE, related_name="+")
    index = models.PositiveIntegerField()
    # True: the exact float32 values of a layer kept in float16.
    exact = models.BooleanField(default=False)
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="layer_request")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["result", "index", "exact"], name="layer_request_result_index_unique"
            )
        ]

    def __str__(self) -> str:
        return f"layer {self.index} of result {self.result_id}"
