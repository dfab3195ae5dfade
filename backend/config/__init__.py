"""Project configuration: settings, URLs, the Celery app.

The Celery app is imported here so every `shared_task` binds to it (and to its Redis broker)
in the web process too, not to Celery's default app.
"""

from .celery_app import app as celery_app

__all__ = ["celery_app"]
