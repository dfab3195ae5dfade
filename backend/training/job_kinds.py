"""The training job, as the job runner runs it (backend/jobs/runner.py)."""

import logging
import time

from django.urls import reverse

from backend.jobs import services as jobs
from backend.jobs.models import Job
from backend.jobs.runner import ComputeJob, failure_text, register

logger = logging.getLogger(__name__)


class TrainingJob(ComputeJob):
    """A user's layer stack trained, its epochs kept, the result registered as their network.

    Not a stored, reusable result like the other compute jobs: every run makes its own
    network, so ``run`` is its own; failures are worded by the same ``failure_text``."""

    kinds = ("training",)
    request_name = "training_run"
    routes = {"training": "training-run-detail"}
    what = "training"
    timeout_advice = "train for fewer epochs or on fewer images."

    def run(self, job_id: int) -> None:
        from backend.training import services
        from backend.training.models import TrainingRun

        job = jobs.claim(job_id)
        if job is None:
            logger.info("job %s was already taken or cancelled; skipping", job_id)
            return
        started = time.monotonic()
        run = None
        try:
            run = TrainingRun.objects.select_related("dataset", "owner").get(job_id=job_id)
            soft, _ = jobs.running_limits(job.task_name)
            # called at every batch: raises when the job is cancelled or its time is up
            progress = jobs.throttled_progress(job_id, stop_after_s=soft)
            network = services.execute(run, progress)
            if not jobs.succeed(job_id, f"Trained: {network.title}."):
                logger.info("training job %s was cancelled as it finished; network kept", job_id)
        except Exception as exc:
            logger.exception("training job %s failed", job_id)
            jobs.fail(job_id, failure_text(exc, self, job.task_name))
            if run is not None:
                services.discard_files(run)
        finally:
            if run is not None:
                services.record_seconds(run.pk, started)

    def result_url(self, job: Job) -> str | None:
        run = getattr(job, self.request_name, None)
        return reverse(self.routes[job.kind], args=[run.pk]) if run is not None else None


register(TrainingJob())
