"""Two networks (or two epochs of one network) compared: on the test split of their shared
dataset, or layer by layer (CKA). One stored result per (both versions and epochs, dataset,
kind, N, layers), shared by every request that asks the same."""

from django.conf import settings
from django.db import models

from backend.core.media import StoredFolderMixin


class ComparisonKind(models.TextChoices):
    TEST_SPLIT = "test-split"
    LAYER_SIMILARITY = "layer-similarity"


class ComparisonResult(StoredFolderMixin, models.Model):
    kind = models.CharField(max_length=20, choices=ComparisonKind.choices)
    # sha256 of the canonical JSON of (network versions, weights, epochs, dataset, N, layers)
    params_key = models.CharField(max_length=64, unique=True)
    params = models.JSONField(default=dict)
    directory = models.CharField(max_length=400)  # relative to MEDIA_ROOT
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.params_key[:12]}"


class Comparison(models.Model):
    """A user's request to compare network A with network B (private to them)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comparisons"
    )
    kind = models.CharField(max_length=20, choices=ComparisonKind.choices)
    network_a = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="comparisons_as_a"
    )
    network_b = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="comparisons_as_b"
    )
    # 0: the trained network; else the training epoch whose checkpoint is used
    epoch_a = models.PositiveIntegerField(default=0)
    epoch_b = models.PositiveIntegerField(default=0)
    params = models.JSONField(default=dict)
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="comparison")
    result = models.ForeignKey(
        ComparisonResult, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} comparison {self.pk}"
