"""Datasets known to the platform. Built-in ones are read through the `datasets` package."""

from django.db import models


class Dataset(models.Model):
    name = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    manifest = models.JSONField(default=dict)
    builtin = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
