"""The product's Celery app plus one task that kills the worker process running it: the
"poison" job of the chaos tests (a stand-in for an input that crashes TensorFlow)."""

import os
import signal

from backend.config.celery_app import app

__all__ = ["app"]


@app.task(
    name="chaos.kill_own_worker",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=30,
    time_limit=40,
    ignore_result=True,
)
def kill_own_worker(*, job_id: int) -> None:
    from backend.jobs import services

    if services.claim(job_id) is not None:
        os.kill(os.getpid(), signal.SIGKILL)
