from django.urls import reverse
from rest_framework import serializers

from backend.explanations.models import Explanation
from backend.jobs.api.serializers import JobSerializer
from backend.uploads.api.choice import SampleChoiceSerializer
from worker.techniques.attribution.registry import METHOD_NAMES


class ExplanationCreateSerializer(serializers.Serializer):
    network = serializers.IntegerField(help_text="id of a network you may see")
    image = serializers.IntegerField(required=False, help_text="id of one of your images")
    sample = SampleChoiceSerializer(required=False, help_text="or a dataset sample image")
    method = serializers.ChoiceField(choices=METHOD_NAMES)
    target = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="class label or index to explain (default: the predicted class)",
    )
    layer = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Grad-CAM / Grad-CAM++ only: a layer with a spatial output "
        "(default: the last one before flattening)",
    )
    params = serializers.DictField(
        required=False, help_text="method parameters (see /api/attribution-methods/)"
    )

    def validate(self, attrs):
        if ("image" in attrs) == ("sample" in attrs):
            raise serializers.ValidationError("Give either an image id or a dataset sample.")
        return attrs


class TargetSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    label = serializers.CharField()


class ExplanationSerializer(serializers.ModelSerializer):
    """One map or trust check; ``summary`` holds the numbers once the job succeeded."""

    job = JobSerializer(read_only=True)
    image = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    requested_target = serializers.IntegerField(source="target", allow_null=True)
    layer = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    map_url = serializers.SerializerMethodField()
    layer_map_url = serializers.SerializerMethodField()
    randomisation_maps_url = serializers.SerializerMethodField()

    class Meta:
        model = Explanation
        fields = [
            "id",
            "kind",
            "network",
            "image",
            "method",
            "requested_target",
            "target",
            "layer",
            "params",
            "job",
            "summary",
            "map_url",
            "layer_map_url",
            "randomisation_maps_url",
            "created_at",
        ]
        read_only_fields = fields

    def _done(self, explanation: Explanation) -> bool:
        return explanation.result_id is not None and explanation.job.status == "succeeded"

    def _route(self, explanation: Explanation, action: str) -> str:
        prefix = "explanation" if explanation.kind == "map" else "trust-check"
        return reverse(f"{prefix}-{action}", args=[explanation.pk])

    def get_image(self, explanation: Explanation) -> dict:
        image = explanation.image
        return {
            "id": image.pk,
            "url": reverse("image-file", args=[image.pk]),
            "width": image.width,
            "height": image.height,
            "true_label": image.true_label or None,
        }

    def get_target(self, explanation: Explanation) -> dict | None:
        if explanation.target is not None:
            index = explanation.target
        elif self._done(explanation):
            index = explanation.result.target
        else:
            return None
        labels = explanation.network.labels
        return {"index": index, "label": str(labels[index]) if index < len(labels) else str(index)}

    def get_layer(self, explanation: Explanation) -> str | None:
        return explanation.layer or None

    def get_summary(self, explanation: Explanation) -> dict | None:
        return explanation.result.summary if self._done(explanation) else None

    def get_map_url(self, explanation: Explanation) -> str | None:
        return self._route(explanation, "map") if self._done(explanation) else None

    def get_layer_map_url(self, explanation: Explanation) -> str | None:
        if not self._done(explanation) or explanation.kind != "map" or not explanation.layer:
            return None
        return self._route(explanation, "layer-map")

    def get_randomisation_maps_url(self, explanation: Explanation) -> str | None:
        if not self._done(explanation) or explanation.kind != "trust":
            return None
        return self._route(explanation, "randomisation-maps")
