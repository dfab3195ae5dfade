from django.urls import reverse
from rest_framework import serializers

from backend.jobs.api.serializers import JobSerializer
from backend.networks.models import WEIGHT_PARTS, Network
from worker.inputs.input_spec import PRESETS


class NetworkSerializer(serializers.ModelSerializer):
    dataset = serializers.SlugRelatedField(slug_field="name", read_only=True, allow_null=True)
    layer_count = serializers.SerializerMethodField()
    is_zoo = serializers.BooleanField(read_only=True)
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    can_delete = serializers.SerializerMethodField()

    class Meta:
        model = Network
        fields = [
            "id",
            "name",
            "version",
            "title",
            "description",
            "dataset",
            "labels",
            "input_spec",
            "test_accuracy",
            "params",
            "layer_count",
            "is_zoo",
            "public",
            "owner",
            "can_delete",
        ]
        read_only_fields = fields

    def get_layer_count(self, network: Network) -> int:
        return len(network.layers)

    def get_can_delete(self, network: Network) -> bool:
        """Whether the requesting user may delete it (their own upload, or an admin)."""
        from backend.core.roles import is_admin

        request = self.context.get("request")
        if request is None or network.is_zoo:
            return False
        return network.owner_id == request.user.pk or is_admin(request.user)


class LayerSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    name = serializers.CharField()
    type = serializers.CharField()
    input_shape = serializers.JSONField()
    output_shape = serializers.JSONField()
    params = serializers.IntegerField()
    inbound = serializers.ListField(child=serializers.CharField(), required=False)
    config = serializers.DictField()
    kernel_url = serializers.CharField(allow_null=True)
    bias_url = serializers.CharField(allow_null=True)
    weight_urls = serializers.DictField(
        child=serializers.CharField(),
        help_text="Every stored weight of the layer by name (kernel, bias, gamma, beta, "
        "moving_mean, moving_variance) → its .npy URL.",
    )


class NetworkDetailSerializer(NetworkSerializer):
    layers = serializers.SerializerMethodField()
    history = serializers.JSONField(read_only=True)
    checkpoint_epochs = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="Training epochs whose weights were saved: analyses and layer weights "
        'take ?epoch / "epoch" from these (the last is the trained network).',
    )
    calibration = serializers.JSONField(
        read_only=True,
        help_text="Its temperature and the reliability of its confidence before and after "
        "({temperature, images, before: {bins, ece, accuracy}, after}); {} when not fitted.",
    )
    ood = serializers.JSONField(
        read_only=True,
        help_text="How its out-of-distribution check was fitted ({method, threshold, layers, "
        "train_images, test_images, pass_rate}); {} until it is.",
    )

    class Meta(NetworkSerializer.Meta):
        fields = [
            *NetworkSerializer.Meta.fields,
            "layers",
            "history",
            "checkpoint_epochs",
            "calibration",
            "ood",
        ]
        read_only_fields = fields

    def get_layers(self, network: Network) -> list[dict]:
        layers = []
        for layer in network.layers:
            weights = layer.get("weights") or {}

            def url(part: str, layer=layer, weights=weights) -> str | None:
                if not weights.get(part):
                    return None
                return reverse(
                    "network-layer-weights",
                    kwargs={"pk": network.pk, "index": layer["index"], "part": part},
                )

            layers.append(
                {
                    "index": layer["index"],
                    "name": layer["name"],
                    "type": layer["type"],
                    "input_shape": layer.get("input_shape"),
                    "output_shape": layer.get("output_shape"),
                    "params": layer.get("params", 0),
                    "inbound": layer.get("inbound", []),
                    "config": layer.get("config", {}),
                    "kernel_url": url("kernel"),
                    "bias_url": url("bias"),
                    "weight_urls": {part: url(part) for part in WEIGHT_PARTS if weights.get(part)},
                }
            )
        return LayerSerializer(layers, many=True).data


def _floats(text: str, what: str) -> list[float]:
    try:
        values = [float(part) for part in str(text).replace(";", ",").split(",") if part.strip()]
    except ValueError:
        raise serializers.ValidationError(
            f"The {what} must be numbers separated by commas, e.g. 0.5 or 0.485, 0.456, 0.406."
        ) from None
    if not values:
        raise serializers.ValidationError(f"Give at least one {what} value.")
    return values


