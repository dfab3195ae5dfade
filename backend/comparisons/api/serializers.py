from rest_framework import serializers

from backend.comparisons.models import Comparison, ComparisonKind
from backend.evaluations.api.serializers import sample_image_url
from backend.jobs.api.serializers import JobSerializer


class ComparisonCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=ComparisonKind.choices,
        default=ComparisonKind.LAYER_SIMILARITY,
        help_text="test-split: answers on the shared test split; layer-similarity: linear CKA "
        "of every layer of A against every layer of B",
    )
    network_a = serializers.IntegerField(help_text="id of a network you may see")
    network_b = serializers.IntegerField(help_text="id of a network you may see (may be A)")
    epoch_a = serializers.IntegerField(
        required=False, allow_null=True, min_value=1,
        help_text="a training epoch of A (its checkpoint); omitted: the trained network",
    )  # fmt: skip
    epoch_b = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    images = serializers.IntegerField(
        required=False, min_value=10, max_value=10000, default=1000,
        help_text="layer similarity: a seeded sample of this many test images of A's dataset",
    )  # fmt: skip
    layers_a = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="default: every layer"
    )
    layers_b = serializers.ListField(child=serializers.CharField(), required=False)


class ComparisonSerializer(serializers.ModelSerializer):
    """A comparison; ``summary`` holds its numbers once the job succeeded (image addresses
    filled in for the disagreements)."""

    job = JobSerializer(read_only=True)
    dataset = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()

    class Meta:
        model = Comparison
        fields = ["id", "kind", "network_a", "network_b", "epoch_a", "epoch_b", "dataset",
                  "params", "job", "summary", "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_dataset(self, comparison: Comparison) -> str:
        return comparison.params.get("dataset", "")

    def get_summary(self, comparison: Comparison) -> dict | None:
        if comparison.result_id is None or comparison.job.status != "succeeded":
            return None
        summary = dict(comparison.result.summary)
        dataset = self.get_dataset(comparison)
        if "disagreements" in summary:
            summary["disagreements"] = [
                {**row, "image_url": sample_image_url(dataset, row["index"])}
                for row in summary["disagreements"]
            ]
        return summary


class ChangedExampleSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    true = serializers.IntegerField()
    predicted_a = serializers.IntegerField()
    predicted_b = serializers.IntegerField()
    probability_a = serializers.FloatField()
    probability_b = serializers.FloatField()
    right = serializers.ChoiceField(choices=["a", "b"], help_text="the network that is right")
    image_url = serializers.CharField()
