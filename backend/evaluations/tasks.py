"""Thin Celery task: take an id, call the service, return nothing (its queue is set in
backend.core.queues)."""

from celery import shared_task


@shared_task(
    name="evaluations.run_dataset_view",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=900,
    time_limit=960,
    ignore_result=True,
)
def run_dataset_view(*, job_id: int) -> None:
    from backend.jobs.runner import run_job

    run_job(job_id)
