from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """Reports (no models of their own): their management commands live here."""

    name = "backend.reports"
    label = "reports"
