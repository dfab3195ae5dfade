"""A job is a database row first; the Celery message only carries its id."""

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_STATUSES = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)


class JobKind(models.TextChoices):
    ANALYSIS = "analysis"
    EXPLANATION = "explanation"
    TRUST_CHECK = "trust-check"
    EVALUATION = "evaluation"
    EMBEDDING = "embedding"
    TOP_ACTIVATIONS = "top-activations"
    FILTER_RANKING = "filter-ranking"
    FEATURE_VIS = "feature-vis"
    FILTER_ATTRIBUTION = "filter-attribution"
    NETWORK_REGISTRATION = "network-registration"
    DATASET_REGISTRATION = "dataset-registration"
    COMPARISON = "comparison"
    TRAINING = "training"
    NEIGHBOURHOOD = "neighbourhood"
    VAE_TRAINING = "vae-training"


class Job(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(max_length=32, choices=JobKind.choices)
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    progress = models.FloatField(default=0.0)
    message = models.TextField(blank=True, default="")
    # What the running job is doing now ("t-SNE", "features") and, where the stage counts its
    # steps, the seconds it still needs at its pace so far; the message says it in words.
    stage = models.CharField(max_length=100, blank=True, default="")
    eta_seconds = models.FloatField(null=True, blank=True)
    # Structured outcome for jobs that report more than a message (registrations: the list of
    # checks with their status, the files that could not be read, what was registered).
    result = models.JSONField(default=dict, blank=True)
    # How often a worker took this job; a job that keeps killing its worker is stopped by it.
    deliveries = models.PositiveIntegerField(default=0)
    # "host:pid" of the worker process running it; with heartbeat_at, how a later delivery or
    # the sweeper tells a job whose worker died from one that is still running.
    worker = models.CharField(max_length=255, blank=True, default="")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # When the running delivery's hard time limit ends it: a job found dead past it was killed by
    # the limit (its message is the time-limit sentence), not by a crash (no re-sending).
    deadline = models.DateTimeField(null=True, blank=True)
    # The Celery task that runs it, so the sweeper can send it again.
    task_name = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES
