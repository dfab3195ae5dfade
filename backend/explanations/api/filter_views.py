"""What made each filter fire: per-filter guided backpropagation and gradient of one conv
layer for an analysis's image (``POST`` answers 202 with a job; ``guided/`` and ``gradient/``
give the k×H×W arrays)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from backend.analyses.models import Analysis
from backend.core.scoping import owned
from backend.core.throttling import JobRateThrottle
from backend.explanations import filter_services
from backend.explanations.api.views import DTYPE_PARAMETER, NPY_RESPONSE, stored_array_response
from backend.explanations.models import FilterAttribution
from backend.jobs.api.serializers import JobSerializer
from worker.techniques.attribution.filters import GRADIENT_FILE, GUIDED_FILE


class FilterAttributionCreateSerializer(serializers.Serializer):
    analysis = serializers.IntegerField(help_text="id of one of your analyses (its image)")
    layer = serializers.CharField(help_text="a convolutional layer of the analysis's network")
    rule = serializers.ChoiceField(
        choices=filter_services.RULES,
        default="max",
        help_text="what each filter's map is reduced to before it is explained: its spatial "
        "maximum or its sum",
    )


class FilterAttributionSerializer(serializers.ModelSerializer):
    """One request; ``summary`` (per-filter values, shape, colour ranges) once it succeeded."""

    job = JobSerializer(read_only=True)
    network = serializers.IntegerField(source="analysis.network_id")
    summary = serializers.SerializerMethodField()
    guided_url = serializers.SerializerMethodField()
    gradient_url = serializers.SerializerMethodField()

    class Meta:
        model = FilterAttribution
        fields = ["id", "analysis", "network", "layer", "rule", "job", "summary",
                  "guided_url", "gradient_url", "created_at"]  # fmt: skip
        read_only_fields = fields

    def _done(self, request: FilterAttribution) -> bool:
        return request.result_id is not None and request.job.status == "succeeded"

    def get_summary(self, request: FilterAttribution) -> dict | None:
        return request.result.summary if self._done(request) else None

    def get_guided_url(self, request: FilterAttribution) -> str | None:
        done = self._done(request)
        return reverse("filter-attribution-guided", args=[request.pk]) if done else None

    def get_gradient_url(self, request: FilterAttribution) -> str | None:
        done = self._done(request)
        return reverse("filter-attribution-gradient", args=[request.pk]) if done else None


class FilterAttributionViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """What made each filter of a conv layer fire on your image: for every filter, the
    guided backpropagation of its activation (spatial maximum or sum) to the input pixels, and
    the plain gradient. One job computes all filters of the layer; identical requests reuse it."""

    serializer_class = FilterAttributionSerializer
    throttle_classes = [JobRateThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return FilterAttribution.objects.none()
        queryset = owned(FilterAttribution.objects.all(), self.request, self.action)
        return queryset.select_related("job", "analysis", "result")

    @extend_schema(
        request=FilterAttributionCreateSerializer, responses={202: FilterAttributionSerializer}
    )
    def create(self, request, *args, **kwargs):
        payload = FilterAttributionCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        analyses = owned(Analysis.objects.select_related("network", "image"), request, "create")
        analysis = analyses.filter(pk=data["analysis"]).first()
        if analysis is None:
            raise NotFound("There is no such analysis.")
        try:
            made = filter_services.create_filter_attribution(
                request.user, analysis, data["layer"], data["rule"]
            )
        except filter_services.RequestInvalid as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        made = self.get_queryset().get(pk=made.pk)
        return Response(FilterAttributionSerializer(made).data, status=status.HTTP_202_ACCEPTED)

    def _array(self, request, filename: str):
        return stored_array_response(request, self.get_object(), filename, "float16")

    @extend_schema(
        parameters=[DTYPE_PARAMETER],
        responses=NPY_RESPONSE,
        description="k×H×W: per filter, |guided backpropagation| at input resolution "
        "(largest over colour channels); float16 unless dtype=float32.",
    )
    @action(detail=True, methods=["get"], url_path="guided", url_name="guided")
    def guided(self, request, pk=None):
        return self._array(request, GUIDED_FILE)

    @extend_schema(
        parameters=[DTYPE_PARAMETER],
        responses=NPY_RESPONSE,
        description="k×H×W: per filter, the signed plain gradient at input resolution (the "
        "colour channel with the largest magnitude); float16 unless dtype=float32.",
    )
    @action(detail=True, methods=["get"], url_path="gradient", url_name="gradient")
    def gradient(self, request, pk=None):
        return self._array(request, GRADIENT_FILE)
