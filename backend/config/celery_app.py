"""The Celery application: settings come from Django's (CELERY_* names)."""

import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")

app = Celery("convscope")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _warm_up_child(**_: object) -> None:
    """Load TensorFlow and the zoo networks in each child, after the fork (TF is not fork-safe)."""
    from worker.tf_env import configure_worker_process

    configure_worker_process()  # before TensorFlow is imported in this child
    if os.environ.get("CONVSCOPE_WARM_UP", "1") != "1":
        return
    from backend.analyses.warmup import warm_up_networks

    warm_up_networks()