class NetworkRegistrationCreateSerializer(serializers.Serializer):
    """The multipart form of POST /api/networks/ (the model file is read by the view)."""

    file = serializers.FileField(
        required=False, help_text="A Keras model: .keras (or legacy .h5). Or send `upload`."
    )
    upload = serializers.UUIDField(
        required=False,
        help_text="The id of a completed chunked upload (/api/uploads/model-chunks/), "
        "instead of `file`.",
    )
    name = serializers.SlugField(max_length=100, help_text="Letters, digits, '-' and '_'.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    training_data = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="",
        help_text="What it was trained on, in plain words (its model card shows it).",
    )  # fmt: skip
    labels = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text="Class names: a JSON list, or one per line (or send labels_file).",
    )  # fmt: skip
    labels_file = serializers.FileField(required=False, help_text="A JSON list or one per line.")
    input_height = serializers.IntegerField(required=False, min_value=1, max_value=4096)
    input_width = serializers.IntegerField(required=False, min_value=1, max_value=4096)
    channels = serializers.ChoiceField(choices=[1, 3], required=False)
    scale = serializers.FloatField(default=1 / 255, help_text="Each pixel (0..255) × scale.")
    mean = serializers.CharField(default="0", help_text="1 or `channels` comma-separated values")
    std = serializers.CharField(default="1", help_text="1 or `channels` comma-separated values")
    resize = serializers.ChoiceField(choices=["stretch", "center-crop"], default="stretch")
    channel_order = serializers.ChoiceField(choices=["rgb", "bgr"], default="rgb")
    preprocessing = serializers.ChoiceField(
        choices=["", *PRESETS],
        required=False,
        allow_blank=True,
        default="",
        help_text="A keras.applications convention, instead of scale/mean/std/channel_order: "
        "tf ([-1, 1]), torch (ImageNet mean/std), caffe (BGR minus ImageNet means).",
    )
    dataset = serializers.CharField(required=False, allow_blank=True, default="")
    public = serializers.BooleanField(default=False, help_text="Administrators only.")

    def validate_mean(self, value: str) -> list[float]:
        return _floats(value, "mean")

    def validate_std(self, value: str) -> list[float]:
        values = _floats(value, "standard deviation")
        if any(v <= 0 for v in values):
            raise serializers.ValidationError("Every standard deviation must be above zero.")
        return values

    def validate_labels_file(self, upload):
        if upload.size > 1024 * 1024:
            raise serializers.ValidationError("The labels file must be under 1 MB.")
        return upload

    def validate(self, data: dict) -> dict:
        from backend.networks.registration import RegistrationError, parse_labels

        if ("file" in data) == ("upload" in data):
            raise serializers.ValidationError(
                {"file": ["Send the model file, or the id of a completed upload (not both)."]}
            )
        preset = data.get("preprocessing")
        if preset:
            if data.get("channels", 3) != 3:
                raise serializers.ValidationError(
                    {"preprocessing": ["The presets are for RGB (3-channel) networks."]}
                )
            data["channels"] = 3
            data.update({key: list(value) if isinstance(value, tuple) else value
                         for key, value in PRESETS[preset].items()})  # fmt: skip
        if data["channel_order"] == "bgr" and data.get("channels", 3) != 3:
            raise serializers.ValidationError(
                {"channel_order": ["BGR order needs a 3-channel network."]}
            )
        if ("input_height" in data) != ("input_width" in data):
            raise serializers.ValidationError(
                {"input_height": ["Give both the input height and width, or neither."]}
            )
        channels = data.get("channels")
        for key in ("mean", "std"):
            if len(data[key]) != 1 and (channels is None or len(data[key]) != channels):
                raise serializers.ValidationError(
                    {key: [f"Give 1 value, or one per channel ({channels or 'set channels'})."]}
                )
        if data["scale"] <= 0:
            raise serializers.ValidationError({"scale": ["The scale must be above zero."]})
        text = data.get("labels") or ""
        upload = data.get("labels_file")
        data["labels_source"] = "typed"
        if upload is not None:
            data["labels_source"] = "file"
            try:
                text = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise serializers.ValidationError(
                    {"labels_file": ["The labels file must be UTF-8 text."]}
                ) from None
        try:
            data["label_list"] = parse_labels(text, data["labels_source"]) if text.strip() else None
        except RegistrationError as exc:
            raise serializers.ValidationError({"labels": [str(exc)]}) from exc
        return data


class NetworkDatasetLinkSerializer(serializers.Serializer):
    """PATCH /api/networks/{id}/: the dataset to link (its name), or null to unlink."""

    dataset = serializers.CharField(allow_null=True, allow_blank=True, max_length=100)


class NetworkRegistrationSerializer(serializers.Serializer):
    """What POST /api/networks/ answers (202): the request and its job to poll."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    job = JobSerializer(read_only=True)
