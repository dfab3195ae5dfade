"""A user's notes on single filters: "useful" or "useless", and why. Private to their owner."""

from django.conf import settings
from django.db import models

MAX_NOTE = 2000


class Verdict(models.TextChoices):
    USEFUL = "useful"
    USELESS = "useless"
    NONE = "", "no verdict"


class FilterAnnotation(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="filter_annotations"
    )
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="filter_annotations"
    )
    layer = models.CharField(max_length=200)
    filter = models.PositiveIntegerField()
    verdict = models.CharField(max_length=8, choices=Verdict.choices, blank=True, default="")
    note = models.TextField(blank=True, default="", max_length=MAX_NOTE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["network_id", "layer", "filter"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "network", "layer", "filter"], name="filter_annotation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.layer}[{self.filter}] {self.verdict or '-'}"
