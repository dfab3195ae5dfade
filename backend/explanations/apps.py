from django.apps import AppConfig


class ExplanationsConfig(AppConfig):
    name = "backend.explanations"
    label = "explanations"
