"""Explanations (attribution maps) and their trust checks; results are shared by identical
requests: same network version, image pixels, method, target class and parameters."""

from django.conf import settings
from django.db import models

from backend.core.media import StoredFolderMixin


class ExplanationKind(models.TextChoices):
    MAP = "map"  # one attribution map
    TRUST = "trust"  # randomisation and deletion/insertion checks of a map


class ExplanationResult(StoredFolderMixin, models.Model):
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="explanation_results"
    )
    image_sha256 = models.CharField(max_length=64)
    kind = models.CharField(max_length=8, choices=ExplanationKind.choices)
    method = models.CharField(max_length=32)
    target = models.PositiveIntegerField()
    # sha256 of the canonical JSON of every parameter (defaults filled) and the layer.
    params_key = models.CharField(max_length=64)
    params = models.JSONField(default=dict)
    layer = models.CharField(max_length=255, blank=True, default="")
    directory = models.CharField(max_length=400)  # relative to MEDIA_ROOT
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "image_sha256", "kind", "method", "target", "params_key"],
                name="explanation_result_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.method} {self.network_id}/{self.image_sha256[:12]}"


class Explanation(models.Model):
    """A user's request; ``target``/``layer`` hold what was asked (empty: the default)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="explanations"
    )
    kind = models.CharField(max_length=8, choices=ExplanationKind.choices)
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="explanations"
    )
    image = models.ForeignKey(
        "uploads.UploadedImage", on_delete=models.CASCADE, related_name="explanations"
    )
    method = models.CharField(max_length=32)
    target = models.PositiveIntegerField(null=True, blank=True)
    layer = models.CharField(max_length=255, blank=True, default="")
    params = models.JSONField(default=dict)
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="explanation")
    result = models.ForeignKey(
        ExplanationResult,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.method} {self.pk}"


class FilterAttributionResult(StoredFolderMixin, models.Model):
    """Per-filter guided backpropagation and gradient of every filter of one conv layer for
    one image (worker/techniques/attribution/filters.py); shared by identical requests."""

    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="filter_attribution_results"
    )
    image_sha256 = models.CharField(max_length=64)
    layer = models.CharField(max_length=255)
    rule = models.CharField(max_length=8)  # "max" or "sum": how a filter's map becomes a number
    version = models.PositiveSmallIntegerField()  # filters.VERSION: older results are recomputed
    directory = models.CharField(max_length=400)  # relative to MEDIA_ROOT
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "image_sha256", "layer", "rule", "version"],
                name="filter_attribution_result_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"filters {self.layer} {self.rule} {self.network_id}/{self.image_sha256[:12]}"


class FilterAttribution(models.Model):
    """A user's request: what made each filter of ``layer`` fire on the analysis's image."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="filter_attributions"
    )
    analysis = models.ForeignKey(
        "analyses.Analysis", on_delete=models.CASCADE, related_name="filter_attributions"
    )
    layer = models.CharField(max_length=255)
    rule = models.CharField(max_length=8, default="max")
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.CASCADE, related_name="filter_attribution"
    )
    result = models.ForeignKey(
        FilterAttributionResult,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"filters {self.layer} {self.pk}"
