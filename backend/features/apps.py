from django.apps import AppConfig


class FeaturesConfig(AppConfig):
    name = "backend.features"
    label = "features"
