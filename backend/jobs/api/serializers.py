from rest_framework import serializers

from backend.jobs.models import Job
from backend.jobs.runner import declaration_for


class JobSerializer(serializers.ModelSerializer):
    result_url = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "message",
            "stage",
            "eta_seconds",
            "created_at",
            "started_at",
            "finished_at",
            "result_url",
            "result",
        ]
        read_only_fields = fields

    def get_result_url(self, job: Job) -> str | None:
        """Where the job's result is: each job kind's declaration says (backend/jobs/runner.py)."""
        return declaration_for(job.kind).result_url(job)
