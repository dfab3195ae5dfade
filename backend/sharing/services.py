"""Share links and lessons: tokens, lookups, what a link may reach, and saving lesson steps."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from backend.analyses import services as analysis_services
from backend.analyses.models import Analysis
from backend.jobs.models import JobStatus
from backend.sharing.models import Lesson, LessonStep, ShareLink

TOKEN_BYTES = 32  # 256 bits: guessing a live link is hopeless


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_share_link(
    owner, *, analysis=None, lesson=None, expires_at: datetime | None = None
) -> tuple[ShareLink, str]:
    """A new link and its token. The token is returned once and never stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ShareLink.objects.create(
        owner=owner,
        analysis=analysis,
        lesson=lesson,
        token_hash=hash_token(token),
        expires_at=expires_at,
    )
    return link, token


def expiry_in_days(days: int) -> datetime:
    return timezone.now() + timedelta(days=days)


def revoke(link: ShareLink) -> ShareLink:
    """Idempotent: the first revocation's time is kept."""
    if link.revoked_at is None:
        ShareLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        link.refresh_from_db()
    return link


def resolve_token(token: str) -> ShareLink | None:
    """The active link for `token`, or None (unknown, tampered, expired, revoked, target gone).

    The lookup is by the token's hash, an indexed key: the database never compares the secret
    itself, and the final comparison is constant-time."""
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    link = (
        ShareLink.objects.filter(token_hash=digest)
        .select_related("owner", "analysis", "lesson")
        .first()
    )
    if link is None or not hmac.compare_digest(link.token_hash, digest):
        return None
    if link.status != "active":
        return None
    return link


def count_view(link: ShareLink) -> None:
    ShareLink.objects.filter(pk=link.pk).update(
        view_count=F("view_count") + 1, last_viewed_at=timezone.now()
    )


@dataclass
class Reach:
    """The objects a link may show: anything else answers 404 through its prefix."""

    analyses: set[int] = field(default_factory=set)
    networks: set[int] = field(default_factory=set)


def reach_of(link: ShareLink) -> Reach:
    reach = Reach()
    if link.analysis_id:
        reach.analyses.add(link.analysis_id)
        reach.networks.add(link.analysis.network_id)
        return reach
    for network_id, analysis_id in LessonStep.objects.filter(lesson_id=link.lesson_id).values_list(
        "network_id", "analysis_id"
    ):
        reach.networks.add(network_id)
        if analysis_id:
            reach.analyses.add(analysis_id)
    return reach


def shared_analyses(link: ShareLink):
    return Analysis.objects.filter(pk__in=reach_of(link).analyses).select_related(
        "job", "image", "network", "result"
    )


def analysis_for_step(owner, network, image) -> Analysis:
    """The owner's analysis of (network, image) if one exists and did not fail; else a new one
    (which reuses a stored result when the same pixels were analysed before)."""
    existing = (
        Analysis.objects.filter(owner=owner, network=network, image=image, epoch=0)
        .exclude(job__status__in=[JobStatus.FAILED, JobStatus.CANCELLED])
        .order_by("-pk")
        .first()
    )
    if existing is not None:
        return existing
    return analysis_services.create_analysis(owner, network, image)


@dataclass
class StepInput:
    network: object
    image: object
    view: dict
    note: str


def replace_steps(lesson: Lesson, steps: list[StepInput]) -> None:
    """Writing the steps list replaces them (positions 0, 1, … in list order)."""
    analyses = [analysis_for_step(lesson.owner, s.network, s.image) for s in steps]
    with transaction.atomic():
        LessonStep.objects.filter(lesson=lesson).delete()
        LessonStep.objects.bulk_create(
            LessonStep(
                lesson=lesson,
                position=position,
                network=step.network,
                image=step.image,
                view=step.view,
                note=step.note,
                analysis=analysis,
            )
            for position, (step, analysis) in enumerate(zip(steps, analyses, strict=True))
        )
        Lesson.objects.filter(pk=lesson.pk).update(updated_at=timezone.now())
