"""Thin Celery task: the periodic sweep of jobs whose worker died (backend.jobs.sweeper)."""

from celery import shared_task


@shared_task(
    name="jobs.sweep",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
    # A sweep is only useful now; a late one is superseded by the next.
    expires=60,
)
def sweep_jobs() -> None:
    from backend.jobs.sweeper import sweep

    sweep()
