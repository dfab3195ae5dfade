from django.apps import AppConfig


class NetworksConfig(AppConfig):
    name = "backend.networks"
    label = "networks"
