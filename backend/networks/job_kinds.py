"""The network registration job, as the job runner runs it (backend/jobs/runner.py)."""

from django.urls import reverse

from backend.jobs.models import Job
from backend.jobs.runner import JobDeclaration, register


class NetworkRegistrationJob(JobDeclaration):
    """Every check of an uploaded model file, then the network registered or refused."""

    kinds = ("network-registration",)

    def run(self, job_id: int) -> None:
        from backend.networks.staging import execute_registration_job

        execute_registration_job(job_id)

    def result_url(self, job: Job) -> str | None:
        network_id = (job.result or {}).get("network_id")
        return reverse("network-detail", args=[network_id]) if network_id else None


register(NetworkRegistrationJob())
