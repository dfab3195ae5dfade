"""Datasets known to the platform. Built-in ones are read through the `datasets` package."""

from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q


class DatasetQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DatasetQuerySet":
        """Built-in datasets, public ones and the user's own (administrators see all)."""
        from backend.core.roles import is_admin

        if is_admin(user):
            return self
        if not getattr(user, "is_authenticated", False):
            return self.filter(Q(builtin=True) | Q(public=True))
        return self.filter(Q(builtin=True) | Q(public=True) | Q(owner=user))


class Dataset(models.Model):
    name = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    manifest = models.JSONField(default=dict)
    builtin = models.BooleanField(default=True)
    # Registered (non-builtin) datasets: who brought it, and whether everyone may use it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="datasets",
    )
    public = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DatasetQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def directory(self) -> Path:
        """Where a registered dataset's arrays, manifest and thumbnails are stored."""
        return stored_datasets_root() / self.name


def stored_datasets_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "datasets"


class DatasetRegistration(models.Model):
    """A request to register a dataset from an uploaded zip; its job does the work."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dataset_registrations"
    )
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.CASCADE, related_name="dataset_registration"
    )
    name = models.SlugField(max_length=64)
    params = models.JSONField(default=dict)
    staged_file = models.CharField(max_length=400, blank=True, default="")  # relative to MEDIA_ROOT
    dataset = models.ForeignKey(
        Dataset, null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"dataset registration {self.name} ({self.pk})"
