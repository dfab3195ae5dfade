from django.urls import reverse
from rest_framework import serializers

from backend.features.models import FeatureVis, FeatureVisKind
from backend.features.services import target_count
from backend.jobs.api.serializers import JobSerializer


class FeatureVisCreateSerializer(serializers.Serializer):
    """Types only; the layer, filters and ranges are checked against the network in
    ``services.clean_request`` (one plain sentence on a 400)."""

    network = serializers.IntegerField(help_text="id of a network you may see")
    layer = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="a layer with a spatial H×W×C output (a convolution); empty with "
        '"kind": "classes"',
    )
    kind = serializers.ChoiceField(
        choices=FeatureVisKind.choices,
        required=False,
        help_text='"filters" (default when a layer is given) or "classes"',
    )
    filters = serializers.ListField(
        child=serializers.JSONField(),
        required=False,
        help_text="filter (or class) indices; default: all of them when the layer has at "
        "most 32, else the first page, 0–15 (ask for the next pages, or all, by listing them)",
    )
    steps = serializers.JSONField(required=False, help_text="optimisation steps (1–1024)")
    seed = serializers.JSONField(required=False, help_text="random seed: same seed, same images")
    images_per_filter = serializers.JSONField(required=False, help_text="1–4")
    diversity = serializers.JSONField(
        required=False, help_text="0–10: how strongly a filter's images are pushed apart"
    )


class FeatureVisSerializer(serializers.ModelSerializer):
    """One request; the images and their activations once the job succeeded. Image ``i``
    is for ``targets[i]`` (filters in order, ``images_per_filter`` each)."""

    job = JobSerializer(read_only=True)
    layer = serializers.SerializerMethodField()
    labels = serializers.SerializerMethodField()
    targets = serializers.SerializerMethodField()
    activations = serializers.SerializerMethodField()
    image_shape = serializers.SerializerMethodField()
    images_url = serializers.SerializerMethodField()
    image_urls = serializers.SerializerMethodField()
    seconds = serializers.SerializerMethodField()
    filter_count = serializers.SerializerMethodField()

    class Meta:
        model = FeatureVis
        fields = [
            "id",
            "kind",
            "network",
            "layer",
            "filters",
            "labels",
            "params",
            "job",
            "targets",
            "activations",
            "image_shape",
            "images_url",
            "image_urls",
            "seconds",
            "filter_count",
            "created_at",
        ]
        read_only_fields = fields

    def _summary(self, vis: FeatureVis) -> dict | None:
        if vis.result_id is None or vis.job.status != "succeeded":
            return None
        return vis.result.summary

    def get_layer(self, vis: FeatureVis) -> str | None:
        return vis.layer or None

    def get_labels(self, vis: FeatureVis) -> list[str] | None:
        """Class names of the targets (classes only)."""
        if vis.kind != FeatureVisKind.CLASSES:
            return None
        labels = vis.network.labels
        return [str(labels[i]) if i < len(labels) else str(i) for i in vis.filters]

    def get_targets(self, vis: FeatureVis) -> list[int] | None:
        summary = self._summary(vis)
        return summary["targets"] if summary else None

    def get_activations(self, vis: FeatureVis) -> list[float] | None:
        summary = self._summary(vis)
        return summary["activations"] if summary else None

    def get_image_shape(self, vis: FeatureVis) -> list[int] | None:
        """N, H, W, C of the images."""
        summary = self._summary(vis)
        return summary["shape"] if summary else None

    def get_images_url(self, vis: FeatureVis) -> str | None:
        if not self._summary(vis):
            return None
        return reverse("feature-vis-images", args=[vis.pk])

    def get_image_urls(self, vis: FeatureVis) -> list[str] | None:
        summary = self._summary(vis)
        if not summary:
            return None
        return [
            reverse("feature-vis-image", kwargs={"pk": vis.pk, "index": i})
            for i in range(summary["shape"][0])
        ]

    def get_seconds(self, vis: FeatureVis) -> float | None:
        summary = self._summary(vis)
        return summary.get("seconds") if summary else None

    def get_filter_count(self, vis: FeatureVis) -> int | None:
        """How many filters the layer has (classes the output): ``filters`` may be one page."""
        return target_count(vis.network, vis.kind, vis.layer or None)
