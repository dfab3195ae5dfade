"""The Celery application: settings come from Django's (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import task_failure, task_postrun, task_prerun, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")

app = Celery("convscope")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The app of every thread (gunicorn's and the test server's too), so backend code reaches it as
# `celery.current_app` and no app module imports this one back (no import cycle through config).
app.set_default()


@worker_process_init.connect
def _warm_up_child(**_: object) -> None:
    """Load TensorFlow and the zoo networks in each child, after the fork (TF is not fork-safe)."""
    from worker.runtime.tf_env import configure_worker_process

    configure_worker_process()  # before TensorFlow is imported in this child
    if os.environ.get("CONVSCOPE_WARM_UP", "1") != "1":
        return
    from backend.analyses.warmup import warm_up_networks

    warm_up_networks()


@task_prerun.connect
def _start_heartbeat(task_id: str = "", kwargs: dict | None = None, **_: object) -> None:
    from backend.jobs.heartbeat import start_for_task

    start_for_task(task_id, kwargs)


@task_postrun.connect
def _stop_heartbeat(task_id: str = "", **_: object) -> None:
    from backend.jobs.heartbeat import stop_for_task

    stop_for_task(task_id)


@task_failure.connect
def _record_time_limit_kill(
    exception: BaseException | None = None, kwargs: dict | None = None, **_: object
) -> None:
    """A hard time limit kills the child; Celery reports it here, in the parent process. The
    job row would stay RUNNING and the sweeper would send it again as a crash: fail it now."""
    from billiard.exceptions import TimeLimitExceeded

    job_id = (kwargs or {}).get("job_id")
    if isinstance(exception, TimeLimitExceeded) and job_id is not None:
        from backend.jobs.runner import record_time_limit_kill

        seconds = exception.args[0] if exception.args else None
        record_time_limit_kill(int(job_id), seconds)
