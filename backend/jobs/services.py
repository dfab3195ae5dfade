"""The job life cycle: create, enqueue, claim, finish. Every transition is a conditional UPDATE."""

import logging
import os
import socket
from typing import Any

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


def enqueue(job: Job, task_name: str) -> None:
    """Hand the job to the broker as a message for the Celery task named ``task_name``; if the
    broker is down, fail the job and answer 503. The name is kept on the row, so the sweeper
    can send it again if its worker dies. Services name their task rather than import it, so
    no app's services and tasks modules import each other.

    Called after the job row is committed, so a worker never sees an id it cannot read.
    """
    Job.objects.filter(pk=job.pk).update(task_name=task_name)
    job.task_name = task_name
    try:
        send(job)
    except Exception as exc:  # kombu/redis raise many types; all mean "not queued"
        logger.warning("could not enqueue job %s: %s", job.pk, exc)
        Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
            status=JobStatus.FAILED,
            message="The job queue was not reachable, so this job was not started.",
            finished_at=timezone.now(),
        )
        raise ServiceUnavailable() from exc


def send(job: Job) -> None:
    """One message carrying the job's id to the task named on its row, routed to its queue by
    backend.core.queues."""
    task_by_name(job.task_name).apply_async(kwargs={"job_id": job.pk}, retry=False)


def task_by_name(name: str) -> Any:
    """The registered Celery task ``name``; the apps' tasks modules are imported on first use
    (the web process does not import them at start)."""
    from celery import current_app as app  # backend.config.celery_app, set as the default

    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks[name]


def time_limits(task_name: str) -> tuple[float | None, float | None]:
    """(soft, hard) time limit in seconds of the task named ``task_name``: its own, or the
    app's defaults (CELERY_TASK_SOFT_TIME_LIMIT, CELERY_TASK_TIME_LIMIT); annotations
    (CONVSCOPE_TASK_TIME_LIMITS) are applied to the task already."""
    from celery import current_app as app

    try:
        task = task_by_name(task_name)
    except KeyError:
        return app.conf.task_soft_time_limit, app.conf.task_time_limit
    soft = getattr(task, "soft_time_limit", None) or app.conf.task_soft_time_limit
    hard = getattr(task, "time_limit", None) or app.conf.task_time_limit
    return soft, hard


def running_limits(task_name: str) -> tuple[float | None, float | None]:
    """(soft, hard) limits of the task running now in this process, as its message carries
    them (the sender puts its task's limits in the message and they win over the worker's), or
    ``time_limits(task_name)`` outside a task."""
    from celery import current_task

    soft, hard = time_limits(task_name) if task_name else (None, None)
    request = getattr(current_task, "request", None) if current_task else None
    limits = getattr(request, "timelimit", None) or (None, None)
    return (limits[1] or soft), (limits[0] or hard)


def past_deadline(job: Job, now=None) -> bool:
    """Whether the running delivery's hard time limit has passed: a dead holder then was
    killed by the limit, and the job must fail with the time-limit sentence, not run again."""
    return job.deadline is not None and (now or timezone.now()) >= job.deadline


def fail_past_deadline(job: Job) -> bool:
    """End a job its time limit killed (its row left RUNNING) with the time-limit sentence."""
    from backend.jobs.timeouts import timeout_text

    _, hard = time_limits(job.task_name) if job.task_name else (None, None)
    return bool(
        Job.objects.filter(pk=job.pk, status=job.status, deliveries=job.deliveries).update(
            status=JobStatus.FAILED,
            message=timeout_text(job.kind, hard),
            finished_at=timezone.now(),
        )
    )


def worker_identity() -> str:
    """This process as "host:pid": who holds a running job."""
    return f"{socket.gethostname()}:{os.getpid()}"[:255]


def holder_is_dead(job: Job, now=None) -> bool:
    """Whether the worker process holding this RUNNING job is gone: its heartbeat is older
    than the lease (any machine), or it ran on this machine and its process has exited."""
    now = now or timezone.now()
    last = job.heartbeat_at or job.started_at
    if last is None or (now - last).total_seconds() > lease_s():
        return True
    host, _, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not process_alive(int(pid))
    return False


def process_alive(pid: int) -> bool:
    """True for a live process; False for none or a zombie (killed, not yet reaped)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def claim(job_id: int) -> Job | None:
    """Move a queued job to RUNNING for this process. A job left RUNNING by a dead worker is
    taken over (a redelivery), unless it already had ``max_deliveries()`` deliveries: then it
    is the job that kills its worker, and it ends FAILED. None: nothing to run here (another
    live worker has it, it finished or it was cancelled)."""
    now = timezone.now()
    running = {
        "status": JobStatus.RUNNING,
        "started_at": now,
        "heartbeat_at": now,
        "deliveries": F("deliveries") + 1,
        "worker": worker_identity(),
    }
    if Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(**running):
        return _with_deadline(Job.objects.get(pk=job_id), now)
    job = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).first()
    if job is None or not holder_is_dead(job, now):
        return None
    if past_deadline(job, now):
        fail_past_deadline(job)
        return None
    if job.deliveries >= max_deliveries():
        fail_poison(job)
        return None
    # Conditional on the row as read, so two redeliveries cannot both take it over.
    taken = Job.objects.filter(
        pk=job_id, status=JobStatus.RUNNING, worker=job.worker, deliveries=job.deliveries
    ).update(**running, progress=0.0, message="Started again: its worker stopped.")
    return _with_deadline(Job.objects.get(pk=job_id), now) if taken else None


def _with_deadline(job: Job, now) -> Job:
    """Write when this delivery's hard time limit ends it (see ``past_deadline``)."""
    from datetime import timedelta

    _, hard = running_limits(job.task_name)
    if hard:
        job.deadline = now + timedelta(seconds=float(hard))
        Job.objects.filter(pk=job.pk).update(deadline=job.deadline)
    return job


