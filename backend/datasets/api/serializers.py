from rest_framework import serializers

from backend.datasets.models import Dataset
from backend.jobs.api.serializers import JobSerializer
from datasets.registry import get_dataset


class DatasetSerializer(serializers.ModelSerializer):
    classes = serializers.SerializerMethodField()
    image_shape = serializers.SerializerMethodField()
    splits = serializers.SerializerMethodField()
    source = serializers.SerializerMethodField()
    licence = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    network_count = serializers.SerializerMethodField()
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    can_delete = serializers.SerializerMethodField()

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
            "builtin",
            "public",
            "owner",
            "can_delete",
        ]
        read_only_fields = fields

    def get_can_delete(self, obj: Dataset) -> bool:
        from backend.core.roles import is_admin

        request = self.context.get("request")
        if request is None or obj.builtin:
            return False
        return obj.owner_id == request.user.pk or is_admin(request.user)

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
        request = self.context.get("request")
        if request is None:
            return obj.networks.filter(public=True).count()
        return obj.networks.visible_to(request.user).count()


class SampleSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    label = serializers.IntegerField()
    label_name = serializers.CharField()
    image_url = serializers.CharField()


class DatasetRegistrationCreateSerializer(serializers.Serializer):
    """The multipart form of POST /api/datasets/ (the zip is read by the view)."""

    file = serializers.FileField(
        help_text="A zip of class folders (class_name/*.png|jpg|…), optionally inside "
        "train/ and test/ folders."
    )
    name = serializers.SlugField(max_length=64, help_text="Letters, digits, '-' and '_'.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    test_fraction = serializers.FloatField(
        default=0.2, min_value=0.05, max_value=0.5,
        help_text="Share of each class held out for testing (ignored with train/ and test/).",
    )  # fmt: skip
    image_size = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text="HxW to resize every image to, e.g. 64x64 (default: the most common size).",
    )  # fmt: skip
    channels = serializers.ChoiceField(
        choices=[1, 3], required=False, allow_null=True, default=None,
        help_text="1 (greyscale) or 3 (RGB); default: RGB if any image has colour.",
    )  # fmt: skip
    public = serializers.BooleanField(default=False, help_text="Administrators only.")

    def validate_image_size(self, value: str):
        import re

        if not value.strip():
            return None
        match = re.fullmatch(r"\s*(\d+)\s*[xX×,]\s*(\d+)\s*", value)
        if not match:
            raise serializers.ValidationError("Write the size as HxW, e.g. 64x64.")
        height, width = int(match.group(1)), int(match.group(2))
        if not (4 <= height <= 512 and 4 <= width <= 512):
            raise serializers.ValidationError("Each side must be between 4 and 512 pixels.")
        return [height, width]


class DatasetRegistrationSerializer(serializers.Serializer):
    """What POST /api/datasets/ answers (202): the request and its job to poll."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    job = JobSerializer(read_only=True)
