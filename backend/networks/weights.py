"""A network's weights as files the browser reads: one .npy per layer weight, for the trained
network and for each training checkpoint."""

import hashlib
import shutil
from pathlib import Path


def export_weights(model_path: Path, weights_dir: Path) -> dict[int, dict]:
    from worker.runtime.model_loading import load_stored_model
    from worker.techniques.kernels import export_weights

    if weights_dir.exists():
        shutil.rmtree(weights_dir)
    weights_dir.mkdir(parents=True)
    model = load_stored_model(model_path)
    return {entry["index"]: entry for entry in export_weights(model, weights_dir)}


def attach_weight_files(layers: list[dict], exported: dict[int, dict]) -> list[dict]:
    for layer in layers:
        entry = exported.get(layer["index"])
        layer["weights"] = entry or None
    return layers


def export_checkpoint_weights(
    model_path: Path, weights_dir: Path, checkpoints: dict[int, Path]
) -> None:
    """Each checkpoint's kernels and biases into ``weights_dir/epoch_NN/`` (same names)."""
    from worker.runtime.checkpoints import load_checkpoint_model
    from worker.techniques.kernels import export_weights

    for epoch, path in checkpoints.items():
        export_weights(load_checkpoint_model(model_path, path), weights_dir / f"epoch_{epoch:02d}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
