from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound

from backend.analyses.api.serializers import AnalysisSerializer
from backend.analyses.models import Analysis
from backend.networks.api.serializers import NetworkDetailSerializer
from backend.networks.models import Network
from backend.sharing.models import NOTE_MAX_CHARS, Lesson, LessonStep, ShareLink, ViewKind
from backend.sharing.services import StepInput
from backend.uploads.api.choice import SampleChoiceSerializer, image_from_choice
from backend.uploads.models import UploadedImage

# Views that show one layer, and the layer type some of them need.
LAYER_KINDS = {"layer", "intermediate", "arithmetic", "flatten"}
KIND_LAYER_TYPE = {"intermediate": "Conv2D", "flatten": "Flatten"}


# ---------------------------------------------------------------------------------- lessons


class StepWriteSerializer(serializers.Serializer):
    position = serializers.IntegerField(required=False, min_value=0)
    network = serializers.IntegerField(help_text="id of a network you may see")
    image = serializers.IntegerField(required=False, help_text="id of one of your images")
    sample = SampleChoiceSerializer(required=False, help_text="or a dataset sample image")
    view = serializers.DictField(help_text='{"kind", "layer"?, "method"?, "channel"?}')
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_CHARS, trim_whitespace=False
    )


def _first_error(errors) -> str:
    """The first message of DRF's nested errors, with the field it is about."""
    if isinstance(errors, dict):
        name, value = next(iter(errors.items()))
        message = _first_error(value)
        return message if name == "non_field_errors" else f"{name}: {message}"
    if isinstance(errors, list) and errors:
        return _first_error(errors[0])
    return str(errors)


def clean_view(view: dict, network: Network) -> dict:
    """The step's view, checked against the network; raises ValueError with a sentence."""
    kinds = ", ".join(ViewKind.values)
    kind = view.get("kind")
    if kind not in ViewKind.values:
        raise ValueError(f"the view kind must be one of {kinds}.")
    clean = {"kind": kind}
    layer_name = view.get("layer")
    if layer_name in (None, ""):
        if kind in LAYER_KINDS:
            raise ValueError(f"a “{kind}” view needs a layer.")
    else:
        layer = next((x for x in network.layers if x["name"] == layer_name), None)
        if layer is None:
            raise ValueError(f"the network {network.name} has no layer called “{layer_name}”.")
        needed = KIND_LAYER_TYPE.get(kind)
        if needed and layer["type"] != needed:
            raise ValueError(f"a “{kind}” view needs a {needed} layer; {layer_name} is not one.")
        clean["layer"] = layer_name
        channel = view.get("channel")
        if channel is not None:
            channels = (layer.get("output_shape") or [0])[-1] or 0
            if not isinstance(channel, int) or isinstance(channel, bool) or channel < 0:
                raise ValueError("the channel must be a whole number from 0.")
            if channels and channel >= channels:
                raise ValueError(f"{layer_name} has channels 0 to {channels - 1}.")
            clean["channel"] = channel
    method = view.get("method")
    if method not in (None, ""):
        from worker.techniques.attribution.registry import METHODS  # plain Python: no TensorFlow

        if kind != "explain":
            raise ValueError("only an “explain” view takes an attribution method.")
        if method not in METHODS:
            raise ValueError(f"there is no attribution method “{method}”.")
        clean["method"] = method
    return clean


def validate_steps(owner, rows) -> list[StepInput]:
    """Every step checked before anything is saved; a 400 names the step and the problem."""
    if not isinstance(rows, list):
        raise serializers.ValidationError({"steps": "Give the steps as a list."})
    if len(rows) > 100:
        raise serializers.ValidationError({"steps": "A lesson has at most 100 steps."})
    indexed = []
    for number, row in enumerate(rows, start=1):
        item = StepWriteSerializer(data=row)
        if not item.is_valid():
            raise serializers.ValidationError(
                {"steps": f"Step {number}: {_first_error(item.errors)}"}
            )
        indexed.append((item.validated_data.get("position", number - 1), number, item))
    indexed.sort(key=lambda entry: (entry[0], entry[1]))
    visible = Network.objects.visible_to(owner)
    steps = []
    for _, number, item in indexed:
        data = item.validated_data

        def fail(message: str, number=number):
            raise serializers.ValidationError({"steps": f"Step {number}: {message}"})

        network = visible.filter(pk=data["network"]).first()
        if network is None:
            fail("there is no such network.")
        if ("image" in data) == ("sample" in data):
            fail("give either an image id or a dataset sample.")
        try:
            view = clean_view(data["view"], network)
        except ValueError as exc:
            fail(str(exc))
        if "image" in data:
            image = UploadedImage.objects.filter(owner=owner, pk=data["image"]).first()
            if image is None:
                fail("there is no such image among yours.")
        else:
            try:
                image = image_from_choice(owner, {"sample": data["sample"]})
            except NotFound as exc:
                fail(str(exc.detail)[0].lower() + str(exc.detail)[1:])
        steps.append(StepInput(network=network, image=image, view=view, note=data.get("note", "")))
    return steps


class StepSerializer(serializers.ModelSerializer):
    network_title = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    sample = serializers.SerializerMethodField()
    analysis_status = serializers.SerializerMethodField()

    class Meta:
        model = LessonStep
        fields = [
            "id",
            "position",
            "network",
            "network_title",
            "image",
            "image_url",
            "sample",
            "view",
            "note",
            "analysis",
            "analysis_status",
        ]
        read_only_fields = fields

    def get_network_title(self, step) -> str:
        return step.network.title or step.network.name

    def get_image_url(self, step) -> str:
        return reverse("image-file", args=[step.image_id])

    @extend_schema_field(SampleChoiceSerializer(allow_null=True))
    def get_sample(self, step) -> dict | None:
        if step.image.dataset_name and step.image.sample_index is not None:
            return {"dataset": step.image.dataset_name, "index": step.image.sample_index}
        return None

    def get_analysis_status(self, step) -> str | None:
        return step.analysis.job.status if step.analysis_id else None


class LessonSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True)
    steps = serializers.SerializerMethodField()
    step_count = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = [
            "id",
            "title",
            "description",
            "owner",
            "step_count",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, lesson) -> list[dict]:
        steps = lesson.steps.select_related("network", "image", "analysis__job")
        return StepSerializer(steps, many=True).data

    def get_step_count(self, lesson) -> int:
        return lesson.steps.count()


class LessonWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_CHARS, default=""
    )
    # Checked in validate_steps, which writes one sentence per problem.
    steps = serializers.JSONField(
        required=False,
        help_text="Replaces the steps: [{network, image | sample {dataset, index}, view, note}]",
    )


# ------------------------------------------------------------------------------ share links


class ShareLinkSerializer(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    title = serializers.SerializerMethodField()

    class Meta:
        model = ShareLink
        fields = [
            "id",
            "kind",
            "analysis",
            "lesson",
            "title",
            "status",
            "created_at",
            "expires_at",
            "revoked_at",
            "view_count",
            "last_viewed_at",
        ]
        read_only_fields = fields

    def get_title(self, link) -> str:
        return target_title(link)


class ShareLinkCreatedSerializer(ShareLinkSerializer):
    url = serializers.SerializerMethodField()

    class Meta(ShareLinkSerializer.Meta):
        fields = [*ShareLinkSerializer.Meta.fields, "url"]
        read_only_fields = fields

    def get_url(self, link) -> str:
        """The link itself, shown this once: only its hash is stored."""
        return self.context["request"].build_absolute_uri(f"/s/{self.context['token']}")


class ShareLinkCreateSerializer(serializers.Serializer):
    analysis = serializers.IntegerField(required=False, help_text="id of one of your analyses")
    lesson = serializers.IntegerField(required=False, help_text="or of one of your lessons")
    expires_in_days = serializers.IntegerField(required=False, min_value=1, max_value=365)
    expires_at = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        if ("analysis" in attrs) == ("lesson" in attrs):
            raise serializers.ValidationError("Share either an analysis or a lesson.")
        if "expires_in_days" in attrs and "expires_at" in attrs:
            raise serializers.ValidationError("Give expires_in_days or expires_at, not both.")
        if "expires_at" in attrs and attrs["expires_at"] <= timezone.now():
            raise serializers.ValidationError({"expires_at": "Choose a time in the future."})
        return attrs


def target_title(link: ShareLink) -> str:
    if link.lesson_id:
        return link.lesson.title
    return analysis_title(link.analysis)


def analysis_title(analysis: Analysis) -> str:
    network = analysis.network.title or analysis.network.name
    image = analysis.image
    if image.dataset_name and image.sample_index is not None:
        return f"{network} on {image.dataset_name} sample {image.sample_index}"
    return f"{network} on an uploaded image"


# ------------------------------------------------------------------- what a visitor receives


def shared_url(token: str, url: str | None) -> str | None:
    """An API URL of the owner's (/api/…) as the same resource under the share's prefix."""
    if url is None:
        return None
    assert url.startswith("/api/")
    return f"/api/shared/{token}/{url[len('/api/') :]}"


class SharedJobSerializer(serializers.Serializer):
    status = serializers.CharField()
    progress = serializers.FloatField()
    message = serializers.CharField(allow_blank=True)


class SharedAnalysisSerializer(AnalysisSerializer):
    """The analysis payload with every URL under /api/shared/<token>/, and nothing about the
    owner's other objects (the job is reduced to its status)."""

    job = serializers.SerializerMethodField()
    network_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta(AnalysisSerializer.Meta):
        fields = [*AnalysisSerializer.Meta.fields, "network_url", "url"]
        read_only_fields = fields

    @property
    def token(self) -> str:
        return self.context["token"]

    @extend_schema_field(SharedJobSerializer)
    def get_job(self, analysis) -> dict:
        job = analysis.job
        return {"status": job.status, "progress": job.progress, "message": job.message}

    def get_url(self, analysis) -> str:
        return reverse("shared-analysis", args=[self.token, analysis.pk])

    def get_network_url(self, analysis) -> str:
        return reverse("shared-network", args=[self.token, analysis.network_id])

    def get_image(self, analysis) -> dict:
        data = super().get_image(analysis)
        return {**data, "url": reverse("shared-analysis-image", args=[self.token, analysis.pk])}

    def get_input(self, analysis) -> dict:
        data = super().get_input(analysis)
        return {**data, "url": shared_url(self.token, data["url"])}

    def get_activations_url(self, analysis) -> str | None:
        return shared_url(self.token, super().get_activations_url(analysis))

    def get_previews_url(self, analysis) -> str | None:
        return shared_url(self.token, super().get_previews_url(analysis))

    def get_layers(self, analysis) -> list[dict]:
        return [
            {**layer, "url": shared_url(self.token, layer["url"])}
            for layer in super().get_layers(analysis)
        ]


class SharedNetworkSerializer(NetworkDetailSerializer):
    def get_layers(self, network) -> list[dict]:
        token = self.context["token"]
        layers = []
        for layer in super().get_layers(network):
            layer = dict(layer)
            layer["kernel_url"] = shared_url(token, layer["kernel_url"])
            layer["bias_url"] = shared_url(token, layer["bias_url"])
            layer["weight_urls"] = {
                part: shared_url(token, url) for part, url in layer["weight_urls"].items()
            }
            layers.append(layer)
        return layers
