"""Project configuration: settings, URLs, the Celery app."""
