"""Registering an uploaded Keras file as a network: every check in order (file, archive, sandboxed
load, input and output, forward pass), then the file stored and its weights exported.

Loading a model file imports TensorFlow, so this runs in management commands or the worker,
never in the web process."""

import json
import logging
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from backend.core import media
from backend.datasets.models import Dataset
from backend.networks.models import Network, NetworkSource
from backend.networks.weights import attach_weight_files, export_weights, file_sha256
from worker.inputs.input_spec import InputSpec
from worker.runtime.model_safety import MAX_FILE_BYTES, ModelRejected, size_refusal

ALLOWED_SUFFIXES = (".keras", ".h5")

# The default of settings.CONVSCOPE_MAX_MODEL_UPLOAD_BYTES (kept for importers of this name).
MAX_MODEL_BYTES = MAX_FILE_BYTES

logger = logging.getLogger(__name__)


def max_model_bytes() -> int:
    """The one model-size limit (settings.CONVSCOPE_MAX_MODEL_UPLOAD_BYTES): web, CLI, worker."""
    return int(getattr(settings, "CONVSCOPE_MAX_MODEL_UPLOAD_BYTES", MAX_MODEL_BYTES))


def model_too_large(size: int) -> str | None:
    """The refusal sentence when ``size`` bytes is over the model-size limit, else None."""
    limit = max_model_bytes()
    return size_refusal(limit) if size > limit else None


# Networks trained here are named "trained-<run id>" (backend/training): uploads may not be.
TRAINED_PREFIX = "trained-"


class RegistrationError(ValueError):
    """A user-facing reason why a network was not registered."""


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
    channel_order: str = "rgb"
    dataset: str | None = None
    public: bool = False
    owner: object | None = None
    #: "file", "typed" or "dataset" (LABEL_SOURCES): how refusals name the labels
    labels_source: str = "file"
    title: str = ""
    description: str = ""
    training_data: str = ""  # what it was trained on, in the owner's words (its model card)


#: Where a registration's labels came from (its params' "labels_source"): refusals name it as
#: the person gave it, never "the labels file" for names typed into the form.
LABEL_SOURCES = {
    # source: (subject, its verb "names" in agreement, "is" in agreement)
    "file": ("the labels file", "names", "is"),
    "typed": ("the labels you typed", "name", "are"),
    "dataset": ("the dataset's class list", "names", "is"),
}


def labels_subject(source: str = "file") -> tuple[str, str, str]:
    return LABEL_SOURCES.get(source, LABEL_SOURCES["file"])


