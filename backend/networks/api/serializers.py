from django.urls import reverse
from rest_framework import serializers

from backend.networks.models import WEIGHT_PARTS, Network


class NetworkSerializer(serializers.ModelSerializer):
    dataset = serializers.SlugRelatedField(slug_field="name", read_only=True)
    layer_count = serializers.SerializerMethodField()
    is_zoo = serializers.BooleanField(read_only=True)

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
        ]
        read_only_fields = fields

    def get_layer_count(self, network: Network) -> int:
        return len(network.layers)


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

    class Meta(NetworkSerializer.Meta):
        fields = [*NetworkSerializer.Meta.fields, "layers", "history"]
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
