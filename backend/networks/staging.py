"""Registration through the web: the upload is staged, a job is queued, and the worker runs the
checks (backend/networks/job_kinds.py) and deletes the staged file whatever happens."""

import shutil
import uuid
from pathlib import Path

from django.conf import settings
from django.db import transaction

from backend.core import media
from backend.networks.registration import (
    NETWORK_CHECKS,
    RegistrationError,
    RegistrationRequest,
    max_model_bytes,
    register_uploaded_network,
)


def staging_root() -> Path:
    """Private folder for uploads waiting for their registration job (never served)."""
    return Path(settings.MEDIA_ROOT) / "staging" / "networks"


def max_upload_bytes() -> int:
    """The model-size limit (one setting for the web, the command line and the worker)."""
    return max_model_bytes()


def stage_upload(upload, suffix: str) -> Path:
    """Write an uploaded file to a fresh private staging folder; its path."""
    folder = staging_root() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    target = folder / f"model{suffix}"
    try:
        with target.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    media.publish(media.relative_name(target))  # the worker may run on another machine
    return target


def stage_file(source: Path) -> Path:
    """Move a completed chunked upload into a fresh private staging folder; its new path."""
    folder = staging_root() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    target = folder / f"model{source.suffix.lower()}"
    try:
        source.rename(target)  # one file system: no copy of hundreds of megabytes
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    shutil.rmtree(source.parent, ignore_errors=True)
    media.publish(media.relative_name(target))
    return target


def discard_staged(relative: str) -> None:
    """Remove a staged upload's folder (only ever a folder directly in the staging root)."""
    if not relative:
        return
    folder = (Path(settings.MEDIA_ROOT) / relative).resolve().parent
    if folder.parent == staging_root().resolve():
        media.remove(media.relative_name(folder))


def create_registration(owner, upload, params: dict):
    """Stage the upload (an uploaded file, or the Path of a completed chunked upload), record
    the request and queue its job; the NetworkRegistration."""
    from backend.jobs import services as jobs
    from backend.jobs.checks import initial_checks
    from backend.jobs.models import JobKind
    from backend.networks.models import NetworkRegistration

    if isinstance(upload, Path):
        staged = stage_file(upload)
    else:
        staged = stage_upload(upload, Path(upload.name or "").suffix.lower())
    relative = str(staged.relative_to(Path(settings.MEDIA_ROOT)))
    try:
        with transaction.atomic():
            job = jobs.create_job(owner, JobKind.NETWORK_REGISTRATION, message="Waiting to start.")
            job.result = {"checks": initial_checks(NETWORK_CHECKS), "name": params["name"]}
            job.save(update_fields=["result"])
            registration = NetworkRegistration.objects.create(
                owner=owner, job=job, name=params["name"], params=params, staged_file=relative
            )
    except BaseException:
        discard_staged(relative)
        raise

    try:
        jobs.enqueue(job, "networks.register_network")
    except BaseException:
        discard_staged(relative)
        raise
    return registration


def execute_registration_job(job_id: int) -> None:
    """Body of the Celery task: claim, run every check, register or refuse. Never raises."""
    from backend.jobs.checks import run_registration_job
    from backend.networks.models import NetworkRegistration

    def body(registration, checks) -> str:
        params = registration.params
        request = RegistrationRequest(
            file=media.local_path(registration.staged_file),
            name=params["name"],
            labels=list(params["labels"]),
            labels_source=params.get("labels_source", "file"),
            input_size=tuple(params["input_size"]) if params.get("input_size") else None,
            channels=params.get("channels"),
            scale=float(params.get("scale", 1 / 255)),
            mean=tuple(params.get("mean", (0.0,))),
            std=tuple(params.get("std", (1.0,))),
            resize=params.get("resize", "stretch"),
            dataset=params.get("dataset") or None,
            public=bool(params.get("public")),
            owner=registration.owner,
            title=params.get("title", ""),
            training_data=params.get("training_data", ""),
            channel_order=params.get("channel_order", "rgb"),
        )
        network = register_uploaded_network(request, report=checks.report)
        NetworkRegistration.objects.filter(pk=registration.pk).update(network=network)
        checks.result.update(
            network_id=network.pk,
            network=network.name,
            version=network.version,
            dataset=network.dataset.name if network.dataset else None,
        )
        return f"Registered {network.name} v{network.version}: every check passed."

    def refusal(exc: Exception, checks) -> tuple[str, str | None] | None:
        if isinstance(exc, RegistrationError):
            return str(exc), getattr(exc, "check", None)
        return None

    run_registration_job(
        job_id,
        definitions=NETWORK_CHECKS,
        registrations=NetworkRegistration.objects,
        body=body,
        refusal=refusal,
        unexpected=_unexpected_reason,
        discard=discard_staged,
    )


def _unexpected_reason(exc: Exception) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        return "Checking the model took longer than the worker allows, so it was not registered."
    return "The registration failed on the server (not because of your file); please try again."
