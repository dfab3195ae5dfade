from django.apps import AppConfig


class AnalysesConfig(AppConfig):
    name = "backend.analyses"
    label = "analyses"
