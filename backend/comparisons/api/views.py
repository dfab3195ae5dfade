import numpy as np
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from backend.comparisons import services
from backend.comparisons.api.serializers import (
    ChangedExampleSerializer,
    ComparisonCreateSerializer,
    ComparisonSerializer,
)
from backend.comparisons.models import Comparison, ComparisonKind
from backend.core.scoping import is_id, owned
from backend.core.throttling import JobRateThrottle
from backend.evaluations.api.serializers import sample_image_url
from backend.networks.models import Network


class ComparisonViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Two networks, or two training epochs of one, compared: on the test split of their
    shared dataset (accuracy, per-class recall, the confusion-matrix difference, the images
    they disagree on), or layer by layer (linear CKA of every pair of layers)."""

    serializer_class = ComparisonSerializer
    throttle_classes = [JobRateThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Comparison.objects.none()
        return owned(Comparison.objects.all(), self.request, self.action).select_related(
            "job", "network_a", "network_b", "result"
        )

    @extend_schema(request=ComparisonCreateSerializer, responses={202: ComparisonSerializer})
    def create(self, request, *args, **kwargs):
        payload = ComparisonCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        visible = Network.objects.visible_to(request.user).select_related("dataset")
        network_a = visible.filter(pk=data["network_a"]).first()
        network_b = visible.filter(pk=data["network_b"]).first()
        if network_a is None or network_b is None:
            raise NotFound(f"There is no such network ({'A' if network_a is None else 'B'}).")
        try:
            comparison = services.create_comparison(request.user, network_a, network_b, data)
        except services.RequestInvalid as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        comparison = self.get_queryset().get(pk=comparison.pk)
        return Response(self.get_serializer(comparison).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        parameters=[
            OpenApiParameter("true", int, description="true class index", required=True),
            OpenApiParameter(
                "predicted", int, description="predicted class index", required=True
            ),  # fmt: skip
            OpenApiParameter("limit", int, description="at most 500"),
        ],
        responses=inline_serializer(
            "ChangedExamplePage",
            {
                "count": serializers.IntegerField(),
                "results": ChangedExampleSerializer(many=True),
            },  # fmt: skip
        ),
    )
    @action(detail=True, methods=["get"])
    def examples(self, request, pk=None):
        """The images behind a change in confusion cell (true, predicted): one network gets
        them right and the other puts them in this cell (on the diagonal: exactly one of the
        two is right); the most confident wrong answer first."""
        from worker.techniques.comparison import cell_examples

        comparison = self.get_object()
        if comparison.kind != ComparisonKind.TEST_SPLIT:
            raise ValidationError({"detail": "Only a test-split comparison has examples."})
        if comparison.result is None or comparison.job.status != "succeeded":
            raise Http404("This comparison has no result yet.")
        try:
            pa = np.load(comparison.result.file("probabilities_a.npy"), allow_pickle=False)
            pb = np.load(comparison.result.file("probabilities_b.npy"), allow_pickle=False)
            labels = np.load(comparison.result.file("labels.npy"), allow_pickle=False)
        except FileNotFoundError as exc:
            raise Http404("This result is no longer available.") from exc
        classes = pa.shape[1]
        true = self._int_param("true", 0, classes - 1, required=True)
        predicted = self._int_param("predicted", 0, classes - 1, required=True)
        limit = self._int_param("limit", 1, 500) or 60
        indices = cell_examples(pa, pb, labels, true, predicted)
        dataset = comparison.params["dataset"]
        rows = []
        for i in indices[:limit]:
            a, b = int(np.argmax(pa[i])), int(np.argmax(pb[i]))
            rows.append({
                "index": int(i), "true": int(labels[i]), "predicted_a": a, "predicted_b": b,
                "probability_a": float(pa[i, a]), "probability_b": float(pb[i, b]),
                "right": "a" if a == labels[i] else "b",
                "image_url": sample_image_url(dataset, int(i)),
            })  # fmt: skip
        return Response({"count": int(len(indices)), "results": rows})

    def _int_param(self, name: str, low: int, high: int, required: bool = False) -> int | None:
        value = self.request.query_params.get(name)
        if value in (None, ""):
            if required:
                raise ValidationError({name: "This parameter is required."})
            return None
        if not is_id(value) or not low <= int(value) <= high:
            raise ValidationError({name: f"Give a whole number from {low} to {high}."})
        return int(value)
