"""Feature visualisations: images optimised from noise until a filter (or a class) fires as
strongly as possible. One stored result per (network version, layer, kind, filters,
parameters, ``worker.techniques.feature_vis`` version), shared by every request that asks the same;
each user's request is their own row."""

from django.conf import settings
from django.db import models

from backend.core.media import StoredFolderMixin


class FeatureVisKind(models.TextChoices):
    FILTERS = "filters"  # the filters (channels) of a spatial layer
    CLASSES = "classes"  # the output classes (pre-softmax logits)


class FeatureVisResult(StoredFolderMixin, models.Model):
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="feature_vis_results"
    )
    kind = models.CharField(max_length=8, choices=FeatureVisKind.choices)
    layer = models.CharField(max_length=255, blank=True, default="")
    # sha256 of the canonical JSON of layer, filters, full parameters, weights and version.
    params_key = models.CharField(max_length=64)
    params = models.JSONField(default=dict)
    filters = models.JSONField(default=list)
    directory = models.CharField(max_length=400)  # relative to MEDIA_ROOT
    # kind, layer, filters, activations (one per image), params, version, seconds, shape.
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["network", "kind", "params_key"], name="feature_vis_result_key_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.layer or 'output'} {self.network_id}"


class FeatureVis(models.Model):
    """A user's request (private to them; the result is shared)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feature_vis"
    )
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="feature_vis"
    )
    kind = models.CharField(max_length=8, choices=FeatureVisKind.choices)
    layer = models.CharField(max_length=255, blank=True, default="")  # "": the output classes
    filters = models.JSONField(default=list)  # the filter (or class) indices, in image order
    params = models.JSONField(default=dict)  # steps, seed, images_per_filter, diversity
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="feature_vis")
    result = models.ForeignKey(
        FeatureVisResult,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.layer or 'output'} {self.pk}"
