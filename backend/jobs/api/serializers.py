from django.urls import reverse
from rest_framework import serializers

from backend.jobs.models import Job


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
            "created_at",
            "started_at",
            "finished_at",
            "result_url",
            "result",
        ]
        read_only_fields = fields

    def get_result_url(self, job: Job) -> str | None:
        if job.kind == "analysis" and hasattr(job, "analysis"):
            return reverse("analysis-detail", args=[job.analysis.pk])
        if job.kind in ("explanation", "trust-check") and hasattr(job, "explanation"):
            route = "explanation-detail" if job.kind == "explanation" else "trust-check-detail"
            return reverse(route, args=[job.explanation.pk])
        routes = {"evaluation": "evaluation", "embedding": "embedding",
                  "top-activations": "top-activation"}  # fmt: skip
        if job.kind in routes and hasattr(job, "dataset_view"):
            return reverse(f"{routes[job.kind]}-detail", args=[job.dataset_view.pk])
        if job.kind == "network-registration" and job.result.get("network_id"):
            return reverse("network-detail", args=[job.result["network_id"]])
        if job.kind == "dataset-registration" and job.result.get("dataset"):
            return reverse("dataset-detail", kwargs={"name": job.result["dataset"]})
        return None
