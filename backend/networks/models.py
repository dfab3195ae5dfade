"""Registered networks: zoo networks trained here and Keras classifiers users brought."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q

from backend.core import media
from worker.runtime.network_handle import NetworkHandle

# The per-layer weight files the API serves (see worker.techniques.kernels.export_weights).
WEIGHT_PARTS = ("kernel", "bias", "gamma", "beta", "moving_mean", "moving_variance")


class NetworkSource(models.TextChoices):
    ZOO = "zoo"
    UPLOAD = "upload"
    # built from a layer stack and trained here (backend/training): files under MEDIA_ROOT
    TRAINED = "trained"


class NetworkQuerySet(models.QuerySet):
    def visible_to(self, user) -> "NetworkQuerySet":
        from backend.core.roles import is_admin

        if is_admin(user):
            return self
        return self.filter(Q(public=True) | Q(owner=user))


class Network(models.Model):
    name = models.SlugField(max_length=100)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200, blank=True, default="")
    description = models.TextField(blank=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="networks",
    )
    public = models.BooleanField(default=False)
    source = models.CharField(max_length=16, choices=NetworkSource.choices)
    dataset = models.ForeignKey(
        "datasets.Dataset",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="networks",
    )
    # Zoo files live in the repository, uploads under MEDIA_ROOT; relative to that root.
    model_file = models.CharField(max_length=500)
    weights_sha256 = models.CharField(max_length=64)
    labels = models.JSONField(default=list)
    input_spec = models.JSONField(default=dict)
    layers = models.JSONField(default=list)
    params = models.BigIntegerField(default=0)
    softmax_output = models.BooleanField(default=True)
    test_accuracy = models.FloatField(null=True, blank=True)
    history = models.JSONField(default=list, blank=True)
    # What it was trained on, in the owner's words (the model card shows it).
    training_data = models.TextField(blank=True, default="")
    # Its out-of-distribution check, fitted once (backend/networks/ood.py); {} until then.
    ood = models.JSONField(default=dict, blank=True)
    # Its temperature and reliability before / after (backend/networks/calibration.py); {} until
    # fitted, or when it has no test split.
    calibration = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = NetworkQuerySet.as_manager()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="network_name_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_zoo(self) -> bool:
        return self.source == NetworkSource.ZOO

    @property
    def model_path(self) -> Path:
        """The model file on this machine (an uploaded one is fetched from the object store
        when this machine has no copy yet)."""
        if self.is_zoo:
            return Path(settings.ROOT_DIR) / self.model_file
        return media.local_path(self.model_file)

    @property
    def files_folder(self) -> str:
        """The stored folder (relative to MEDIA_ROOT) of the model file and its weights."""
        return f"networks/{self.name}-v{self.version}"

    @property
    def weights_dir(self) -> Path:
        """Exported kernels and biases (.npy), written at registration (the local folder;
        readers use ``weights_file``)."""
        return Path(settings.MEDIA_ROOT) / self.files_folder / "weights"

    def weights_file(self, filename: str, epoch: int = 0) -> Path:
        """One exported kernel or bias (of checkpoint ``epoch`` if > 0), fetched when missing."""
        folder = f"{self.files_folder}/weights"
        if epoch:
            folder += f"/epoch_{epoch:02d}"
        return media.local_path(f"{folder}/{filename}")

    @property
    def checkpoint_epochs(self) -> list[int]:
        """Epochs whose weights were saved during training (zoo networks), in order."""
        return [row["epoch"] for row in self.history if row.get("checkpoint")]

    def checkpoint_path(self, epoch: int) -> Path | None:
        """The weights file saved after ``epoch``: a zoo network's is in the repository (its
        path relative to it), any other's is a stored file (relative to MEDIA_ROOT, fetched
        from the object store when this machine has no copy)."""
        for row in self.history:
            if row.get("epoch") == epoch and row.get("checkpoint"):
                if self.is_zoo:
                    return Path(settings.ROOT_DIR) / row["checkpoint"]
                return media.local_path(row["checkpoint"])
        return None

    def compute_handle(self) -> NetworkHandle:
        """What the compute code needs of this network (file, hash, input spec, checkpoints):
        the one place a handle is built from the row."""
        return NetworkHandle.from_fields(
            lambda: self.model_path,  # an upload is fetched only when a model is loaded
            self.weights_sha256,
            self.input_spec,
            {epoch: self.checkpoint_path(epoch) for epoch in self.checkpoint_epochs},
        )

    def epoch_weights_dir(self, epoch: int) -> Path:
        """Exported kernels and biases of checkpoint ``epoch`` (same file names)."""
        return self.weights_dir / f"epoch_{epoch:02d}"

    def resolve_epoch(self, epoch: int | None) -> int:
        """0 for the trained network (no epoch, or the last one: the same weights);
        ``ValueError`` with a sentence for an epoch this network has no checkpoint of."""
        if epoch is None:
            return 0
        epochs = self.checkpoint_epochs
        if not epochs:
            raise ValueError(
                "This network has no training history: only its trained state can be shown."
            )
        if epoch not in epochs:
            raise ValueError(f"Choose an epoch from {epochs[0]} to {epochs[-1]}.")
        return 0 if epoch == epochs[-1] else epoch


class NetworkRegistration(models.Model):
    """A request to register an uploaded model file; its job runs the checks."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_registrations"
    )
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.CASCADE, related_name="network_registration"
    )
    name = models.SlugField(max_length=100)
    # Everything the form sent but the file: labels, input size, preprocessing, dataset, public.
    params = models.JSONField(default=dict)
    staged_file = models.CharField(max_length=400, blank=True, default="")  # relative to MEDIA_ROOT
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"network registration {self.name} ({self.pk})"


class ModelUpload(models.Model):
    """A model file arriving in chunks (POST /api/uploads/model-chunks/): private to its owner,
    streamed to a staging file, registered once every byte has arrived."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="model_uploads"
    )
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField()
    received = models.BigIntegerField(default=0)  # bytes 0..received-1 are on disk
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"model upload {self.filename} ({self.received}/{self.size})"

    @property
    def complete(self) -> bool:
        return self.received == self.size
