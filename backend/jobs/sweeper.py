"""Jobs left RUNNING by a worker that died (killed, out of memory, machine lost) are sent
again; one that already had its last delivery ends FAILED as poison. One whose worker died
after the task's hard time limit (``Job.deadline``) was killed by that limit: it ends FAILED
with the time-limit sentence at once, never sent again. Run every 30 s by Celery
beat (the ``jobs.sweep`` task) or by ``manage.py sweep_jobs`` from cron.

A redelivery of the original message can race the re-sent one: ``services.claim`` is atomic,
so exactly one of them runs the job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.utils import timezone

from backend.jobs import services
from backend.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)


@dataclass
class SweepReport:
    requeued: list[int] = field(default_factory=list)
    poisoned: list[int] = field(default_factory=list)
    timed_out: list[int] = field(default_factory=list)
    unsendable: list[int] = field(default_factory=list)


def sweep() -> SweepReport:
    report = SweepReport()
    now = timezone.now()
    for job in Job.objects.filter(status=JobStatus.RUNNING).order_by("pk"):
        if not services.holder_is_dead(job, now):
            continue
        if services.past_deadline(job, now):
            if services.fail_past_deadline(job):
                report.timed_out.append(job.pk)
            continue
        if job.deliveries >= services.max_deliveries():
            if services.fail_poison(job):
                report.poisoned.append(job.pk)
            continue
        if not job.task_name:  # made before task names were kept: nothing to send
            report.unsendable.append(job.pk)
            continue
        # Back to QUEUED only if the row is still as read (no redelivery took it meanwhile).
        if not Job.objects.filter(
            pk=job.pk, status=JobStatus.RUNNING, worker=job.worker, deliveries=job.deliveries
        ).update(status=JobStatus.QUEUED, message="Waiting to start again: its worker stopped."):
            continue
        try:
            services.send(job)
        except Exception as exc:  # broker down: the job stays QUEUED; the next sweep re-sends
            logger.warning("could not re-send job %s: %s", job.pk, exc)
            Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(status=JobStatus.RUNNING)
            continue
        report.requeued.append(job.pk)
    if report.requeued or report.poisoned or report.timed_out:
        logger.info(
            "sweep: re-queued %s, failed as poison %s, past their time limit %s",
            report.requeued, report.poisoned, report.timed_out,
        )  # fmt: skip
    return report
