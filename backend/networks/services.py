"""Registering networks (zoo and uploaded) and finding them by name.

Loading a model file imports TensorFlow, so these functions run in management commands or the
worker, never in the web process.
"""

import hashlib
import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from backend.core import media
from backend.datasets.models import Dataset
from backend.networks.models import Network, NetworkSource
from worker.inputs.input_spec import InputSpec
from worker.runtime.model_safety import ModelRejected

ALLOWED_SUFFIXES = (".keras", ".h5")
MAX_MODEL_BYTES = 200 * 1024 * 1024


class RegistrationError(ValueError):
    """A user-facing reason why a network was not registered."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_network(name: str, user=None) -> Network:
    """The newest version of a network called `name` that `user` may see (None: any)."""
    queryset = Network.objects.filter(name=name)
    if user is not None:
        queryset = queryset.visible_to(user)
    network = queryset.order_by("-version").first()
    if network is None:
        raise Network.DoesNotExist(f"There is no network called '{name}'.")
    return network


def _export_weights(model_path: Path, weights_dir: Path) -> dict[int, dict]:
    from worker.runtime.model_loading import load_keras_model
    from worker.techniques.kernels import export_weights

    if weights_dir.exists():
        shutil.rmtree(weights_dir)
    weights_dir.mkdir(parents=True)
    model = load_keras_model(model_path)
    return {entry["index"]: entry for entry in export_weights(model, weights_dir)}


def _attach_weight_files(layers: list[dict], exported: dict[int, dict]) -> list[dict]:
    for layer in layers:
        entry = exported.get(layer["index"])
        layer["weights"] = entry or None
    return layers


def _export_checkpoint_weights(
    model_path: Path, weights_dir: Path, checkpoints: dict[int, Path]
) -> None:
    """Each checkpoint's kernels and biases into ``weights_dir/epoch_NN/`` (same names)."""
    from worker.runtime.checkpoints import load_checkpoint_model
    from worker.techniques.kernels import export_weights

    for epoch, path in checkpoints.items():
        export_weights(load_checkpoint_model(model_path, path), weights_dir / f"epoch_{epoch:02d}")


def _repository_path(path: Path) -> str:
    """``path`` relative to the repository root (zoo files), or absolute when outside it
    (networks trained elsewhere, e.g. by tests); ``Network.model_path`` reads both."""
    path = path.resolve()
    try:
        return str(path.relative_to(Path(settings.ROOT_DIR).resolve()))
    except ValueError:
        return str(path)


def zoo_checkpoint_history(entry, manifest: dict) -> list[dict]:
    """The manifest's per-epoch history, each row with its checkpoint when the zoo folder
    holds ``checkpoints/history.json`` for these very weights (else the history as is).

    Added per row: ``checkpoint`` (path from the repository root), ``checkpoint_sha256``
    and ``test_accuracy`` (the checkpoint's accuracy on the full test split).
    """
    history = [dict(row) for row in manifest.get("history", [])]
    record_path = entry.directory / "checkpoints" / "history.json"
    if not record_path.is_file():
        return history
    record = json.loads(record_path.read_text(encoding="utf-8"))
    if record.get("weights_sha256") != manifest.get("weights_sha256"):
        return history  # checkpoints of another training run: not these weights
    saved = {row["epoch"]: row for row in record.get("history", [])}
    for row in history:
        found = saved.get(row["epoch"])
        if not found or not found.get("checkpoint"):
            continue
        path = (entry.directory / found["checkpoint"]).resolve()
        if not path.is_file() or file_sha256(path) != found.get("sha256"):
            continue
        row["checkpoint"] = _repository_path(path)
        row["checkpoint_sha256"] = found["sha256"]
        row["test_accuracy"] = found.get("test_accuracy")
    return history


