"""Lessons and share links (owner-scoped), and the public read-only views behind a link."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.analyses.api import views as analysis_files
from backend.analyses.models import Analysis
from backend.core.files import private_file_response
from backend.core.roles import IsTeacher
from backend.core.scoping import is_id, owned
from backend.core.throttling import IPRateThrottle
from backend.networks.models import WEIGHT_PARTS, Network
from backend.reports.responses import (
    REPORT_DESCRIPTION,
    REPORT_PARAMETERS,
    REPORT_RESPONSES,
    report_response,
)
from backend.sharing import services
from backend.sharing.api.serializers import (
    LessonSerializer,
    LessonWriteSerializer,
    SharedAnalysisSerializer,
    SharedNetworkSerializer,
    ShareLinkCreatedSerializer,
    ShareLinkCreateSerializer,
    ShareLinkSerializer,
    analysis_title,
    validate_steps,
)
from backend.sharing.models import Lesson, ShareLink

# One answer for every link that does not work, so a visitor learns nothing from the
# difference between an unknown, a tampered, an expired and a revoked link.
LINK_GONE = "This link does not work (it may have expired or been revoked)."
NOT_SHARED = "This is not part of what was shared."


# ---------------------------------------------------------------------------------- lessons


class LessonViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A teacher's lessons: ordered steps (network, image, view, note). Only teachers and
    administrators create them; everyone sees only their own (administrators see all)."""

    serializer_class = LessonSerializer

    def get_permissions(self):
        if self.action == "create":
            return [IsAuthenticated(), IsTeacher()]
        return [IsAuthenticated()]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Lesson.objects.none()
        return owned(Lesson.objects.select_related("owner"), self.request, self.action)

    @extend_schema(request=LessonWriteSerializer, responses={201: LessonSerializer})
    def create(self, request, *args, **kwargs):
        payload = LessonWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        steps = validate_steps(request.user, data.get("steps") or [])
        lesson = Lesson.objects.create(
            owner=request.user, title=data["title"], description=data.get("description", "")
        )
        services.replace_steps(lesson, steps)
        lesson.refresh_from_db()
        return Response(LessonSerializer(lesson).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LessonWriteSerializer, responses=LessonSerializer)
    def partial_update(self, request, *args, **kwargs):
        lesson = self.get_object()
        payload = LessonWriteSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        steps = validate_steps(lesson.owner, data["steps"]) if "steps" in data else None
        for name in ("title", "description"):
            if name in data:
                setattr(lesson, name, data[name])
        lesson.save()
        if steps is not None:
            services.replace_steps(lesson, steps)
        lesson.refresh_from_db()
        return Response(LessonSerializer(lesson).data)


# ------------------------------------------------------------------------------ share links


class ShareLinkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your share links: read-only, revocable links to one analysis or one lesson. The token
    is shown once, in the answer to POST; only its SHA-256 is stored."""

    serializer_class = ShareLinkSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return ShareLink.objects.none()
        queryset = owned(ShareLink.objects, self.request, self.action).select_related(
            "analysis__network", "analysis__image", "lesson"
        )
        for name in ("analysis", "lesson"):
            value = self.request.query_params.get(name)
            if value is not None:
                if not is_id(value):
                    raise ValidationError({name: f"{name} must be an id."})
                queryset = queryset.filter(**{f"{name}_id": int(value)})
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("analysis", int, description="only links to this analysis"),
            OpenApiParameter("lesson", int, description="only links to this lesson"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=ShareLinkCreateSerializer, responses={201: ShareLinkCreatedSerializer})
    def create(self, request, *args, **kwargs):
        payload = ShareLinkCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        target = {}
        if "analysis" in data:
            analysis = Analysis.objects.filter(owner=request.user, pk=data["analysis"]).first()
            if analysis is None:
                raise NotFound("There is no such analysis.")
            target["analysis"] = analysis
        else:
            lesson = Lesson.objects.filter(owner=request.user, pk=data["lesson"]).first()
            if lesson is None:
                raise NotFound("There is no such lesson.")
            target["lesson"] = lesson
        expires_at = data.get("expires_at")
        if "expires_in_days" in data:
            expires_at = services.expiry_in_days(data["expires_in_days"])
        link, token = services.create_share_link(request.user, expires_at=expires_at, **target)
        link = self.get_queryset().get(pk=link.pk)
        context = {"request": request, "token": token}
        return Response(
            ShareLinkCreatedSerializer(link, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=ShareLinkSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Stop the link working at once (revoking twice changes nothing)."""
        link = services.revoke(self.get_object())
        return Response(ShareLinkSerializer(link).data)


# ---------------------------------------------------------------------- behind a share link


class SharedLinkThrottle(IPRateThrottle):
    scope = "shared"
    message = "Too many requests for shared links from your network"


