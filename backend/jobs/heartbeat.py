"""While a worker runs a job, a thread touches the job's row, so a job whose worker died
(the row goes quiet) can be told from a long one (backend.jobs.sweeper, services.claim)."""

from __future__ import annotations

import logging
import threading

from django.db import connection

logger = logging.getLogger(__name__)


class Heartbeat:
    """One background thread per running job; ``stop()`` ends it."""

    def __init__(self, job_id: int, every_s: float) -> None:
        self.job_id = job_id
        self.every_s = every_s
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"heartbeat-job-{job_id}", daemon=True
        )

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        from backend.jobs import services

        try:
            while not self._stop.wait(self.every_s):
                try:
                    services.heartbeat(self.job_id)
                except Exception as exc:  # a database hiccup must not kill the job
                    logger.warning("heartbeat of job %s failed: %s", self.job_id, exc)
        finally:
            connection.close()  # this thread's own connection


_current: dict[str, Heartbeat] = {}


def start_for_task(task_id: str, kwargs: dict | None) -> None:
    """Celery ``task_prerun``: every ConvScope task takes ``job_id``."""
    from backend.jobs import services

    job_id = (kwargs or {}).get("job_id")
    if isinstance(job_id, int):
        _current[task_id] = Heartbeat(job_id, services.heartbeat_s()).start()


def stop_for_task(task_id: str) -> None:
    """Celery ``task_postrun``."""
    beat = _current.pop(task_id, None)
    if beat is not None:
        beat.stop()
