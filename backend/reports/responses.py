"""The report endpoints' one response: ``?format=pdf|html`` (default pdf), ``?name=1`` to put
the signed-in user's display name on it (opt-in; nothing else of the account is in a report)."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.core.scoping import owned

REPORT_PARAMETERS = [
    OpenApiParameter("format", str, enum=["pdf", "html"], description="default: pdf"),
    OpenApiParameter(
        "name", bool, description="put your display name on the report (opt-in; default no)"
    ),
]
REPORT_RESPONSES = {
    (200, "application/pdf"): OpenApiTypes.BINARY,
    (200, "text/html"): OpenApiTypes.STR,
    409: OpenApiTypes.OBJECT,
    503: OpenApiTypes.OBJECT,
}
REPORT_DESCRIPTION = (
    "A report that can be filed: one self-contained HTML file (images inlined) or its PDF, "
    "with the answer, the out-of-distribution verdict, calibrated confidence, the model card, "
    "the explanations you computed with their trust verdicts, and a provenance block "
    "(`manage.py verify-report` recomputes the numbers from it)."
)


def _display_name(request) -> str | None:
    if request.query_params.get("name") not in ("1", "true"):
        return None
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return None
    return (user.get_full_name() or user.get_username()).strip() or None


def report_response(
    kind: str, obj, request, *, allow_name: bool = True, shared: bool = False
) -> HttpResponse | Response:
    """The report file; ``shared``: through a share link, without the owner's explanations
    (they were not part of what was shared)."""
    from backend.reports import build
    from backend.reports.pdf import PdfUnavailable

    fmt = request.query_params.get("format") or "pdf"
    if fmt not in ("pdf", "html"):
        return Response({"detail": "format must be pdf or html."}, status=400)
    name = _display_name(request) if allow_name else None
    try:
        data = build(kind, obj, fmt=fmt, display_name=name, explanations=not shared)
    except ValueError as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    except PdfUnavailable as exc:
        return Response({"detail": str(exc)}, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    content_type = "application/pdf" if fmt == "pdf" else "text/html; charset=utf-8"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="convscope-{kind}-{obj.pk}.{fmt}"'
    return response


class _ReportView(APIView):
    """A report of one of the requester's objects (404 for anyone else's id, as elsewhere)."""

    kind = ""
    permission_classes = [IsAuthenticated]

    def perform_content_negotiation(self, request, force=False):
        # `?format=pdf|html` picks the report's file type here, not a DRF renderer (DRF
        # would answer 404 for a format it has no renderer for); refusals are JSON
        return (JSONRenderer(), "application/json")

    def queryset(self):
        raise NotImplementedError

    def get(self, request, pk: int):
        obj = owned(self.queryset(), request, "retrieve").filter(pk=pk).first()
        if obj is None:
            raise NotFound(f"There is no such {self.kind}.")
        return report_response(self.kind, obj, request)


class AnalysisReportView(_ReportView):
    kind = "analysis"

    def queryset(self):
        from backend.analyses.models import Analysis

        return Analysis.objects.select_related("network", "image", "result", "owner")

    @extend_schema(
        operation_id="analyses_report",
        parameters=REPORT_PARAMETERS,
        responses=REPORT_RESPONSES,
        description=REPORT_DESCRIPTION,
    )
    def get(self, request, pk: int):
        return super().get(request, pk)


class EvaluationReportView(_ReportView):
    kind = "evaluation"

    def queryset(self):
        from backend.evaluations.models import DatasetView, DatasetViewKind

        return DatasetView.objects.filter(kind=DatasetViewKind.EVALUATION).select_related(
            "network", "result"
        )

    @extend_schema(
        operation_id="evaluations_report",
        parameters=REPORT_PARAMETERS,
        responses=REPORT_RESPONSES,
        description=REPORT_DESCRIPTION,
    )
    def get(self, request, pk: int):
        return super().get(request, pk)
