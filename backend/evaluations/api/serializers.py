from django.urls import reverse
from rest_framework import serializers

from backend.evaluations.models import DatasetView
from backend.jobs.api.serializers import JobSerializer


class EvaluationCreateSerializer(serializers.Serializer):
    network = serializers.IntegerField(help_text="id of a network you may see")


class EmbeddingCreateSerializer(serializers.Serializer):
    network = serializers.IntegerField(help_text="id of a network you may see")
    method = serializers.ChoiceField(choices=["tsne", "umap", "pca"])
    layer = serializers.CharField(
        required=False, allow_blank=True, help_text="default: the penultimate layer"
    )
    params = serializers.DictField(required=False)
    subset = serializers.IntegerField(
        required=False, allow_null=True, min_value=10,
        help_text="a seeded random sample of this many test images (default: all)",
    )  # fmt: skip


class TopActivationsCreateSerializer(serializers.Serializer):
    network = serializers.IntegerField(help_text="id of a network you may see")
    layer = serializers.CharField(help_text="a layer with a spatial H×W×C output")
    k = serializers.IntegerField(required=False, min_value=1, max_value=64, default=9)


class FilterRankingCreateSerializer(serializers.Serializer):
    network = serializers.IntegerField(help_text="id of a network you may see")
    layer = serializers.CharField(help_text="a Conv2D layer")
    subset = serializers.IntegerField(
        required=False, min_value=10, max_value=10000, default=1000,
        help_text="test images (a seeded sample) the ablation accuracy is measured on",
    )  # fmt: skip


def sample_image_url(dataset: str, index: int) -> str:
    return reverse("dataset-sample-image", kwargs={"name": dataset, "index": index})


class DatasetViewSerializer(serializers.ModelSerializer):
    """Any dataset-level view; ``summary`` holds its numbers once the job succeeded."""

    job = JobSerializer(read_only=True)
    dataset = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()

    class Meta:
        model = DatasetView
        fields = ["id", "kind", "network", "dataset", "params", "job", "summary", "created_at"]
        read_only_fields = fields

    def done(self, view: DatasetView) -> bool:
        return view.result_id is not None and view.job.status == "succeeded"

    def get_dataset(self, view: DatasetView) -> str | None:
        return view.network.dataset.name if view.network.dataset else None

    def get_summary(self, view: DatasetView) -> dict | None:
        if not self.done(view):
            return None
        summary = view.result.summary
        if view.kind == "top-activations":  # every example gets its picture's address
            dataset = self.get_dataset(view)
            for row in summary.get("filters", []):
                for example in row["examples"]:
                    example["image_url"] = sample_image_url(dataset, example["index"])
        return summary


class EmbeddingSerializer(DatasetViewSerializer):
    layer = serializers.SerializerMethodField()
    method = serializers.SerializerMethodField()
    subset = serializers.SerializerMethodField()
    coords_url = serializers.SerializerMethodField()
    points_url = serializers.SerializerMethodField()

    class Meta(DatasetViewSerializer.Meta):
        fields = [*DatasetViewSerializer.Meta.fields, "layer", "method", "subset",
                  "coords_url", "points_url"]  # fmt: skip
        read_only_fields = fields

    def get_layer(self, view: DatasetView) -> str:
        return view.params.get("layer", "")

    def get_method(self, view: DatasetView) -> str:
        return view.params.get("method", "")

    def get_subset(self, view: DatasetView) -> int | None:
        return view.params.get("subset")

    def get_coords_url(self, view: DatasetView) -> str | None:
        return reverse("embedding-coords", args=[view.pk]) if self.done(view) else None

    def get_points_url(self, view: DatasetView) -> str | None:
        return reverse("embedding-points", args=[view.pk]) if self.done(view) else None


class ExampleSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    true = serializers.IntegerField()
    predicted = serializers.IntegerField()
    probability = serializers.FloatField()
    # null when the image's class is none of the network's ("true" is then -1)
    true_probability = serializers.FloatField(allow_null=True)
    image_url = serializers.CharField()


class ExampleDetailSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    true = serializers.IntegerField()
    predicted = serializers.IntegerField()
    probabilities = serializers.ListField(child=serializers.FloatField())
    image_url = serializers.CharField()
