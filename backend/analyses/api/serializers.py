from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from backend.analyses.models import Analysis
from backend.jobs.api.serializers import JobSerializer
from backend.uploads.api.choice import SampleChoiceSerializer


class AnalysisCreateSerializer(serializers.Serializer):
    network = serializers.IntegerField(help_text="id of a network you may see")
    image = serializers.IntegerField(required=False, help_text="id of one of your images")
    sample = SampleChoiceSerializer(required=False, help_text="or a dataset sample image")
    epoch = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="for a network with a training history: show it as it was after this "
        "training epoch (1 to its number of epochs; the last is the trained network)",
    )

    def validate(self, attrs):
        if ("image" in attrs) == ("sample" in attrs):
            raise serializers.ValidationError("Give either an image id or a dataset sample.")
        return attrs


class AnalysisImageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()


class NetworkInputSerializer(serializers.Serializer):
    url = serializers.CharField()
    shape = serializers.ListField(child=serializers.IntegerField())


class PredictionSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    label = serializers.CharField()
    probability = serializers.FloatField()  # the network's own softmax
    # the same at the network's fitted temperature (null: not calibrated)
    calibrated = serializers.FloatField(allow_null=True, required=False)


class ConfidenceSerializer(serializers.Serializer):
    """What the top answer's confidence means, from the network's calibration on its test
    images (backend/networks/calibration.py)."""

    temperature = serializers.FloatField()
    confidence = serializers.FloatField()  # the top answer's calibrated probability
    right_in_tests = serializers.FloatField(allow_null=True)  # accuracy at that confidence
    images = serializers.IntegerField()


class OodSerializer(serializers.Serializer):
    """Is the image unlike what the network learned from (backend/networks/ood.py)."""

    method = serializers.CharField(allow_null=True)  # "mahalanobis", "energy"
    score = serializers.FloatField(required=False)
    threshold = serializers.FloatField(allow_null=True, required=False)
    flagged = serializers.BooleanField(allow_null=True)  # null: nothing to compare with
    error = serializers.CharField(required=False)
    # {image_border, training_border, image_background, training_background, opposite}: a light
    # picture for a network trained on dark-background pictures (or the reverse); null without
    # a dataset
    polarity = serializers.JSONField(required=False, allow_null=True)


class TrainedOnSerializer(serializers.Serializer):
    dataset = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    images = serializers.IntegerField()
    image_kind = serializers.CharField(allow_blank=True)


class ModelCardSerializer(serializers.Serializer):
    """What the network knows (backend/networks/model_card.py)."""

    title = serializers.CharField()
    classes = serializers.ListField(child=serializers.CharField())
    class_count = serializers.IntegerField()
    trained_on = TrainedOnSerializer(allow_null=True)
    training_data = serializers.CharField(allow_blank=True)
    input_kind = serializers.CharField(allow_blank=True)
    test_accuracy = serializers.FloatField(allow_null=True)
    sentence = serializers.CharField()
    ood_method = serializers.CharField(allow_null=True)


class ActivationLayerSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.CharField()
    shape = serializers.ListField(child=serializers.IntegerField())
    url = serializers.CharField()


