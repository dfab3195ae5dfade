from django.apps import AppConfig


class ComparisonsConfig(AppConfig):
    name = "backend.comparisons"
    label = "comparisons"
