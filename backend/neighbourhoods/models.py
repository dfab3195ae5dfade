"""Why was this picture misclassified? A test picture's neighbourhood in its dataset's VAE,
labelled by the network, with a linear student (worker/techniques/neighbourhood). One stored
result per (network version, dataset, test picture, settings), shared by identical requests."""

from django.conf import settings
from django.db import models

from backend.core.media import StoredFolderMixin


class NeighbourhoodResult(StoredFolderMixin, models.Model):
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="neighbourhood_results"
    )
    # sha256 of the canonical JSON of (network version, weights, VAE, dataset, index, settings)
    params_key = models.CharField(max_length=64, unique=True)
    params = models.JSONField(default=dict)
    directory = models.CharField(max_length=400)  # relative to MEDIA_ROOT
    summary = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"neighbourhood {self.params_key[:12]}"


class Neighbourhood(models.Model):
    """A user's request: the neighbourhood of test picture ``index`` of the network's dataset."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="neighbourhoods"
    )
    network = models.ForeignKey(
        "networks.Network", on_delete=models.CASCADE, related_name="neighbourhoods"
    )
    dataset = models.CharField(max_length=100)
    index = models.PositiveIntegerField()  # in the dataset's test split
    params = models.JSONField(default=dict)  # neighbours, radius, regularisation, seed
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="neighbourhood")
    result = models.ForeignKey(
        NeighbourhoodResult,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"neighbourhood {self.pk} of {self.dataset}[{self.index}]"


class DatasetVae(StoredFolderMixin, models.Model):
    """A VAE trained by a job for a registered dataset (the zoo datasets ship theirs):
    ``encoder.keras``, ``decoder.keras`` and ``manifest.json`` in ``directory``."""

    dataset = models.ForeignKey("datasets.Dataset", on_delete=models.CASCADE, related_name="vaes")
    directory = models.CharField(max_length=400)  # relative to MEDIA_ROOT
    summary = models.JSONField(default=dict)  # the manifest
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"VAE of {self.dataset_id} ({self.pk})"


class VaeTraining(models.Model):
    """A user's request: train a VAE for a registered dataset (private to them)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vae_trainings"
    )
    dataset = models.ForeignKey(
        "datasets.Dataset", on_delete=models.CASCADE, related_name="vae_trainings"
    )
    job = models.OneToOneField("jobs.Job", on_delete=models.CASCADE, related_name="vae_training")
    result = models.ForeignKey(
        DatasetVae, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"VAE training {self.pk}"