def zoo_network_fields(entry) -> dict:
    """Validate a zoo file and export its weights; the Network field values (no database write).

    Split from `register_zoo_entry` so tests can do the slow part once per session.
    """
    from worker.runtime.model_loading import validate_model_file

    manifest = entry.manifest()
    summary = validate_model_file(entry.model_path)
    weights_dir = Network(name=manifest["name"], version=manifest["version"]).weights_dir
    exported = _export_weights(entry.model_path, weights_dir)
    history = zoo_checkpoint_history(entry, manifest)
    root = Path(settings.ROOT_DIR)
    checkpoints = {row["epoch"]: root / row["checkpoint"] for row in history if "checkpoint" in row}
    _export_checkpoint_weights(entry.model_path, weights_dir, checkpoints)
    media.publish(media.relative_name(weights_dir))
    relative = _repository_path(entry.model_path)
    return {
        "name": manifest["name"],
        "version": manifest["version"],
        "title": manifest.get("title", manifest["name"]),
        "description": manifest.get("description", ""),
        "public": True,
        "source": NetworkSource.ZOO,
        "dataset_name": manifest["dataset"],
        "model_file": str(relative),
        "weights_sha256": manifest["weights_sha256"],
        "labels": manifest["labels"],
        "input_spec": InputSpec.from_dict(manifest["input"]).to_dict(),
        "layers": _attach_weight_files(summary["layers"], exported),
        "params": summary["params"],
        "softmax_output": summary["softmax_output"],
        "test_accuracy": manifest.get("test_accuracy"),
        "history": history,
    }


def save_zoo_network(fields: dict) -> Network:
    values = dict(fields)
    values["dataset"] = Dataset.objects.filter(name=values.pop("dataset_name")).first()
    network, _ = Network.objects.update_or_create(
        name=values.pop("name"), version=values.pop("version"), defaults=values
    )
    return network


def register_zoo_entry(entry) -> Network:
    """Register (or refresh) one zoo network from its manifest; the file is validated first."""
    return save_zoo_network(zoo_network_fields(entry))


@dataclass
class RegistrationRequest:
    file: Path
    name: str
    labels: list[str]
    input_size: tuple[int, int] | None = None
    channels: int | None = None
    scale: float = 1 / 255
    mean: tuple[float, ...] = (0.0,)
    std: tuple[float, ...] = (1.0,)
    resize: str = "stretch"
    dataset: str | None = None
    public: bool = False
    owner: object | None = None
    title: str = ""
    description: str = ""


def read_labels(path: Path) -> list[str]:
    """Labels from a JSON list or a text file with one label per line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistrationError(f"Could not read the labels file: {exc}") from exc
    return parse_labels(text)


def parse_labels(text: str) -> list[str]:
    """Labels from the text of a JSON list or of one label per line."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            labels = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise RegistrationError(f"The labels file is not valid JSON: {exc.msg}.") from exc
        if not isinstance(labels, list) or not all(
            isinstance(label, str | int) for label in labels
        ):
            raise RegistrationError("The labels JSON must be a list of names.")
        labels = [str(label) for label in labels]
    else:
        labels = [line.strip() for line in text.splitlines() if line.strip()]
    if len(labels) < 2:
        raise RegistrationError("The labels file must name at least two classes.")
    if len(set(labels)) != len(labels):
        raise RegistrationError("The labels file names a class twice.")
    return labels


# The checks a registration runs, in order (names are part of the API: Job.result["checks"]).
NETWORK_CHECKS = (
    ("file", "File type and size"),
    ("archive", "Archive and configuration are safe"),
    ("load", "Loads in a sandbox (safe mode, time and memory limits)"),
    ("image", "Is an image classifier"),
    ("forward", "Runs on a test image"),
    ("labels", "Labels match the outputs"),
    ("preprocessing", "Input size and preprocessing"),
    ("store", "Weights exported and stored"),
)
_FORWARD_MARKERS = ("failed on a test image", "output on one image", "non-finite")
_IMAGE_MARKERS = ("image input", "model's input", "exactly one output", "model's output")


def _no_report(name: str, status: str, detail: str = "") -> None:
    """The default progress callback: report nothing (the command-line tool)."""


def _failed(report, check: str, message: str) -> RegistrationError:
    report(check, "failed", message)
    error = RegistrationError(message)
    error.check = check
    return error


def _sandbox_check(rejection: ModelRejected) -> str:
    """Which check a refusal from the sandboxed load-and-run belongs to."""
    text = str(rejection)
    if any(marker in text for marker in _FORWARD_MARKERS):
        return "forward"
    if any(marker in text for marker in _IMAGE_MARKERS):
        return "image"
    return "load"


