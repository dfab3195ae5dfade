from rest_framework import serializers

from backend.datasets.models import Dataset
from datasets.registry import get_dataset


class DatasetSerializer(serializers.ModelSerializer):
    classes = serializers.SerializerMethodField()
    image_shape = serializers.SerializerMethodField()
    splits = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    licence = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    network_count = serializers.SerializerMethodField()

    class Meta:
        model = Dataset
        fields = [
            "name",
            "title",
            "description",
            "classes",
            "image_shape",
            "splits",
            "source",
            "licence",
            "available",
            "network_count",
        ]
        read_only_fields = fields

    def get_classes(self, obj: Dataset) -> list[str]:
        return list(obj.manifest.get("classes", []))

    def get_image_shape(self, obj: Dataset) -> list[int]:
        return list(obj.manifest.get("image_shape", []))

    def get_splits(self, obj: Dataset) -> dict[str, int]:
        return dict(obj.manifest.get("splits", {}))

    def get_source(self, obj: Dataset) -> str:
        return str(obj.manifest.get("source", ""))

    def get_licence(self, obj: Dataset) -> str:
        return str(obj.manifest.get("licence", ""))

    def get_available(self, obj: Dataset) -> bool:
        try:
            return get_dataset(obj.name).available()
        except KeyError:
            return False

    def get_network_count(self, obj: Dataset) -> int:
        """Networks trained on this dataset that the requesting user may explore."""
        from backend.networks.models import Network

        request = self.context.get("request")
        if request is None:
            return obj.networks.filter(public=True).count()
        return Network.objects.visible_to(request.user).filter(dataset=obj).count()


class SampleSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    label = serializers.IntegerField()
    label_name = serializers.CharField()
    image_url = serializers.CharField()
