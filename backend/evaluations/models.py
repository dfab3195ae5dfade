"""Dataset-level views of a network: evaluation on the test split, embeddings of a layer,
each filter's top-activating images, and a ranking of a conv layer's filters. One stored
result per (network version, kind, parameters), shared by every request that asks the same."""

from django.conf import settings
from django.db import models

from backend.core.media import StoredFolderMixin


class DatasetViewKind(models.TextChoices):
    EVALUATION = "evaluation"
    EMBEDDING = "embedding"
    TOP_ACTIVATIONS = "top-activations"
    FILTER_RANKING = "filter-ranking"


class DatasetViewResult(StoredFolderMixin, models.Model):
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="dataset_view_results"
    )
    kind = models.CharField(max_length=16, choices=DatasetViewKind.choices)
    # sha256 of the canonical JSON of the full parameters (defaults filled).
    params_key = models.CharField(max_length=64)
    params = models.JSONField(default=dict)
    directory = models.CharField(max_length=400)  # relative to MEDIA_ROOT
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "kind", "params_key"], name="dataset_view_result_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.network_id} {self.params_key[:12]}"


class DatasetView(models.Model):
    """A user's request for a dataset-level view (private to them; the result is shared)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dataset_views"
    )
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="dataset_views"
    )
    kind = models.CharField(max_length=16, choices=DatasetViewKind.choices)
    params = models.JSONField(default=dict)
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="dataset_view")
    result = models.ForeignKey(
        DatasetViewResult,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"
