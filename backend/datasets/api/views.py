from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.datasets import services
from backend.datasets.api.serializers import DatasetSerializer, SampleSerializer
from backend.datasets.models import Dataset


class DatasetViewSet(viewsets.ReadOnlyModelViewSet):
    """Datasets networks are trained on, with sample images to try."""

    serializer_class = DatasetSerializer
    queryset = Dataset.objects.all()
    lookup_field = "name"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    @extend_schema(responses=SampleSerializer(many=True))
    @action(detail=True, methods=["get"])
    def samples(self, request, name=None):
        dataset = self.get_object()
        if not dataset.builtin:
            return Response([])
        samples = services.sample_list(dataset.name)
        for sample in samples:
            sample["image_url"] = reverse(
                "dataset-sample-image", kwargs={"name": dataset.name, "index": sample["index"]}
            )
        return Response(SampleSerializer(samples, many=True).data)

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"samples/(?P<index>\d+)/image",
        url_name="sample-image",
    )
    def sample_image(self, request, name=None, index=None):
        dataset = self.get_object()
        try:
            png = services.sample_png(dataset.name, int(index))
        except (IndexError, KeyError) as exc:
            raise Http404("No such sample image.") from exc
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "private, max-age=86400"
        response["X-Content-Type-Options"] = "nosniff"
        return response
