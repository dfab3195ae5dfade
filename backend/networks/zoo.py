"""The model zoo as database rows: a zoo folder (manifest, weights, checkpoints) validated,
its weights exported, and its network saved or refreshed."""

import json
from pathlib import Path

from django.conf import settings

from backend.core import media
from backend.datasets.models import Dataset
from backend.networks.models import Network, NetworkSource
from backend.networks.weights import (
    attach_weight_files,
    export_checkpoint_weights,
    export_weights,
    file_sha256,
)
from worker.inputs.input_spec import InputSpec


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
    exported = export_weights(entry.model_path, weights_dir)
    history = zoo_checkpoint_history(entry, manifest)
    root = Path(settings.ROOT_DIR)
    checkpoints = {row["epoch"]: root / row["checkpoint"] for row in history if "checkpoint" in row}
    export_checkpoint_weights(entry.model_path, weights_dir, checkpoints)
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
        "layers": attach_weight_files(summary["layers"], exported),
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
    """Register (or refresh) one zoo network from its manifest; the file is validated first;
    its out-of-distribution check and its calibration are fitted."""
    from backend.networks import calibration, ood

    network = save_zoo_network(zoo_network_fields(entry))
    ood.ensure_fitted(network)
    calibration.ensure_fitted(network)
    return network
