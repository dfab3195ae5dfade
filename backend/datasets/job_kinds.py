"""The dataset registration job, as the job runner runs it (backend/jobs/runner.py)."""

from django.urls import reverse

from backend.jobs.models import Job
from backend.jobs.runner import JobDeclaration, register


class DatasetRegistrationJob(JobDeclaration):
    """Every check of an uploaded dataset zip, then the dataset stored or refused."""

    kinds = ("dataset-registration",)

    def run(self, job_id: int) -> None:
        from backend.datasets.registration import execute_registration_job

        execute_registration_job(job_id)

    def result_url(self, job: Job) -> str | None:
        name = (job.result or {}).get("dataset")
        return reverse("dataset-detail", kwargs={"name": name}) if name else None


register(DatasetRegistrationJob())
