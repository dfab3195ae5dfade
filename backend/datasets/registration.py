"""Registering a dataset from an uploaded zip: the upload is staged, a job is queued, and the
worker checks and reads the archive (backend/datasets/job_kinds.py), stores it with thumbnails or
refuses it, and deletes the staged file whatever happens."""

from backend.core import media
from backend.datasets.models import Dataset
from datasets.registry import list_datasets

DATASET_CHECKS = (
    ("archive", "Safe zip archive (paths, links, sizes, zip bombs)"),
    ("layout", "Class folders with enough images"),
    ("images", "Every image can be read"),
    ("size", "One image size"),
    ("split", "Train and test split"),
    ("store", "Stored with thumbnails"),
)


MAX_DATASET_UPLOAD_BYTES = 200 * 1024 * 1024


class DatasetRegistrationError(ValueError):
    """A user-facing reason why a dataset was not registered."""


def max_upload_bytes() -> int:
    from django.conf import settings

    return int(getattr(settings, "CONVSCOPE_MAX_DATASET_UPLOAD_BYTES", MAX_DATASET_UPLOAD_BYTES))


def archive_limits():
    from django.conf import settings

    from worker.inputs.dataset_archive import ArchiveLimits

    defaults = ArchiveLimits()
    return ArchiveLimits(
        max_members=int(getattr(settings, "CONVSCOPE_DATASET_MAX_MEMBERS", defaults.max_members)),
        max_total_bytes=int(
            getattr(settings, "CONVSCOPE_DATASET_MAX_UNCOMPRESSED_BYTES", defaults.max_total_bytes)
        ),
        max_array_bytes=int(
            getattr(settings, "CONVSCOPE_DATASET_MAX_ARRAY_BYTES", defaults.max_array_bytes)
        ),
    )


def staging_root():
    from pathlib import Path

    from django.conf import settings

    return Path(settings.MEDIA_ROOT) / "staging" / "datasets"


def discard_staged(relative: str) -> None:
    """Remove a staged upload's folder (only ever a folder directly in the staging root)."""
    from pathlib import Path

    from django.conf import settings

    if not relative:
        return
    folder = (Path(settings.MEDIA_ROOT) / relative).resolve().parent
    if folder.parent == staging_root().resolve():
        media.remove(media.relative_name(folder))


def check_name(name: str) -> None:
    if Dataset.objects.filter(name=name).exists():
        raise DatasetRegistrationError(f"There is already a dataset called '{name}'.")

    if name in {dataset.name for dataset in list_datasets()}:
        raise DatasetRegistrationError(f"'{name}' is the name of a built-in dataset.")


