"""A user's own small network, built layer by layer on the Build & train page and trained on a
built-in dataset: the request (recipe and settings), its live curves, and the network it made
(private to the owner; an administrator may make it public in the admin, as any network)."""

from django.conf import settings
from django.db import models


class TrainingRun(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_runs"
    )
    title = models.CharField(max_length=200, blank=True, default="")
    dataset = models.ForeignKey(
        "datasets.Dataset", on_delete=models.CASCADE, related_name="training_runs"
    )
    # The cleaned layer stack (worker/techniques/training/recipe.py), without the output layer.
    recipe = models.JSONField(default=list)
    epochs = models.PositiveIntegerField()
    batch_size = models.PositiveIntegerField()
    learning_rate = models.FloatField()
    images = models.PositiveIntegerField(help_text="training images, a seeded subset")
    seed = models.PositiveIntegerField(default=0)
    # The points of the curves as they arrive: {"kind": "batch"|"epoch", "epoch", "loss", …}.
    history = models.JSONField(default=list, blank=True)
    # The parameters and multiply-adds the recipe check counted; the estimate it was let in on.
    params = models.BigIntegerField(default=0)
    estimated_seconds = models.FloatField(default=0.0)
    seconds_used = models.FloatField(default=0.0)
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="training_run")
    network = models.ForeignKey(
        "networks.Network",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_runs",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"training run {self.pk} ({self.title or 'untitled'})"

    @property
    def network_name(self) -> str:
        """The name of the network it makes (version 1): one per run, so never taken."""
        return f"trained-{self.pk}"

    @property
    def folder(self) -> str:
        """Where it trains into under MEDIA_ROOT (model.keras, checkpoints/): the folder of the
        network it makes, so deleting that network removes them too."""
        return f"networks/{self.network_name}-v1"
