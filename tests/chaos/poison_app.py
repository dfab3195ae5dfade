"""The product's Celery app plus two tasks: one that kills the worker process running it (the
"poison" job of the chaos tests, a stand-in for an input that crashes TensorFlow), and one that
outlives its soft time limit (a stand-in for work stuck in native code) until the hard limit
kills it."""

import contextlib
import os
import signal
import time

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


@app.task(
    name="chaos.outlive_soft_time_limit",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=30,
    time_limit=40,
    ignore_result=True,
)
def outlive_soft_time_limit(*, job_id: int) -> None:
    from celery.exceptions import SoftTimeLimitExceeded

    from backend.jobs import services

    if services.claim(job_id) is None:
        return
    while True:  # like a long call into TensorFlow: the soft limit cannot stop it
        with contextlib.suppress(SoftTimeLimitExceeded):
            time.sleep(0.1)
