from django.apps import AppConfig


class NeighbourhoodsConfig(AppConfig):
    name = "backend.neighbourhoods"
    label = "neighbourhoods"
