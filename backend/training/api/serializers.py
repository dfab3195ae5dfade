from rest_framework import serializers

from backend.jobs.api.serializers import JobSerializer
from backend.training import services
from backend.training.models import TrainingRun


class RecipeCheckSerializer(serializers.Serializer):
    dataset = serializers.CharField(help_text="a built-in dataset, e.g. fashion-mnist")
    layers = serializers.JSONField(
        help_text="the layer stack, first layer first: [{type: conv, filters, kernel, stride, "
        "padding, activation}, {type: max_pool, pool, stride, padding}, {type: flatten}, …]; "
        "the output layer (one unit per class, softmax) is added after it"
    )
    epochs = serializers.IntegerField(min_value=1, max_value=services.MAX_EPOCHS, default=2)
    batch_size = serializers.IntegerField(min_value=8, max_value=512, default=64)
    images = serializers.IntegerField(
        min_value=services.MIN_IMAGES,
        max_value=1_000_000,
        default=services.DEFAULT_IMAGES,
        help_text="training images: a subset chosen by the seed",
    )


class TrainingRunCreateSerializer(RecipeCheckSerializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    learning_rate = serializers.FloatField(min_value=1e-5, max_value=1.0, default=1e-3)
    seed = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)


class RecipeRowSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.CharField()
    output_shape = serializers.ListField(child=serializers.IntegerField())
    params = serializers.IntegerField()


class ProblemSerializer(serializers.Serializer):
    layer = serializers.IntegerField(allow_null=True, help_text="1-based; null: the whole stack")
    message = serializers.CharField()


class RecipeCheckResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    rows = RecipeRowSerializer(many=True)
    problems = ProblemSerializer(many=True)
    params = serializers.IntegerField()
    macs = serializers.IntegerField(help_text="multiply-adds of one image, forward")
    activations = serializers.IntegerField()
    input_shape = serializers.ListField(child=serializers.IntegerField())
    classes = serializers.IntegerField()
    train_images = serializers.IntegerField()
    images = serializers.IntegerField()
    estimated_seconds = serializers.FloatField(allow_null=True)
    time_limit_seconds = serializers.FloatField()
    quota = serializers.DictField()


class TrainingRunSerializer(serializers.ModelSerializer):
    """A run: its request, the curves' points so far (``history``), its job and, once done,
    the network it made."""

    job = JobSerializer(read_only=True)
    dataset = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = TrainingRun
        fields = [
            "id",
            "title",
            "dataset",
            "recipe",
            "epochs",
            "batch_size",
            "learning_rate",
            "images",
            "seed",
            "params",
            "estimated_seconds",
            "seconds_used",
            "history",
            "job",
            "network",
            "created_at",
        ]
        read_only_fields = fields
