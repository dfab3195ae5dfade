"""Filter annotations: the requester's own, upserted per filter, exported as CSV or JSON."""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from backend.annotations import services
from backend.annotations.api.serializers import (
    FilterAnnotationPatchSerializer,
    FilterAnnotationSerializer,
    FilterAnnotationWriteSerializer,
)
from backend.annotations.models import FilterAnnotation
from backend.core.scoping import is_id, owned
from backend.networks.models import Network

FILTERS = [
    OpenApiParameter("network", int, description="only this network's annotations"),
    OpenApiParameter("layer", str, description="only this layer's annotations"),
]


EXPORT_FORMATS = ("csv", "json")


class FilterAnnotationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your notes on single filters: "useful" or "useless", and a note. Posting a note for a
    filter you already annotated updates it."""

    serializer_class = FilterAnnotationSerializer

    def perform_content_negotiation(self, request, force=False):
        # ?format= names the export's file type, not one of DRF's renderers; the export
        # writes its own body, and its errors are JSON.
        if self.action == "export":
            renderer = renderers.JSONRenderer()
            return renderer, renderer.media_type
        return super().perform_content_negotiation(request, force)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return FilterAnnotation.objects.none()
        queryset = owned(FilterAnnotation.objects.all(), self.request, self.action)
        if self.action in ("list", "export"):
            network = self.request.query_params.get("network")
            if network not in (None, ""):
                if not is_id(network):
                    raise ValidationError({"network": "Give a numeric id."})
                queryset = queryset.filter(network_id=int(network))
            layer = self.request.query_params.get("layer")
            if layer:
                queryset = queryset.filter(layer=layer)
        return queryset.select_related("network")

    @extend_schema(parameters=FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=FilterAnnotationWriteSerializer,
        responses={200: FilterAnnotationSerializer, 201: FilterAnnotationSerializer},
    )
    def create(self, request, *args, **kwargs):
        payload = FilterAnnotationWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        network = Network.objects.visible_to(request.user).filter(pk=data["network"]).first()
        if network is None:
            raise NotFound("There is no such network.")
        values = {"verdict": data["verdict"], "note": data["note"]}
        try:
            annotation, created = services.save(
                request.user, network, data["layer"], data["filter"], values
            )
        except services.AnnotationInvalid as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(FilterAnnotationSerializer(annotation).data, status=code)

    @extend_schema(request=FilterAnnotationPatchSerializer, responses=FilterAnnotationSerializer)
    def partial_update(self, request, *args, **kwargs):
        annotation = self.get_object()
        payload = FilterAnnotationPatchSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        for field, value in payload.validated_data.items():
            setattr(annotation, field, value)
        annotation.save()
        return Response(FilterAnnotationSerializer(annotation).data)

    @extend_schema(
        parameters=[
            *FILTERS,
            OpenApiParameter("format", str, enum=["csv", "json"], description="default json"),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/json"): OpenApiTypes.OBJECT,
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """Your annotations as a file to download: CSV (with a header row) or JSON."""
        wanted = request.query_params.get("format") or "json"
        if wanted not in EXPORT_FORMATS:
            raise ValidationError({"format": "Choose csv or json."})
        rows = services.export_rows(self.get_queryset())
        network = request.query_params.get("network")
        stem = f"annotations-network-{network}" if network else "annotations"
        if wanted == "csv":
            response = HttpResponse(services.to_csv(rows), content_type="text/csv; charset=utf-8")
        else:
            import json

            body = json.dumps({"annotations": rows}, indent=2)
            response = HttpResponse(body, content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{stem}.{wanted}"'
        return response
