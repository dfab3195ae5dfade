"""/api/uploads/model-chunks/: a large model file sent in chunks (protocol in
backend/networks/chunked.py), private to the user who opened it."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from backend.networks import chunked
from backend.networks.models import ModelUpload


class ModelUploadSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    filename = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)
    offset = serializers.IntegerField(read_only=True, source="received")
    complete = serializers.BooleanField(read_only=True)
    chunk_bytes = serializers.SerializerMethodField()

    def get_chunk_bytes(self, upload: ModelUpload) -> int:
        return chunked.chunk_limit()


class ModelUploadOpenSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=255)
    size = serializers.IntegerField(min_value=1)


def _problem(exc: chunked.UploadProblem) -> Response:
    body = {"detail": str(exc)}
    if exc.offset is not None:
        body["offset"] = exc.offset
    return Response(body, status=exc.status)


class ModelUploadViewSet(viewsets.ViewSet):
    """Open (POST), resume (GET: the offset), send chunks (PUT with Content-Range) and cancel
    (DELETE) a model upload; POST /api/networks/ with ``upload`` registers it once complete."""

    parser_classes = [JSONParser]
    lookup_value_regex = r"[0-9a-fA-F-]{32,36}"

    @extend_schema(request=ModelUploadOpenSerializer, responses={201: ModelUploadSerializer})
    def create(self, request):
        form = ModelUploadOpenSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            upload = chunked.open_upload(
                request.user, form.validated_data["filename"], form.validated_data["size"]
            )
        except chunked.UploadProblem as exc:
            return _problem(exc)
        return Response(ModelUploadSerializer(upload).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ModelUploadSerializer})
    def retrieve(self, request, pk=None):
        try:
            upload = chunked.find_upload(request.user, pk)
        except chunked.UploadProblem as exc:
            return _problem(exc)
        return Response(ModelUploadSerializer(upload).data)

    @extend_schema(
        request={"application/octet-stream": OpenApiTypes.BINARY},
        parameters=[
            OpenApiParameter(
                "Content-Range", str, OpenApiParameter.HEADER, required=True,
                description="bytes START-END/SIZE; START must be the upload's offset",
            )
        ],
        responses={200: ModelUploadSerializer},
        description="One chunk, the raw bytes as the body (at most chunk_bytes). 409 with "
        "the offset when START is not the offset received so far.",
    )  # fmt: skip
    def update(self, request, pk=None):
        try:
            upload = chunked.find_upload(request.user, pk)
            start, length = chunked.parse_content_range(
                request.headers.get("Content-Range"), upload
            )
            if int(request.META.get("CONTENT_LENGTH") or 0) != length:
                raise chunked.UploadProblem(
                    "The body's length must match its Content-Range.", offset=upload.received
                )
            # request.stream is the raw request (never request.body): read piece by piece.
            upload = chunked.write_chunk(upload, start, length, request.stream)
        except chunked.UploadProblem as exc:
            return _problem(exc)
        return Response(ModelUploadSerializer(upload).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request, pk=None):
        try:
            upload = chunked.find_upload(request.user, pk)
        except chunked.UploadProblem as exc:
            return _problem(exc)
        chunked.discard_upload(upload)
        return Response(status=status.HTTP_204_NO_CONTENT)