def check_request(request: RegistrationRequest) -> Dataset | None:
    """The cheap checks on a request (name, dataset); the dataset row, if one is named."""
    if not Network._meta.get_field("name").validators[0].regex.match(request.name):  # slug
        raise RegistrationError("A network name may use only letters, digits, '-' and '_'.")
    if Network.objects.filter(name=request.name, source=NetworkSource.ZOO).exists():
        raise RegistrationError(f"'{request.name}' is the name of a zoo network; choose another.")
    latest = Network.objects.filter(name=request.name).order_by("-version").first()
    if (
        latest is not None
        and request.owner is not None
        and latest.owner_id not in (None, getattr(request.owner, "pk", None))
    ):
        raise RegistrationError(f"The name '{request.name}' is taken by another user.")
    if not request.dataset:
        return None
    dataset = Dataset.objects.filter(name=request.dataset).first()
    if dataset is None:
        raise RegistrationError(f"There is no dataset called '{request.dataset}'.")
    return dataset


def register_uploaded_network(request: RegistrationRequest, report=None) -> Network:
    """Check, load (in a sandboxed process), validate and store a user's Keras classifier.

    ``report(check, status, detail)`` is told as each of NETWORK_CHECKS starts ("running")
    and ends ("passed" / "failed"), in plain words; a refusal raises RegistrationError whose
    ``check`` names the failed check (None for a bad request, e.g. a taken name).

    Nothing is left behind on refusal: the file is staged in a private folder that is removed
    unless the database row is committed.
    """
    from worker.runtime.model_loading import validate_model_file
    from worker.runtime.model_safety import check_model_file

    report = report or _no_report
    source = Path(request.file)
    dataset = check_request(request)

    report("file", "running", "Checking the file type and size…")
    if source.suffix.lower() not in ALLOWED_SUFFIXES:
        raise _failed(
            report, "file", "Only Keras model files (.keras, or legacy .h5) can be registered."
        )
    if not source.is_file():
        raise _failed(report, "file", f"There is no file at {source}.")
    size = source.stat().st_size
    if size > MAX_MODEL_BYTES:
        raise _failed(report, "file", "The model file is larger than 200 MB.")
    report("file", "passed", f"A {source.suffix.lower()} file of {_megabytes(size)}.")

    root = Path(settings.MEDIA_ROOT)
    staging = root / "networks" / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    final_dir: Path | None = None
    try:
        staged = staging / f"model{source.suffix.lower()}"
        shutil.copyfile(source, staged)

        report("archive", "running", "Reading the archive and the model configuration…")
        try:
            check_model_file(staged)  # before Keras ever reads the file
        except ModelRejected as exc:
            raise _failed(report, "archive", str(exc)) from exc
        report(
            "archive",
            "passed",
            "Only built-in Keras layers; no Lambda layers, custom code or unsafe archive entries.",
        )

        report("load", "running", "Loading the model with Keras in a separate, limited process…")
        try:
            summary = validate_model_file(staged)
        except ModelRejected as exc:
            check = _sandbox_check(exc)
            for earlier in ("load", "image", "forward"):
                if earlier == check:
                    break
                report(earlier, "passed", "")
            raise _failed(report, check, str(exc)) from exc

        height, width, channels = summary["input_shape"]
        report("load", "passed", "Keras loaded it in safe mode, within the time and memory limits.")
        report(
            "image",
            "passed",
            f"One {height}×{width}×{channels} image in, {summary['num_classes']} class scores out.",
        )
        report(
            "forward",
            "passed",
            f"A blank test image gave {summary['num_classes']} finite scores.",
        )

        report("labels", "running", "Comparing the labels with the model's outputs…")
        if summary["num_classes"] != len(request.labels):
            raise _failed(
                report,
                "labels",
                f"The model has {summary['num_classes']} outputs but the labels file names "
                f"{len(request.labels)} classes.",
            )
        if dataset is not None:
            classes = list(dataset.manifest.get("classes", []))
            if classes and len(classes) != summary["num_classes"]:
                raise _failed(
                    report,
                    "labels",
                    f"The model has {summary['num_classes']} outputs but the dataset "
                    f"'{dataset.name}' has {len(classes)} classes.",
                )
        report(
            "labels", "passed", f"{len(request.labels)} labels for {len(request.labels)} outputs."
        )

        report("preprocessing", "running", "Checking the input size and preprocessing…")
        if request.input_size and tuple(request.input_size) != (height, width):
            raise _failed(
                report,
                "preprocessing",
                f"The model expects {height}×{width} images, not "
                f"{request.input_size[0]}×{request.input_size[1]}.",
            )
        if request.channels and request.channels != channels:
            raise _failed(
                report,
                "preprocessing",
                f"The model expects {channels} channel(s), not {request.channels}.",
            )
        if channels not in (1, 3):
            raise _failed(
                report,
                "preprocessing",
                f"Only greyscale or RGB models are supported (this one has {channels}).",
            )
        try:
            spec = InputSpec(
                height=height,
                width=width,
                channels=channels,
                scale=request.scale,
                mean=tuple(request.mean),
                std=tuple(request.std),
                resize=request.resize,
            )
        except ValueError as exc:
            raise _failed(report, "preprocessing", f"Invalid preprocessing: {exc}") from exc
        report(
            "preprocessing",
            "passed",
            f"Images are resized to {height}×{width} ({request.resize}), scaled by "
            f"{request.scale:g}, then normalised.",
        )

        report("store", "running", "Exporting the weights…")
        with transaction.atomic():
            check_request(request)  # again: another registration may have taken the name
            latest = Network.objects.filter(name=request.name).order_by("-version").first()
            network = Network(
                name=request.name,
                version=(latest.version + 1) if latest else 1,
                title=request.title or request.name,
                description=request.description,
                owner=request.owner,
                public=request.public,
                source=NetworkSource.UPLOAD,
                dataset=dataset,
                weights_sha256=file_sha256(staged),
                labels=request.labels,
                input_spec=spec.to_dict(),
                params=summary["params"],
                softmax_output=summary["softmax_output"],
            )
            final_dir = root / network.files_folder
            if final_dir.exists():
                shutil.rmtree(final_dir)
            staging.rename(final_dir)
            network.model_file = str((final_dir / staged.name).relative_to(root))
            exported = _export_weights(network.model_path, network.weights_dir)
            network.layers = _attach_weight_files(summary["layers"], exported)
            media.publish(network.files_folder)  # the model file and weights, for every machine
            network.save()
        report(
            "store",
            "passed",
            f"{len(network.layers)} layers and {network.params:,} parameters stored.",
        )
        return network
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if final_dir is not None:
            media.remove(media.relative_name(final_dir))
        raise


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.1f} MB" if size >= 104858 else f"{max(1, round(size / 1024))} KB"


