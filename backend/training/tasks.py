"""Thin Celery task: take an id, run the job (its queue is set in backend.core.queues)."""

from celery import shared_task


@shared_task(
    name="training.run_training",
    acks_late=True,
    reject_on_worker_lost=True,
    # The recipe check refuses any run estimated past this (backend/jobs/costs.check_training).
    soft_time_limit=900,
    time_limit=960,
    ignore_result=True,
)
def run_training(*, job_id: int) -> None:
    from backend.jobs.runner import run_job

    run_job(job_id)
