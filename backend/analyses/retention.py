"""The retention policy of stored analysis results: what ``manage.py prune_results`` and the
periodic ``analyses.prune_results`` task remove.

Every analysis result is recomputable (the network file and the image are kept), so pruning
removes only its layer files, least recently used first, and keeps the row, the probabilities
and the previews: a pruned layer is computed again on request (the per-layer endpoint's 202
path, backend/analyses/storage.py). Two rules:

- age: a result not used for ``RESULT_MAX_AGE_DAYS`` loses its layer files;
- quota: a user whose results (the distinct results of their analyses) take more than
  ``RESULT_QUOTA_BYTES_PER_USER`` loses the layer files of their least recently used results
  until the rest fit.

Kept whatever their age: results of analyses behind a share link or a lesson step (a viewer
without an account cannot follow a job), and results with a layer job queued or running.

Each file is removed whole (``core.media.remove``: one unlink here, one delete in the object
store), so a crash midway leaves every layer either whole on disk or absent (computed on
request), never half a file; the result's size is counted again afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from backend.analyses import storage
from backend.analyses.models import Analysis, AnalysisResult
from backend.core import media
from backend.jobs.models import JobStatus


@dataclass
class Pruned:
    result_id: int
    directory: str
    bytes: int
    reason: str  # "age" or "quota of <username>"


@dataclass
class PruneReport:
    dry_run: bool
    pruned: list[Pruned] = field(default_factory=list)

    @property
    def freed_bytes(self) -> int:
        return sum(item.bytes for item in self.pruned)


def quota_bytes() -> int:
    return int(settings.RESULT_QUOTA_BYTES_PER_USER)


def max_age() -> timedelta:
    return timedelta(days=float(settings.RESULT_MAX_AGE_DAYS))


def kept_result_ids() -> set[int]:
    """Results that keep their files: shared, in a lesson, or with a layer job under way."""
    shared = Analysis.objects.filter(share_links__isnull=False).values_list("result_id", flat=True)
    # Read through the app registry: sharing imports analyses, never the other way round.
    lesson_step = apps.get_model("sharing", "LessonStep")
    in_lessons = lesson_step.objects.filter(analysis__isnull=False).values_list(
        "analysis__result_id", flat=True
    )
    busy = AnalysisResult.objects.filter(
        layer_requests__job__status__in=(JobStatus.QUEUED, JobStatus.RUNNING)
    ).values_list("pk", flat=True)
    return {pk for pk in [*shared, *in_lessons, *busy] if pk is not None}


def layer_files(result: AnalysisResult) -> dict[str, int]:
    """The result's layer files on disk now (name → bytes): what pruning would remove."""
    names = {layer["file"] for layer in result.layers}
    names |= {storage.exact_name(layer) for layer in result.layers}
    return {
        name: size for name, size in media.folder_files(result.directory).items() if name in names
    }


def prune_result(result: AnalysisResult, *, dry_run: bool = False) -> int:
    """Remove the result's layer files; the bytes freed (or that would be)."""
    files = layer_files(result)
    if dry_run or not files:
        return sum(files.values())
    for name in files:
        media.remove(f"{result.directory}/{name}")
    AnalysisResult.objects.filter(pk=result.pk).update(pruned_at=timezone.now())
    storage.refresh_disk_bytes(result)
    return sum(files.values())


def _candidates():
    """Results that may hold layer files, least recently used first."""
    not_since = Q(pruned_at__isnull=True) | Q(pruned_at__lt=F("used_at"))
    return AnalysisResult.objects.filter(not_since).order_by("used_at", "pk")


def user_disk_bytes(user) -> int:
    """Bytes kept for the distinct results of the user's analyses."""
    sizes = (
        AnalysisResult.objects.filter(analyses__owner=user)
        .distinct()
        .values_list("pk", "disk_bytes")
    )
    return sum(size for _, size in sizes)


def prune(*, dry_run: bool = False, now=None) -> PruneReport:
    """Apply both rules once: the age limit, then each user's quota."""
    now = now or timezone.now()
    report = PruneReport(dry_run=dry_run)
    kept = kept_result_ids()
    done: set[int] = set()

    def take(result: AnalysisResult, reason: str) -> int:
        freed = prune_result(result, dry_run=dry_run)
        done.add(result.pk)
        if freed:
            report.pruned.append(Pruned(result.pk, result.directory, freed, reason))
        return freed

    for result in _candidates().filter(used_at__lt=now - max_age()).exclude(pk__in=kept):
        take(result, "age")

    quota = quota_bytes()
    owners = Analysis.objects.values_list("owner", flat=True).distinct()
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for user in user_model.objects.filter(pk__in=owners).order_by("pk"):
        results = list(
            AnalysisResult.objects.filter(analyses__owner=user).distinct().order_by("used_at", "pk")
        )
        # Rows read now count this pass's removals already; a dry run removed nothing, so it
        # subtracts what it would have removed.
        freed = {item.result_id: item.bytes for item in report.pruned} if dry_run else {}
        total = sum(result.disk_bytes - freed.get(result.pk, 0) for result in results)
        for result in results:
            if total <= quota:
                break
            if result.pk in kept or result.pk in done:
                continue
            total -= take(result, f"quota of {user.get_username()}")
    return report