def network_directories(network: Network) -> list[str]:
    """Every stored folder (relative to MEDIA_ROOT) of this network version: files, results."""
    folder = f"{network.name}-v{network.version}"
    return [
        f"{root}/{folder}"
        for root in ("networks", "results", "explanations", "dataset-views", "feature-vis")
    ]


def delete_network(network: Network) -> None:
    """Remove an uploaded network: its row (results cascade) and its files."""
    if network.is_zoo:
        raise RegistrationError("Zoo networks cannot be deleted.")
    directories = network_directories(network)
    network.delete()
    for directory in directories:
        media.remove(directory)


# --- Registration through the web: a staged upload and a job -------------------------------


def staging_root() -> Path:
    """Private folder for uploads waiting for their registration job (never served)."""
    return Path(settings.MEDIA_ROOT) / "staging" / "networks"


def max_upload_bytes() -> int:
    return int(getattr(settings, "CONVSCOPE_MAX_MODEL_UPLOAD_BYTES", MAX_MODEL_BYTES))


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


def discard_staged(relative: str) -> None:
    """Remove a staged upload's folder (only ever a folder directly in the staging root)."""
    if not relative:
        return
    folder = (Path(settings.MEDIA_ROOT) / relative).resolve().parent
    if folder.parent == staging_root().resolve():
        media.remove(media.relative_name(folder))


def create_registration(owner, upload, params: dict):
    """Stage the upload, record the request and queue its job; the NetworkRegistration."""
    from backend.jobs import services as jobs
    from backend.jobs.checks import initial_checks
    from backend.jobs.models import JobKind
    from backend.networks.models import NetworkRegistration

    suffix = Path(upload.name or "").suffix.lower()
    staged = stage_upload(upload, suffix)
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
