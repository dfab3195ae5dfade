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

from backend.datasets.models import Dataset
from backend.networks.models import Network, NetworkSource
from worker.input_spec import InputSpec
from worker.model_safety import ModelRejected

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
    from worker.kernels import export_weights
    from worker.model_loading import load_keras_model

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


def zoo_network_fields(entry) -> dict:
    """Validate a zoo file and export its weights; the Network field values (no database write).

    Split from `register_zoo_entry` so tests can do the slow part once per session.
    """
    from worker.model_loading import validate_model_file

    manifest = entry.manifest()
    summary = validate_model_file(entry.model_path)
    weights_dir = Network(name=manifest["name"], version=manifest["version"]).weights_dir
    exported = _export_weights(entry.model_path, weights_dir)
    relative = entry.model_path.resolve().relative_to(Path(settings.ROOT_DIR).resolve())
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
        "history": manifest.get("history", []),
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
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            labels = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise RegistrationError(f"The labels file is not valid JSON: {exc.msg}.") from exc
        if not all(isinstance(label, str | int) for label in labels):
            raise RegistrationError("The labels JSON must be a list of names.")
        labels = [str(label) for label in labels]
    else:
        labels = [line.strip() for line in text.splitlines() if line.strip()]
    if len(labels) < 2:
        raise RegistrationError("The labels file must name at least two classes.")
    if len(set(labels)) != len(labels):
        raise RegistrationError("The labels file names a class twice.")
    return labels


def register_uploaded_network(request: RegistrationRequest) -> Network:
    """Check, load (in a sandboxed process), validate and store a user's Keras classifier.

    Nothing is left behind on refusal: the file is staged in a private folder that is removed
    unless the database row is committed.
    """
    from worker.model_loading import validate_model_file

    source = Path(request.file)
    if source.suffix.lower() not in ALLOWED_SUFFIXES:
        raise RegistrationError("Only Keras model files (.keras, or legacy .h5) can be registered.")
    if not source.is_file():
        raise RegistrationError(f"There is no file at {source}.")
    if source.stat().st_size > MAX_MODEL_BYTES:
        raise RegistrationError("The model file is larger than 200 MB.")
    if not Network._meta.get_field("name").validators[0].regex.match(request.name):  # slug
        raise RegistrationError("A network name may use only letters, digits, '-' and '_'.")
    if Network.objects.filter(name=request.name, source=NetworkSource.ZOO).exists():
        raise RegistrationError(f"'{request.name}' is the name of a zoo network; choose another.")

    dataset = None
    if request.dataset:
        dataset = Dataset.objects.filter(name=request.dataset).first()
        if dataset is None:
            raise RegistrationError(f"There is no dataset called '{request.dataset}'.")

    media = Path(settings.MEDIA_ROOT)
    staging = media / "networks" / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    final_dir: Path | None = None
    try:
        staged = staging / f"model{source.suffix.lower()}"
        shutil.copyfile(source, staged)
        try:
            summary = validate_model_file(staged)
        except ModelRejected as exc:
            raise RegistrationError(str(exc)) from exc

        height, width, channels = summary["input_shape"]
        if request.input_size and tuple(request.input_size) != (height, width):
            raise RegistrationError(
                f"The model expects {height}×{width} images, not "
                f"{request.input_size[0]}×{request.input_size[1]}."
            )
        if request.channels and request.channels != channels:
            raise RegistrationError(
                f"The model expects {channels} channel(s), not {request.channels}."
            )
        if channels not in (1, 3):
            raise RegistrationError(
                f"Only greyscale or RGB models are supported (this one has {channels})."
            )
        if summary["num_classes"] != len(request.labels):
            raise RegistrationError(
                f"The model has {summary['num_classes']} outputs but the labels file names "
                f"{len(request.labels)} classes."
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
            raise RegistrationError(f"Invalid preprocessing: {exc}") from exc

        with transaction.atomic():
            latest = Network.objects.filter(name=request.name).order_by("-version").first()
            if (
                latest is not None
                and request.owner is not None
                and latest.owner_id
                not in (
                    None,
                    getattr(request.owner, "pk", None),
                )
            ):
                raise RegistrationError(f"The name '{request.name}' is taken by another user.")
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
            final_dir = media / "networks" / f"{network.name}-v{network.version}"
            if final_dir.exists():
                shutil.rmtree(final_dir)
            staging.rename(final_dir)
            network.model_file = str((final_dir / staged.name).relative_to(media))
            exported = _export_weights(network.model_path, network.weights_dir)
            network.layers = _attach_weight_files(summary["layers"], exported)
            network.save()
        return network
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if final_dir is not None:
            shutil.rmtree(final_dir, ignore_errors=True)
        raise