def create_registration(owner, upload, params: dict):
    """Stage the zip, record the request and queue its job; the DatasetRegistration."""
    import shutil
    import uuid
    from pathlib import Path

    from django.conf import settings
    from django.db import transaction

    from backend.datasets.models import DatasetRegistration
    from backend.jobs import services as jobs
    from backend.jobs.checks import initial_checks
    from backend.jobs.models import JobKind

    folder = staging_root() / uuid.uuid4().hex
    folder.mkdir(parents=True)
    staged = folder / "dataset.zip"
    relative = str(staged.relative_to(Path(settings.MEDIA_ROOT)))
    try:
        with staged.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
        media.publish(relative)  # the worker may run on another machine
        with transaction.atomic():
            job = jobs.create_job(owner, JobKind.DATASET_REGISTRATION, message="Waiting to start.")
            job.result = {"checks": initial_checks(DATASET_CHECKS), "name": params["name"]}
            job.save(update_fields=["result"])
            registration = DatasetRegistration.objects.create(
                owner=owner, job=job, name=params["name"], params=params, staged_file=relative
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        jobs.enqueue(job, "datasets.register_dataset")
    except BaseException:
        discard_staged(relative)
        raise
    return registration


def _store(registration, built, report) -> Dataset:
    """Write the arrays, manifest and thumbnails, then the row; all or nothing."""
    import shutil
    import uuid

    from django.db import IntegrityError, transaction

    from backend.datasets.models import stored_datasets_root
    from datasets.registry import forget_stored
    from datasets.stored import StoredDataset, write_manifest, write_split
    from worker.inputs.images import thumbnail_png

    params = registration.params
    name = registration.name
    root = stored_datasets_root()
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".staging-{uuid.uuid4().hex}"
    staging.mkdir()
    final = root / name
    moved = False
    try:
        report("store", "running", "Compressing the arrays and making thumbnails…")
        write_split(staging, "train", *built.train)
        write_split(staging, "test", *built.test)
        height, width, channels = built.image_shape
        owner = registration.owner.get_username()
        manifest = {
            "name": name,
            "title": params.get("title") or name,
            "description": params.get("description")
            or (
                f"{len(built.classes)} classes of {height}×{width} "
                f"{'RGB' if channels == 3 else 'greyscale'} images, registered by {owner}."
            ),
            "classes": built.classes,
            "image_shape": [height, width, channels],
            "splits": {"train": int(len(built.train[1])), "test": int(len(built.test[1]))},
            "source": f"Uploaded by {owner} ({params.get('filename') or 'a zip file'})",
            "licence": "Not stated (uploaded by a user)",
        }
        write_manifest(staging, manifest)
        thumbnails = staging / "thumbnails"
        thumbnails.mkdir()
        stored = StoredDataset(staging)
        for index in stored.sample_indices():
            pixels, _ = stored.sample(index)
            (thumbnails / f"{index}.png").write_bytes(thumbnail_png(pixels, max_side=128))
        with transaction.atomic():
            if Dataset.objects.filter(name=name).exists():
                raise DatasetRegistrationError(f"There is already a dataset called '{name}'.")
            if final.exists():  # files of a dataset whose row is gone: orphaned, replace them
                shutil.rmtree(final)
            try:
                dataset = Dataset.objects.create(
                    name=name,
                    title=manifest["title"],
                    description=manifest["description"],
                    manifest=manifest,
                    builtin=False,
                    owner=registration.owner,
                    public=bool(params.get("public")),
                )
            except IntegrityError as exc:
                raise DatasetRegistrationError(
                    f"There is already a dataset called '{name}'."
                ) from exc
            staging.rename(final)
            moved = True
            media.publish(media.relative_name(final))  # before the row commits
        forget_stored(name)
        report(
            "store",
            "passed",
            f"{manifest['splits']['train']:,} train and {manifest['splits']['test']:,} test "
            f"images stored, with {len(list((final / 'thumbnails').iterdir()))} thumbnails.",
        )
        return dataset
    except BaseException:
        if moved:
            media.remove(media.relative_name(final))
        else:
            shutil.rmtree(staging, ignore_errors=True)
        raise


def execute_registration_job(job_id: int) -> None:
    """Body of the Celery task: claim, check and read the zip, store it or refuse. Never raises."""
    import zipfile

    from backend.datasets.models import DatasetRegistration
    from backend.jobs.checks import run_registration_job
    from worker.inputs.dataset_archive import DatasetRejected, build_dataset

    def body(registration, checks) -> str:
        params = registration.params
        check_name(registration.name)
        path = media.local_path(registration.staged_file)
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError):
            raise DatasetRejected("The file is not a valid zip archive.", "archive") from None
        with zf:
            built = build_dataset(
                zf,
                test_fraction=float(params.get("test_fraction", 0.2)),
                image_size=tuple(params["image_size"]) if params.get("image_size") else None,
                channels=params.get("channels"),
                limits=archive_limits(),
                report=checks.report,
            )
        dataset = _store(registration, built, checks.report)
        DatasetRegistration.objects.filter(pk=registration.pk).update(dataset=dataset)
        many = len(built.ignored) != 1
        checks.result.update(
            dataset=dataset.name,
            classes=built.classes,
            counts=built.counts,
            splits=dataset.manifest["splits"],
            image_shape=list(built.image_shape),
            ignored=built.ignored[:200],
            warnings=(
                [
                    f"{len(built.ignored)} file{'s' if many else ''} that "
                    f"{'are not images' if many else 'is not an image'} "
                    f"{'were' if many else 'was'} ignored."
                ]
                if built.ignored
                else []
            ),
        )
        return f"Registered the dataset {dataset.name}: every check passed."

    def refusal(exc: Exception, checks) -> tuple[str, str | None] | None:
        if isinstance(exc, DatasetRejected):
            checks.result["unreadable"] = exc.files if exc.check == "images" else []
            checks.result["files"] = exc.files
            return str(exc), exc.check
        if isinstance(exc, DatasetRegistrationError):
            return str(exc), None
        return None

    run_registration_job(
        job_id,
        definitions=DATASET_CHECKS,
        registrations=DatasetRegistration.objects,
        body=body,
        refusal=refusal,
        unexpected=_unexpected_reason,
        discard=discard_staged,
    )


def _unexpected_reason(exc: Exception) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        return "Reading the zip took longer than the worker allows; try a smaller dataset."
    if isinstance(exc, MemoryError):
        return "The dataset is too large to read into memory; try a smaller image size."
    return "The registration failed on the server (not because of your file); please try again."