class AnalysisSerializer(serializers.ModelSerializer):
    job = JobSerializer(read_only=True)
    image = serializers.SerializerMethodField()
    true_label = serializers.SerializerMethodField()
    input = serializers.SerializerMethodField()
    activations_url = serializers.SerializerMethodField()
    previews_url = serializers.SerializerMethodField()
    prediction = serializers.SerializerMethodField()
    ood = serializers.SerializerMethodField()
    confidence = serializers.SerializerMethodField()
    model_card = serializers.SerializerMethodField()
    layers = serializers.SerializerMethodField()
    epoch = serializers.SerializerMethodField()
    disk_bytes = serializers.SerializerMethodField()

    class Meta:
        model = Analysis
        fields = [
            "id",
            "network",
            "image",
            "input",
            "true_label",
            "job",
            "epoch",
            "prediction",
            "ood",
            "confidence",
            "model_card",
            "layers",
            "activations_url",
            "disk_bytes",
            "previews_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_epoch(self, analysis: Analysis) -> int | None:
        """The training epoch whose weights were used; null for the trained network."""
        return analysis.epoch or None

    def get_disk_bytes(self, analysis: Analysis) -> int:
        """Bytes kept on disk for this analysed image (its stored layers, probabilities and
        previews; shared with identical analyses); 0 before there is a result."""
        return analysis.result.disk_bytes if analysis.result_id is not None else 0

    def _done(self, analysis: Analysis) -> bool:
        return analysis.result_id is not None and analysis.job.status == "succeeded"

    def get_image(self, analysis: Analysis) -> dict:
        image = analysis.image
        data = {
            "id": image.pk,
            "url": reverse("image-file", args=[image.pk]),
            "width": image.width,
            "height": image.height,
        }
        return AnalysisImageSerializer(data).data

    def get_input(self, analysis: Analysis) -> dict:
        """The preprocessed image the network receives (shape from the network's input spec)."""
        spec = analysis.network.input_spec
        data = {
            "url": reverse("analysis-input", args=[analysis.pk]),
            "shape": [spec["height"], spec["width"], spec["channels"]],
        }
        return NetworkInputSerializer(data).data

    def get_activations_url(self, analysis: Analysis) -> str | None:
        """Every layer in one request (float16 by default): what the explorer loads."""
        if not self._done(analysis):
            return None
        return reverse("analysis-activations", args=[analysis.pk])

    def get_previews_url(self, analysis: Analysis) -> str | None:
        """Small uint8 previews of the layers (?from=&to= picks an index range): what the
        overview of a large network loads."""
        if not self._done(analysis):
            return None
        return reverse("analysis-previews", args=[analysis.pk])

    def get_true_label(self, analysis: Analysis) -> str | None:
        return analysis.image.true_label or None

    @extend_schema_field(OodSerializer(allow_null=True))
    def get_ood(self, analysis: Analysis) -> dict | None:
        """Whether the image is unlike what the network learned from; null before the result
        (or for results computed before the check existed)."""
        if not self._done(analysis) or not analysis.result.ood:
            return None
        return OodSerializer(analysis.result.ood).data

    @extend_schema_field(ModelCardSerializer)
    def get_model_card(self, analysis: Analysis) -> dict:
        from backend.networks.model_card import model_card

        return ModelCardSerializer(model_card(analysis.network)).data

    @extend_schema_field(ConfidenceSerializer(allow_null=True))
    def get_confidence(self, analysis: Analysis) -> dict | None:
        """Null when the network is not calibrated (no test split) or before the result."""
        from backend.networks.calibration import calibrated, said_right

        if not self._done(analysis):
            return None
        network = analysis.network
        values = calibrated(network, analysis.result.probabilities)
        if values is None:
            return None
        top = max(values)
        return ConfidenceSerializer(
            {
                "temperature": network.calibration["temperature"],
                "confidence": top,
                "right_in_tests": said_right(network, top),
                "images": network.calibration["images"],
            }
        ).data

    def get_prediction(self, analysis: Analysis) -> list[dict]:
        from backend.networks.calibration import calibrated

        if not self._done(analysis):
            return []
        labels = analysis.network.labels
        probabilities = analysis.result.probabilities
        adjusted = calibrated(analysis.network, probabilities) or [None] * len(probabilities)
        rows = [
            {
                "index": i,
                "label": labels[i] if i < len(labels) else str(i),
                "probability": p,
                "calibrated": adjusted[i],
            }
            for i, p in enumerate(probabilities)
        ]
        rows.sort(key=lambda row: row["probability"], reverse=True)
        return PredictionSerializer(rows, many=True).data

    def get_layers(self, analysis: Analysis) -> list[dict]:
        if not self._done(analysis):
            return []
        rows = [
            {
                "index": layer["index"],
                "name": layer["name"],
                "type": layer["type"],
                "shape": layer["shape"],
                "url": reverse("analysis-activation", args=[analysis.pk, layer["index"]]),
            }
            for layer in analysis.result.layers
        ]
        return ActivationLayerSerializer(rows, many=True).data


class StorageSerializer(serializers.Serializer):
    disk_bytes = serializers.IntegerField(
        help_text="bytes kept for the distinct results of your analyses"
    )
    quota_bytes = serializers.IntegerField(
        help_text="beyond this, the least recently used results lose their layer files"
    )
    max_age_days = serializers.FloatField(
        help_text="results unused this long lose their layer files (recomputed on request)"
    )
