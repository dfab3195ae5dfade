"""Lessons (a teacher's ordered views with notes) and share links (read-only, revocable).

A share link stores only the SHA-256 of its token: the token is shown once, to its owner, and
a database leak gives nobody a working link.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

NOTE_MAX_CHARS = 4000


class ViewKind(models.TextChoices):
    OVERVIEW = "overview"
    LAYER = "layer"
    EXPLAIN = "explain"
    INTERMEDIATE = "intermediate"
    ARITHMETIC = "arithmetic"
    FLATTEN = "flatten"


class Lesson(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lessons"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="", max_length=NOTE_MAX_CHARS)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title


class LessonStep(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="+")
    image = models.ForeignKey("uploads.UploadedImage", on_delete=models.CASCADE, related_name="+")
    # {"kind": ViewKind, "layer"?: name, "method"?: attribution method, "channel"?: int}
    view = models.JSONField(default=dict)
    note = models.TextField(blank=True, default="", max_length=NOTE_MAX_CHARS)
    # Made when the step is saved, so the numbers exist before anyone opens the lesson.
    analysis = models.ForeignKey(
        "analyses.Analysis", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["lesson", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "position"], name="lesson_step_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.lesson_id} step {self.position}"


class ShareLinkStatus(models.TextChoices):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


class ShareLink(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="share_links"
    )
    # Exactly one target; deleting it deletes the link, so its token stops working.
    analysis = models.ForeignKey(
        "analyses.Analysis",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="share_links",
    )
    lesson = models.ForeignKey(
        Lesson, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)  # sha256 hex of the token
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    last_viewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(analysis__isnull=False) & Q(lesson__isnull=True))
                | (Q(analysis__isnull=True) & Q(lesson__isnull=False)),
                name="share_link_exactly_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"share link {self.pk} ({self.kind})"

    @property
    def kind(self) -> str:
        return "analysis" if self.analysis_id else "lesson"

    def status_at(self, now=None) -> str:
        now = now or timezone.now()
        if self.revoked_at is not None:
            return ShareLinkStatus.REVOKED
        if self.expires_at is not None and self.expires_at <= now:
            return ShareLinkStatus.EXPIRED
        return ShareLinkStatus.ACTIVE

    @property
    def status(self) -> str:
        return self.status_at()
