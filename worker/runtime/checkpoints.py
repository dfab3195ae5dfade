"""Networks as they were during training: a model with a saved checkpoint's weights."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from worker.runtime.model_loading import load_stored_model
from worker.runtime.model_safety import ModelRejected

if TYPE_CHECKING:
    import keras

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
MAX_CHECKPOINT_BYTES = 200 * 1024 * 1024


def load_checkpoint_model(model_path: str | Path, checkpoint_path: str | Path) -> keras.Model:
    """A fresh copy of the network at ``model_path`` with the weights of ``checkpoint_path``.

    The checkpoint is a Keras ``.weights.h5`` file (arrays only: no code or configuration),
    written by ``model_zoo.train`` after an epoch; its layer structure must match.
    """
    path = Path(checkpoint_path)
    if not path.name.endswith(".weights.h5") or not path.is_file():
        raise ModelRejected(f"There is no checkpoint file {path.name!r}.")
    if path.stat().st_size > MAX_CHECKPOINT_BYTES:
        raise ModelRejected("The checkpoint file is too large.")
    with path.open("rb") as handle:
        if handle.read(len(HDF5_SIGNATURE)) != HDF5_SIGNATURE:
            raise ModelRejected("The checkpoint file is not an HDF5 weights file.")
    model = load_stored_model(model_path)
    try:
        model.load_weights(str(path))
    except Exception as exc:
        raise ModelRejected(f"The checkpoint does not fit this network: {exc}") from exc
    return model
