"""Thin Celery tasks: take an id, call the service, return nothing.

Queues are assigned in one place, backend.core.queues (Celery deprecates per-task `queue`)."""

from celery import shared_task


@shared_task(
    name="explanations.run_explanation",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=120,
    time_limit=150,
    ignore_result=True,
)
def run_explanation(*, job_id: int) -> None:
    from backend.jobs.runner import run_job

    run_job(job_id)


@shared_task(
    name="explanations.run_heavy_explanation",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=330,
    ignore_result=True,
)
def run_heavy_explanation(*, job_id: int) -> None:
    """The same work for many-pass methods and trust checks, on the gpu queue."""
    from backend.jobs.runner import run_job

    run_job(job_id)
