"""The job life cycle: create, enqueue, claim, finish. Every transition is a conditional UPDATE."""

import logging
import socket
from collections.abc import Callable

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from backend.core.exceptions import ServiceUnavailable
from backend.jobs.models import Job, JobKind, JobStatus

logger = logging.getLogger(__name__)


def create_job(
    owner, kind: JobKind, *, status: JobStatus = JobStatus.QUEUED, message: str = ""
) -> Job:
    now = timezone.now()
    finished = status in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
    return Job.objects.create(
        owner=owner,
        kind=kind,
        status=status,
        message=message,
        progress=1.0 if status == JobStatus.SUCCEEDED else 0.0,
        started_at=now if finished else None,
        finished_at=now if finished else None,
    )


def enqueue(job: Job, send: Callable[[], object]) -> None:
    """Hand the job to the broker; if the broker is down, fail the job and answer 503.

    Called after the job row is committed, so a worker never sees an id it cannot read.
    """
    try:
        send()
    except Exception as exc:  # kombu/redis raise many types; all mean "not queued"
        logger.warning("could not enqueue job %s: %s", job.pk, exc)
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED,
            message="The job queue was not reachable, so this job was not started.",
            finished_at=timezone.now(),
        )
        raise ServiceUnavailable() from exc


def claim(job_id: int) -> Job | None:
    """Move a queued job to RUNNING; None if another delivery took it or it was cancelled."""
    taken = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
        deliveries=F("deliveries") + 1,
        worker=socket.gethostname()[:255],
    )
    if not taken:
        return None
    return Job.objects.get(pk=job_id)


def set_progress(job_id: int, progress: float, message: str = "") -> None:
    Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        progress=max(0.0, min(1.0, progress)), message=message
    )


def throttled_progress(job_id: int, every_s: float = 0.25):
    """A ``progress(fraction, message)`` callback for long computations that writes to the
    job row at most every ``every_s`` seconds (each report is a database write)."""
    import time

    last = [0.0]

    def report(fraction: float, message: str) -> None:
        now = time.monotonic()
        if now - last[0] >= every_s:
            last[0] = now
            set_progress(job_id, fraction, message)

    return report


def succeed(job_id: int, message: str = "") -> bool:
    """Mark a running job done; False if it was cancelled meanwhile (the result is then dropped)."""
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
            status=JobStatus.SUCCEEDED, progress=1.0, message=message, finished_at=timezone.now()
        )
    )


def fail(job_id: int, reason: str) -> None:
    Job.objects.filter(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]).update(
        status=JobStatus.FAILED, message=reason[:2000], finished_at=timezone.now()
    )


def cancel(job: Job) -> bool:
    """Cancel a queued or running job; a running worker drops its result when it finishes."""
    cancelled = Job.objects.filter(
        pk=job.pk, status__in=[JobStatus.QUEUED, JobStatus.RUNNING]
    ).update(
        status=JobStatus.CANCELLED, message="Cancelled by the user.", finished_at=timezone.now()
    )
    job.refresh_from_db()
    return bool(cancelled)


def enqueue_timeout() -> float:
    return float(getattr(settings, "CONVSCOPE_ENQUEUE_TIMEOUT_S", 3.0))
