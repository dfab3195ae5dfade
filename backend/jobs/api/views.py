from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from backend.core.scoping import owned
from backend.jobs import services
from backend.jobs.api.serializers import JobSerializer
from backend.jobs.models import Job


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Long work of the requesting user: status, progress, message, timestamps, result location."""

    serializer_class = JobSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return Job.objects.none()
        return owned(Job.objects, self.request, self.action).select_related(
            "analysis", "explanation", "dataset_view"
        )

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        job = self.get_object()
        if not services.cancel(job):
            return Response(
                {"detail": f"This job has already {job.status}; there is nothing to cancel."},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(JobSerializer(job).data)
