import numpy as np
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from backend.core.files import npy_response
from backend.core.scoping import is_id, owned
from backend.core.throttling import JobRateThrottle
from backend.evaluations import services
from backend.evaluations.api.serializers import (
    DatasetViewSerializer,
    EmbeddingCreateSerializer,
    EmbeddingSerializer,
    EvaluationCreateSerializer,
    ExampleDetailSerializer,
    ExampleSerializer,
    FilterRankingCreateSerializer,
    TopActivationsCreateSerializer,
    sample_image_url,
)
from backend.evaluations.models import DatasetView, DatasetViewKind
from backend.networks.models import Network

NPY_RESPONSE = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


class _DatasetViewSetBase(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    kind: str = DatasetViewKind.EVALUATION
    create_serializer = EvaluationCreateSerializer
    serializer_class = DatasetViewSerializer
    throttle_classes = [JobRateThrottle]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return DatasetView.objects.none()
        queryset = owned(DatasetView.objects.filter(kind=self.kind), self.request, self.action)
        network = self.request.query_params.get("network")
        if network is not None:
            if not is_id(network):
                raise ValidationError({"network": "Give a numeric id."})
            queryset = queryset.filter(network_id=int(network))
        return queryset.select_related("job", "network", "network__dataset", "result")

    def create(self, request, *args, **kwargs):
        payload = self.create_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        network = Network.objects.visible_to(request.user).filter(pk=data["network"]).first()
        if network is None:
            raise NotFound("There is no such network.")
        try:
            view = services.create_dataset_view(request.user, network, self.kind, data)
        except services.RequestInvalid as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        view = self.get_queryset().get(pk=view.pk)
        return Response(self.get_serializer(view).data, status=status.HTTP_202_ACCEPTED)

    def _result_file(self, name: str):
        view = self.get_object()
        if view.result is None or view.job.status != "succeeded":
            raise Http404("This request has no result yet.")
        path = view.result.file(name)
        if not path.is_file():
            raise Http404("This result is no longer available.")
        return view, np.load(path, allow_pickle=False)


class EvaluationViewSet(_DatasetViewSetBase):
    """A network on its dataset's test split: accuracy, per-class precision and recall, the
    confusion matrix (rows true, columns predicted), and the examples behind every cell."""

    kind = DatasetViewKind.EVALUATION
    create_serializer = EvaluationCreateSerializer

    @extend_schema(request=EvaluationCreateSerializer, responses={202: DatasetViewSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(
        parameters=[
            OpenApiParameter("true", int, description="true class index"),
            OpenApiParameter("predicted", int, description="predicted class index"),
            OpenApiParameter("misclassified", bool),
            OpenApiParameter("offset", int),
            OpenApiParameter("limit", int, description="at most 500"),
        ],
        responses=inline_serializer(
            "ExamplePage",
            {"count": serializers.IntegerField(), "results": ExampleSerializer(many=True)},
        ),
    )
    @action(detail=True, methods=["get"])
    def examples(self, request, pk=None):
        """Test images, filtered by true and predicted class; most confident first."""
        view, probabilities = self._result_file("probabilities.npy")
        truth = np.load(view.result.file("labels.npy"))
        predicted = np.load(view.result.file("predictions.npy"))
        keep = np.ones(len(truth), bool)
        classes = probabilities.shape[1]
        for name, values in (("true", truth), ("predicted", predicted)):
            wanted = self._int_param(name, 0, classes - 1)
            if wanted is not None:
                keep &= values == wanted
        if request.query_params.get("misclassified") in ("1", "true"):
            keep &= (truth != predicted) & (truth >= 0)  # -1: no class of this network
        offset = self._int_param("offset", 0, None) or 0
        limit = self._int_param("limit", 1, 500) or 60
        indices = np.flatnonzero(keep)
        confidence = probabilities[indices, predicted[indices]]
        order = indices[np.argsort(-confidence, kind="stable")][offset : offset + limit]
        dataset = view.network.dataset.name
        rows = [
            {
                "index": int(i),
                "true": int(truth[i]),
                "predicted": int(predicted[i]),
                "probability": float(probabilities[i, predicted[i]]),
                "true_probability": float(probabilities[i, truth[i]]) if truth[i] >= 0 else None,
                "image_url": sample_image_url(dataset, int(i)),
            }
            for i in order
        ]
        return Response({"count": int(len(indices)), "results": rows})

    @extend_schema(operation_id="evaluations_example_retrieve", responses=ExampleDetailSerializer)
    @action(detail=True, methods=["get"], url_path=r"examples/(?P<index>\d+)", url_name="example")
    def example(self, request, pk=None, index=None):
        """One test image: its true and predicted class and the full softmax distribution."""
        view, probabilities = self._result_file("probabilities.npy")
        i = int(index)
        if i >= len(probabilities):
            raise Http404("There is no such test image.")
        truth = np.load(view.result.file("labels.npy"))
        return Response(
            {
                "index": i,
                "true": int(truth[i]),
                "predicted": int(np.argmax(probabilities[i])),
                "probabilities": [float(p) for p in probabilities[i]],
                "image_url": sample_image_url(view.network.dataset.name, i),
            }
        )

    def _int_param(self, name: str, low: int, high: int | None) -> int | None:
        value = self.request.query_params.get(name)
        if value in (None, ""):
            return None
        if not is_id(value) or int(value) < low or (high is not None and int(value) > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise ValidationError({name: f"Give a whole number {bounds}."})
        return int(value)


class EmbeddingViewSet(_DatasetViewSetBase):
    """A 2-D map of the test images from one layer's outputs (t-SNE, UMAP or PCA): nearby
    points are images the layer sees as alike."""

    kind = DatasetViewKind.EMBEDDING
    create_serializer = EmbeddingCreateSerializer
    serializer_class = EmbeddingSerializer

    @extend_schema(request=EmbeddingCreateSerializer, responses={202: EmbeddingSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)

    @extend_schema(responses=NPY_RESPONSE, description="N×2 float32 coordinates (.npy).")
    @action(detail=True, methods=["get"])
    def coords(self, request, pk=None):
        return npy_response(self._result_file("coords.npy")[1].astype("<f4"))

    @extend_schema(
        responses=NPY_RESPONSE,
        description="N×3 int32 (.npy): dataset index, true class, predicted class per point.",
    )
    @action(detail=True, methods=["get"])
    def points(self, request, pk=None):
        return npy_response(self._result_file("points.npy")[1].astype("<i4"))


class TopActivationsViewSet(_DatasetViewSetBase):
    """For each filter of a layer, the test images that activate it most, with the
    receptive field of the strongest position."""

    kind = DatasetViewKind.TOP_ACTIVATIONS
    create_serializer = TopActivationsCreateSerializer

    @extend_schema(request=TopActivationsCreateSerializer, responses={202: DatasetViewSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class FilterRankingViewSet(_DatasetViewSetBase):
    """The filters of one convolution layer ranked three ways: kernel weight norm, mean
    activation over a seeded sample of test images (never active = dead), and ablation (the
    drop in test accuracy on a seeded subset when the filter is switched off)."""

    kind = DatasetViewKind.FILTER_RANKING
    create_serializer = FilterRankingCreateSerializer

    @extend_schema(request=FilterRankingCreateSerializer, responses={202: DatasetViewSerializer})
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)
