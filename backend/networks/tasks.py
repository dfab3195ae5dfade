"""Thin Celery task: take an id, call the service, return nothing (its queue is set in
backend.core.queues)."""

from celery import shared_task


@shared_task(
    name="networks.register_network",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=360,
    ignore_result=True,
)
def register_network(*, job_id: int) -> None:
    from backend.jobs.runner import run_job

    run_job(job_id)
