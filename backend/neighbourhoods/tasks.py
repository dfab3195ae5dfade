"""Thin Celery task: take an id, run the job (its queue is set in backend.core.queues)."""

from celery import shared_task


@shared_task(
    name="neighbourhoods.run_neighbourhood",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=330,
    ignore_result=True,
)
def run_neighbourhood(*, job_id: int) -> None:
    from backend.jobs.runner import run_job

    run_job(job_id)


@shared_task(
    name="neighbourhoods.train_vae",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=900,
    time_limit=960,
    ignore_result=True,
)
def train_vae(*, job_id: int) -> None:
    from backend.jobs.runner import run_job

    run_job(job_id)