def read_labels(path: Path) -> list[str]:
    """Labels from a JSON list or a text file with one label per line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistrationError(f"Could not read the labels file: {exc}") from exc
    return parse_labels(text)


def parse_labels(text: str, source: str = "file") -> list[str]:
    """Labels from the text of a JSON list or of one label per line; ``source`` ("file" or
    "typed") words the refusals."""
    subject, names, is_ = labels_subject(source)
    what = subject[0].upper() + subject[1:]
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            labels = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise RegistrationError(f"{what} {is_} not valid JSON: {exc.msg}.") from exc
        if not isinstance(labels, list) or not all(
            isinstance(label, str | int) for label in labels
        ):
            raise RegistrationError("The labels JSON must be a list of names.")
        labels = [str(label) for label in labels]
    else:
        labels = [line.strip() for line in text.splitlines() if line.strip()]
    if len(labels) < 2:
        raise RegistrationError(f"{what} must name at least two classes.")
    if len(set(labels)) != len(labels):
        raise RegistrationError(f"{what} {names} a class twice.")
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
    if request.name.startswith(TRAINED_PREFIX):
        raise RegistrationError(
            f"Names starting with '{TRAINED_PREFIX}' are kept for networks trained on the "
            "Build & train page; choose another."
        )
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
    report = report or _no_report
    source = Path(request.file)
    dataset = check_request(request)
    _check_file(source, report)

    root = Path(settings.MEDIA_ROOT)
    staging = root / "networks" / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        staged = staging / f"model{source.suffix.lower()}"
        shutil.copyfile(source, staged)
        _check_archive(staged, report)
        summary = _load_in_sandbox(staged, report)
        _check_labels(request, dataset, summary, report)
        spec = _check_preprocessing(request, summary, report)

        report("store", "running", "Exporting the weights…")
        network = _store(request, dataset, summary, spec, staging, staged)
        report(
            "store",
            "passed",
            f"{len(network.layers)} layers and {network.params:,} parameters stored.",
        )
        _fit_ood(network)
        return network
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # _store undoes its own move
        raise


def _store(
    request: RegistrationRequest,
    dataset: Dataset | None,
    summary: dict,
    spec: InputSpec,
    staging: Path,
    staged: Path,
) -> Network:
    """The "store" step. The slow part (loading the model and writing every weight, seconds for
    a large network) runs before any transaction; then one short transaction picks the version,
    moves the staged folder into place and saves the row. Nothing holds SQLite's write lock
    across the export (that made other writers fail with "database is locked")."""
    root = Path(settings.MEDIA_ROOT)
    exported = export_weights(staged, staging / "weights")
    layers = attach_weight_files(summary["layers"], exported)
    sha256 = file_sha256(staged)
    network: Network | None = None
    final_dir: Path | None = None
    try:
        with transaction.atomic():
            check_request(request)  # again: another registration may have taken the name
            network = _new_network_row(request, dataset, summary, spec, sha256)
            final_dir = root / network.files_folder
            if final_dir.exists():  # a leftover of a failed attempt: no row refers to it
                shutil.rmtree(final_dir)
            staging.rename(final_dir)
            network.model_file = str((final_dir / staged.name).relative_to(root))
            network.layers = layers
            network.save()
        media.publish(network.files_folder)  # the model file and weights, for every machine
    except BaseException:
        if final_dir is not None and not staging.exists():  # moved into place: undo
            if network is not None and network.pk:
                Network.objects.filter(pk=network.pk).delete()  # files never published
            media.remove(media.relative_name(final_dir))
        raise
    return network


def _fit_ood(network: Network) -> None:
    """Fit its out-of-distribution check and its calibration now, so the first analysis need
    not; a failure here never refuses the network (the first analysis tries again)."""
    from backend.networks import calibration, ood

    try:
        ood.ensure_fitted(network)
        calibration.ensure_fitted(network)
    except Exception:  # noqa: BLE001 - logged; the checks are not a condition of registration
        logger.exception("fitting the answer checks of %s failed", network)


def _check_file(source: Path, report) -> None:
    """The "file" check: a Keras file that exists and is not too large."""
    report("file", "running", "Checking the file type and size…")
    if source.suffix.lower() not in ALLOWED_SUFFIXES:
        raise _failed(
            report, "file", "Only Keras model files (.keras, or legacy .h5) can be registered."
        )
    if not source.is_file():
        raise _failed(report, "file", f"There is no file at {source}.")
    size = source.stat().st_size
    refusal = model_too_large(size)
    if refusal:
        raise _failed(report, "file", refusal)
    report("file", "passed", f"A {source.suffix.lower()} file of {_megabytes(size)}.")


def _check_archive(staged: Path, report) -> None:
    """The "archive" check, before Keras ever reads the file."""
    from worker.runtime.model_safety import check_model_file

    report("archive", "running", "Reading the archive and the model configuration…")
    try:
        check_model_file(staged, max_model_bytes())
    except ModelRejected as exc:
        raise _failed(report, "archive", str(exc)) from exc
    report(
        "archive",
        "passed",
        "Only built-in Keras layers; no Lambda layers, custom code or unsafe archive entries.",
    )


def _load_in_sandbox(staged: Path, report) -> dict:
    """The "load", "image" and "forward" checks: one sandboxed load-and-run; its summary."""
    from worker.runtime.model_loading import validate_model_file

    report("load", "running", "Loading the model with Keras in a separate, limited process…")
    try:
        summary = validate_model_file(staged, max_bytes=max_model_bytes())
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
    report("forward", "passed", f"A blank test image gave {summary['num_classes']} finite scores.")
    return summary


def _check_labels(
    request: RegistrationRequest, dataset: Dataset | None, summary: dict, report
) -> None:
    """The "labels" check: one label per output, and as many classes as the linked dataset."""
    report("labels", "running", "Comparing the labels with the model's outputs…")
    subject, names, _ = labels_subject(request.labels_source)
    if summary["num_classes"] != len(request.labels):
        raise _failed(
            report,
            "labels",
            f"The model has {summary['num_classes']} outputs but {subject} {names} "
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
    report("labels", "passed", f"{len(request.labels)} labels for {len(request.labels)} outputs.")


def _check_preprocessing(request: RegistrationRequest, summary: dict, report) -> InputSpec:
    """The "preprocessing" check: the request's size and channels match the model's input."""
    height, width, channels = summary["input_shape"]
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
            channel_order=request.channel_order,
        )
    except ValueError as exc:
        raise _failed(report, "preprocessing", f"Invalid preprocessing: {exc}") from exc
    report(
        "preprocessing",
        "passed",
        f"Images are resized to {height}×{width} ({request.resize}), "
        + ("turned from RGB to BGR, " if spec.channel_order == "bgr" else "")
        + f"scaled by {request.scale:g}, then normalised.",
    )
    return spec


def _new_network_row(
    request: RegistrationRequest,
    dataset: Dataset | None,
    summary: dict,
    spec: InputSpec,
    sha256: str,
) -> Network:
    """The next version's row (not saved yet)."""
    latest = Network.objects.filter(name=request.name).order_by("-version").first()
    return Network(
        name=request.name,
        version=(latest.version + 1) if latest else 1,
        title=request.title or request.name,
        description=request.description,
        training_data=request.training_data,
        owner=request.owner,
        public=request.public,
        source=NetworkSource.UPLOAD,
        dataset=dataset,
        weights_sha256=sha256,
        labels=request.labels,
        input_spec=spec.to_dict(),
        params=summary["params"],
        softmax_output=summary["softmax_output"],
    )


def _megabytes(size: int) -> str:
    """A file size in words: bytes under 1 KB (a 56-byte file is not "1 KB"), else KB or MB."""
    if size < 1024:
        return f"{size} B"
    return f"{size / 1048576:.1f} MB" if size >= 104858 else f"{round(size / 1024)} KB"