def fail_poison(job: Job) -> bool:
    """End a job whose every delivery killed its worker."""
    logger.error("job %s stopped its worker %s times; failing it", job.pk, job.deliveries)
    return bool(
        Job.objects.filter(pk=job.pk, status=job.status, deliveries=job.deliveries).update(
            status=JobStatus.FAILED,
            message=(
                f"This job stopped the worker running it {job.deliveries} times, so ConvScope "
                "gave up on it. The input may be too large for the server; try a smaller one."
            ),
            finished_at=timezone.now(),
        )
    )


def heartbeat(job_id: int) -> bool:
    """The running worker is alive; False if the job is no longer running here."""
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.RUNNING, worker=worker_identity()).update(
            heartbeat_at=timezone.now()
        )
    )


class JobCancelled(Exception):
    """Raised from a progress report when the user cancelled the job: long work stops there."""


def set_progress(
    job_id: int,
    progress: float,
    message: str = "",
    *,
    stage: str = "",
    eta_seconds: float | None = None,
) -> None:
    updated = Job.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
        progress=max(0.0, min(1.0, progress)),
        message=message,
        stage=(stage or "")[:100],
        eta_seconds=eta_seconds,
        heartbeat_at=timezone.now(),
    )
    if not updated and Job.objects.filter(pk=job_id, status=JobStatus.CANCELLED).exists():
        raise JobCancelled(f"job {job_id} was cancelled")


class StageClock:
    """The time left in a stage that counts its steps (``done`` of ``total``), at its pace so
    far: nothing before a second of it has passed or a step is done, as a guess would be noise."""

    def __init__(self) -> None:
        self.stage: str | None = None
        self.started = 0.0
        self.first_done: int | None = None

    def eta(
        self, stage: str | None, done: int | None, total: int | None, now: float
    ) -> float | None:
        restart = (
            stage != self.stage or done is None or self.first_done is None or done < self.first_done
        )
        if restart:
            self.stage, self.started, self.first_done = stage, now, done
        if done is None or total is None:
            return None
        steps, elapsed = done - self.first_done, now - self.started
        if steps <= 0 or elapsed < 1.0:
            return None
        return round(max(0.0, (total - done) * elapsed / steps), 1)


def throttled_progress(job_id: int, every_s: float = 0.25, stop_after_s: float | None = None):
    """A ``progress(fraction, message)`` callback for long computations that writes to the
    job row at most every ``every_s`` seconds (each report is a database write). Past
    ``stop_after_s`` seconds (the task's soft time limit) it raises ``SoftTimeLimitExceeded``
    itself: Celery's own signal can land inside TensorFlow and be lost, a report between two
    short steps cannot."""
    import threading
    import time

    from celery.exceptions import SoftTimeLimitExceeded
    from django.db import connection

    from worker.techniques.progress import TICKER_THREAD

    started = time.monotonic()
    last = [0.0, None]  # when the row was last written, and the stage it said
    clock = StageClock()
    # the compute code may report from a helper thread too (worker.techniques.progress.ticking)
    lock = threading.Lock()

    def report(
        fraction: float,
        message: str,
        *,
        stage: str | None = None,
        done: int | None = None,
        total: int | None = None,
    ) -> None:
        now = time.monotonic()
        if stop_after_s is not None and now - started >= stop_after_s:
            raise SoftTimeLimitExceeded(stop_after_s)
        with lock:
            eta = clock.eta(stage, done, total, now)
            # a new stage is written at once: its first words must not wait for the throttle
            if now - last[0] < every_s and stage == last[1]:
                return
            last[0], last[1] = now, stage
        try:
            set_progress(job_id, fraction, message, stage=stage or "", eta_seconds=eta)
        finally:
            if threading.current_thread().name == TICKER_THREAD:
                connection.close()  # the ticker thread's own connection: not left open

    # worker.techniques.progress.tell passes the stage details to a callback that says so
    report.takes_details = True  # type: ignore[attr-defined]
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


def lease_s() -> float:
    return float(getattr(settings, "CONVSCOPE_JOB_LEASE_S", 60.0))


def heartbeat_s() -> float:
    return float(getattr(settings, "CONVSCOPE_JOB_HEARTBEAT_S", 10.0))


def max_deliveries() -> int:
    return int(getattr(settings, "CONVSCOPE_JOB_MAX_DELIVERIES", 3))