class SharedView(APIView):
    """Anonymous and read-only. The token is checked before anything else; every answer
    (404s included) says no-referrer and no-store, so the link leaks into no Referer header
    and no cache."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SharedLinkThrottle]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.link = services.resolve_token(kwargs.get("token", ""))
        if self.link is None:
            raise NotFound(LINK_GONE)
        self.reach = services.reach_of(self.link)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        response["Cache-Control"] = "no-store"
        return response

    def shared_analysis(self, analysis_id: int) -> Analysis:
        if analysis_id not in self.reach.analyses:
            raise NotFound(NOT_SHARED)
        return get_object_or_404(
            Analysis.objects.select_related("job", "image", "network", "result"), pk=analysis_id
        )

    def shared_network(self, network_id: int) -> Network:
        if network_id not in self.reach.networks:
            raise NotFound(NOT_SHARED)
        return get_object_or_404(Network.objects.select_related("dataset"), pk=network_id)

    def analysis_payload(self, analysis: Analysis | None) -> dict | None:
        if analysis is None:
            return None
        context = {"token": self.kwargs["token"]}
        return SharedAnalysisSerializer(analysis, context=context).data


BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY}
DTYPE = OpenApiParameter("dtype", str, enum=["float32", "float16"])


class SharedRootView(SharedView):
    @extend_schema(
        operation_id="shared_retrieve",
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse(description=LINK_GONE)},
        description="What the link shows: kind (analysis or lesson), title, who shared it, "
        "and the analysis payload (or each lesson step with its analysis), every URL under "
        "this link's prefix. Each call counts one view.",
    )
    def get(self, request, token: str):
        link = self.link
        services.count_view(link)
        body = {
            "kind": link.kind,
            "shared_by": link.owner.get_username(),
            "expires_at": link.expires_at,
        }
        if link.analysis_id:
            analysis = self.shared_analysis(link.analysis_id)
            body |= {
                "title": analysis_title(analysis),
                "description": "",
                "analysis": self.analysis_payload(analysis),
            }
            return Response(body)
        lesson = link.lesson
        steps = lesson.steps.select_related(
            "network", "analysis__job", "analysis__image", "analysis__network", "analysis__result"
        )
        body |= {
            "title": lesson.title,
            "description": lesson.description,
            "steps": [
                {
                    "position": step.position,
                    "view": step.view,
                    "note": step.note,
                    "network": step.network_id,
                    "network_title": step.network.title or step.network.name,
                    "network_url": f"/api/shared/{token}/networks/{step.network_id}/",
                    "analysis": self.analysis_payload(step.analysis),
                }
                for step in steps
            ],
        }
        return Response(body)


class SharedAnalysisView(SharedView):
    @extend_schema(operation_id="shared_analysis_retrieve", responses=SharedAnalysisSerializer)
    def get(self, request, token: str, analysis_id: int):
        """One shared analysis (to follow its job until the numbers are there)."""
        return Response(self.analysis_payload(self.shared_analysis(analysis_id)))


class SharedAnalysisReportView(SharedView):
    @extend_schema(
        operation_id="shared_analysis_report",
        parameters=[REPORT_PARAMETERS[0]],
        responses=REPORT_RESPONSES,
        description=REPORT_DESCRIPTION
        + " Through a share link: the analysis only (no explanations, no names).",
    )
    def get(self, request, token: str, analysis_id: int):
        return report_response(
            "analysis", self.shared_analysis(analysis_id), request, allow_name=False, shared=True
        )

    def perform_content_negotiation(self, request, force=False):
        return (JSONRenderer(), "application/json")  # ?format picks the file type


class SharedAnalysisImageView(SharedView):
    @extend_schema(
        operation_id="shared_analysis_image",
        responses={(200, "image/png"): OpenApiTypes.BINARY},
    )
    def get(self, request, token: str, analysis_id: int):
        analysis = self.shared_analysis(analysis_id)
        return private_file_response(
            analysis.image.path, "image/png", filename=f"image-{analysis.pk}.png"
        )


class SharedAnalysisInputView(SharedView):
    @extend_schema(operation_id="shared_analysis_input", parameters=[DTYPE], responses=BINARY)
    def get(self, request, token: str, analysis_id: int):
        return analysis_files.network_input_response(self.shared_analysis(analysis_id), request)


class SharedActivationsView(SharedView):
    @extend_schema(operation_id="shared_analysis_activations", parameters=[DTYPE], responses=BINARY)
    def get(self, request, token: str, analysis_id: int):
        return analysis_files.activations_bundle_response(
            self.shared_analysis(analysis_id), request
        )


class SharedPreviewsView(SharedView):
    @extend_schema(
        operation_id="shared_analysis_previews",
        parameters=analysis_files.PREVIEW_PARAMETERS,
        responses=BINARY,
        description=analysis_files.PREVIEWS_DESCRIPTION,
    )
    def get(self, request, token: str, analysis_id: int):
        return analysis_files.previews_response(self.shared_analysis(analysis_id), request)


class SharedActivationView(SharedView):
    @extend_schema(operation_id="shared_analysis_activation", parameters=[DTYPE], responses=BINARY)
    def get(self, request, token: str, analysis_id: int, index: int):
        return analysis_files.activation_response(self.shared_analysis(analysis_id), request, index)


class SharedIntermediateView(SharedView):
    @extend_schema(
        operation_id="shared_analysis_intermediate",
        parameters=[OpenApiParameter("channel", int, required=True), DTYPE],
        responses=BINARY,
    )
    def get(self, request, token: str, analysis_id: int, index: int):
        return analysis_files.intermediate_response(
            self.shared_analysis(analysis_id), request, index
        )


class SharedNetworkView(SharedView):
    @extend_schema(operation_id="shared_network_retrieve", responses=SharedNetworkSerializer)
    def get(self, request, token: str, network_id: int):
        network = self.shared_network(network_id)
        return Response(SharedNetworkSerializer(network, context={"token": token}).data)


class SharedLayerWeightsView(SharedView):
    @extend_schema(operation_id="shared_network_layer_weights", responses=BINARY)
    def get(self, request, token: str, network_id: int, index: int, part: str):
        # The same file the owner's /api/networks/{id}/layers/{index}/{part}/ serves.
        network = self.shared_network(network_id)
        if part not in WEIGHT_PARTS:
            raise NotFound("Unknown weight.")
        layer = next((item for item in network.layers if item["index"] == index), None)
        filename = ((layer or {}).get("weights") or {}).get(part)
        if not filename:
            raise NotFound("This layer has no such weights.")
        return private_file_response(
            network.weights_file(filename),
            "application/octet-stream",
            filename=f"{network.name}-{layer['name']}-{part}.npy",
        )
