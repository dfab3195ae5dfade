"""The one job runner: every kind of job is a small declaration, run the same way.

A compute job (analysis, explanation, trust check, dataset views, feature visualisation, filter
ranking) is: claim the row → find its request → reuse a stored result or compute one into the
media folder → publish the files → store the result row once (``core.results.store_result``)
→ link it and succeed, or fail with a sentence from ``failure_text``. A declaration says only
what differs: where the request rows are, how to find or compute and store a result, and the
URL of the result (which the jobs API answers as ``result_url``).

Declarations live beside their app (``<app>/job_kinds.py``); the jobs app imports every one
when Django starts (``JobsConfig.ready``), so the runner, the task bodies and the jobs API all
see the same table.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse

from backend.core import media
from backend.jobs import services as jobs
from backend.jobs import timeouts
from backend.jobs.models import Job
from backend.jobs.timeouts import timeout_text

logger = logging.getLogger(__name__)

_declarations: dict[str, JobDeclaration] = {}


def register(declaration: JobDeclaration) -> JobDeclaration:
    for kind in declaration.kinds:
        if kind in _declarations and _declarations[kind] is not declaration:
            raise ValueError(f"job kind {kind!r} is declared twice")
        _declarations[kind] = declaration
        timeouts.ADVICE[kind] = getattr(declaration, "timeout_advice", "")
    return declaration


def declaration_for(kind: str) -> JobDeclaration:
    return _declarations[kind]


def declared_kinds() -> list[str]:
    return sorted(_declarations)


def run_job(job_id: int) -> None:
    """Body of every job task: run the job with its kind's declaration. Never raises."""
    kind = Job.objects.filter(pk=job_id).values_list("kind", flat=True).first()
    if kind is None:
        logger.info("job %s no longer exists; skipping", job_id)
        return
    declaration_for(kind).run(job_id)


class JobDeclaration:
    """What a kind of job is. Subclasses set the fields and implement ``run``."""

    #: the JobKind values this declaration runs
    kinds: tuple[str, ...] = ()
    #: Job → the row that asked for it (its ``related_name``)
    request_name: str = ""
    #: the API route of the result per job kind ("analysis" → "analysis-detail" …)
    routes: dict[str, str] = {}

    def run(self, job_id: int) -> None:
        raise NotImplementedError

    def result_url(self, job: Job) -> str | None:
        """The URL of the job's result: the detail route of the row that asked for it."""
        request = getattr(job, self.request_name, None)
        if request is None:
            return None
        return reverse(self.routes[job.kind], args=[request.pk])


@dataclass
class Work:
    """One compute job's plan: a stored result to reuse, or the folder to compute into;
    ``context`` carries what ``prepare`` worked out for ``compute`` and ``store``."""

    existing: models.Model | None
    directory: str = ""
    context: dict[str, Any] = field(default_factory=dict)


class ComputeJob(JobDeclaration):
    """A job that computes (or reuses) a stored result for a request row."""

    #: "analysis" → "The analysis failed (…)"
    what: str = "job"
    #: what to change, said after "This took longer than the worker allows (N s); " when a time
    #: limit stops the work ("" for timeouts.GENERIC_TIMEOUT_ADVICE)
    timeout_advice: str = ""
    #: a bare ValueError from the compute code is worded for people: show it as it is
    plain_value_errors: bool = True

    def requests(self) -> models.QuerySet:
        """The request rows (with what ``prepare`` reads, selected)."""
        raise NotImplementedError

    def prepare(self, request) -> Work:
        raise NotImplementedError

    def compute(self, request, work: Work, out_dir: Path, progress) -> Any:
        raise NotImplementedError

    def store(self, request, work: Work, output: Any) -> models.Model:
        raise NotImplementedError

    def run(self, job_id: int) -> None:
        job = jobs.claim(job_id)
        if job is None:
            logger.info("job %s was already taken or cancelled; skipping", job_id)
            return
        try:
            request = self.requests().get(job_id=job_id)
            work = self.prepare(request)
            result = work.existing
            if result is None:
                out_dir = Path(settings.MEDIA_ROOT) / work.directory
                soft, _ = jobs.running_limits(job.task_name)
                progress = jobs.throttled_progress(job_id, stop_after_s=soft)
                output = self.compute(request, work, out_dir, progress)
                media.publish(work.directory)  # before the row: a row always points at files
                result = self.store(request, work, output)
            # One transaction (one commit) links the result and finishes the job.
            with transaction.atomic():
                type(request).objects.filter(pk=request.pk).update(result=result)
                if not jobs.succeed(job_id):
                    logger.info("job %s was cancelled while it ran; result kept for reuse", job_id)
        except Exception as exc:
            logger.exception("%s job %s failed", job.kind, job_id)
            jobs.fail(job_id, failure_text(exc, self, job.task_name))


def record_time_limit_kill(job_id: int, seconds: float | None) -> None:
    """Celery killed the job's process at its hard time limit (called in the worker's parent
    process): fail the job at once with the time-limit sentence, so that no sweep or redelivery
    runs it again as if it had crashed."""
    kind = Job.objects.filter(pk=job_id).values_list("kind", flat=True).first()
    if kind is not None:
        logger.warning("job %s killed by its hard time limit (%s s)", job_id, seconds)
        jobs.fail(job_id, timeout_text(kind, seconds))


def failure_text(exc: Exception, declaration: ComputeJob, task_name: str = "") -> str:
    """The one table of sentences a failed compute job shows its user."""
    from celery.exceptions import SoftTimeLimitExceeded

    from worker.inputs.images import ImageRejected
    from worker.runtime.model_safety import ModelRejected

    if isinstance(exc, ImageRejected | ModelRejected):
        return str(exc)
    if declaration.plain_value_errors and type(exc) is ValueError:
        return str(exc)  # the worker's own checks word these for people
    if isinstance(exc, SoftTimeLimitExceeded):
        soft = jobs.running_limits(task_name)[0]
        return timeout_text(declaration.kinds[0] if declaration.kinds else "", soft)
    if isinstance(exc, FileNotFoundError):
        return "A file this analysis needs is missing (the image or the network was removed)."
    if isinstance(exc, MemoryError):
        return "The worker ran out of memory on this analysis."
    return f"The {declaration.what} failed ({type(exc).__name__}: {str(exc)[:300]})."
