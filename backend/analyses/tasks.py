"""Thin Celery tasks: take an id, call the service, return nothing.

Queues are assigned in one place, backend.core.queues (Celery deprecates per-task `queue`)."""

from celery import shared_task


@shared_task(
    name="analyses.run_analysis",
    acks_late=True,
    reject_on_worker_lost=True,
    # The first analysis of a 400-layer network (DenseNet121) took over 60 s on a busy 2-core
    # machine: loading it, tracing every layer's output and storing them.
    soft_time_limit=120,
    time_limit=150,
    ignore_result=True,
)
def run_analysis(*, job_id: int) -> None:
    from backend.jobs.runner import run_job

    run_job(job_id)


@shared_task(
    name="analyses.prune_results",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=300,
    time_limit=360,
    ignore_result=True,
    # Periodic (beat): a late run is superseded by the next.
    expires=600,
)
def prune_results() -> None:
    """The retention policy of stored results (backend/analyses/retention.py), and model
    uploads left unfinished past their age limit (backend/networks/chunked.py)."""
    from backend.analyses.retention import prune
    from backend.networks.chunked import remove_stale_uploads

    prune()
    remove_stale_uploads()
