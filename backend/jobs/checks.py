"""A job that reports a list of checks as it goes (registrations), so a page can tick them off.

The list lives in ``Job.result["checks"]``: ``[{"name", "title", "status", "detail"}]`` with
status ``pending`` → ``running`` → ``passed`` | ``failed`` | ``skipped``. Progress is the share
of checks finished.
"""

import logging
from collections.abc import Callable

from backend.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

PENDING, RUNNING, PASSED, FAILED, SKIPPED = "pending", "running", "passed", "failed", "skipped"
FINISHED = (PASSED, FAILED, SKIPPED)


def initial_checks(definitions) -> list[dict]:
    return [
        {"name": name, "title": title, "status": PENDING, "detail": ""}
        for name, title in definitions
    ]


class JobChecks:
    """Keeps one job's check list and writes it to the job row on every change."""

    def __init__(self, job_id: int, definitions, result: dict | None = None) -> None:
        self.job_id = job_id
        self.result = dict(result or {})
        existing = {check["name"]: check for check in self.result.get("checks", [])}
        self.checks = [
            existing.get(name) or {"name": name, "title": title, "status": PENDING, "detail": ""}
            for name, title in definitions
        ]
        self.result["checks"] = self.checks

    def _find(self, name: str) -> dict:
        for check in self.checks:
            if check["name"] == name:
                return check
        raise KeyError(name)

    def status_of(self, name: str) -> str:
        return self._find(name)["status"]

    def report(self, name: str, status: str, detail: str = "") -> None:
        """The callback services take: one check's new status and its plain-words detail."""
        check = self._find(name)
        check["status"] = status
        if detail or status != RUNNING:
            check["detail"] = detail
        if status == FAILED:
            self.skip_rest()
        self.save(message=detail if status == RUNNING else "")

    def skip_rest(self, detail: str = "Not checked, because an earlier check failed.") -> None:
        for check in self.checks:
            if check["status"] in (PENDING, RUNNING):
                check["status"] = SKIPPED
                check["detail"] = detail

    def fail(self, reason: str, name: str | None = None) -> None:
        """Mark `name` (or the check that was running, if any) failed and the rest skipped."""
        target = None
        if name is not None:
            target = self._find(name)
        else:
            target = next((c for c in self.checks if c["status"] == RUNNING), None)
        if target is not None:
            target["status"] = FAILED
            target["detail"] = reason
        self.skip_rest()
        self.save()

    @property
    def progress(self) -> float:
        # Skipped checks do not count: a refusal at the second of eight checks reads 25 %.
        done = sum(1 for check in self.checks if check["status"] in (PASSED, FAILED))
        return done / max(1, len(self.checks))

    def save(self, message: str = "") -> None:
        running = next((c for c in self.checks if c["status"] == RUNNING), None)
        if not message and running is not None:
            message = f"Checking: {running['title']}…"
        Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
            result=self.result, progress=min(0.99, self.progress), message=message
        )


def run_registration_job(
    job_id: int,
    *,
    definitions,
    registrations,
    body: Callable[[object, JobChecks], str],
    refusal: Callable[[Exception, JobChecks], tuple[str, str | None] | None],
    unexpected: Callable[[Exception], str],
    discard: Callable[[str], None],
) -> None:
    """What every registration job does around its own checks: claim the job, run
    ``body(registration, checks)`` (it returns the success message), turn a refusal into a failed
    check with the rest skipped and a failed job, and always delete the staged upload.
    ``refusal(exc, checks)`` gives (reason, check name or None) for an expected refusal, or None
    for a fault of the server (logged, and told in ``unexpected(exc)``'s words). Never raises."""
    from backend.jobs import services as jobs

    job = jobs.claim(job_id)
    if job is None:
        logger.info("job %s was already taken or cancelled; skipping", job_id)
        return
    checks = JobChecks(job_id, definitions, job.result)
    registration = None
    try:
        registration = registrations.select_related("owner").get(job_id=job_id)
        message = body(registration, checks)
        Job.objects.filter(pk=job_id).update(result=checks.result)
        if not jobs.succeed(job_id, message):
            logger.info("registration job %s was cancelled while it ran", job_id)
    except Exception as exc:
        refused = refusal(exc, checks)
        if refused is None:
            logger.exception("registration job %s failed", job_id)
            refused = (unexpected(exc), None)
        reason, check = refused
        checks.fail(reason, check)
        jobs.fail(job_id, reason)
        Job.objects.filter(pk=job_id).update(result=checks.result)
    finally:
        if registration is not None:
            discard(registration.staged_file)
            registrations.filter(pk=registration.pk).update(staged_file="")
