"""Training a user's network, seeded and reproducible on one machine, with a report after every
few batches and at each epoch's end, and the weights kept after every epoch.

Seeding follows the zoo's trainer (model_zoo/train.py): ``keras.utils.set_random_seed`` for the
initial weights and dropout, and the order of the images drawn per epoch by NumPy from the
seed (``fit`` does not shuffle), so the same seed, data and settings give the same weights on
the same machine and TensorFlow build. Each epoch's weights are written as
``checkpoints/epoch_NN.weights.h5`` (arrays only, the names the zoo uses), the trained network
as ``model.keras`` without optimiser state.

``progress(fraction, message)`` is called at the end of every batch: the backend's throttled
reporter writes the job row from it and raises when the job was cancelled or its time is up,
which stops training at that batch.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from worker.techniques.progress import tell
from worker.techniques.training.build import build_model

CHECKPOINT_DIR = "checkpoints"
EVAL_BATCH = 500
# A point on the live curves every this many batches at most; an epoch gets at least
# POINTS_PER_EPOCH of them (so a short run on 1,000 images still draws a curve within epochs).
REPORT_EVERY = 200
POINTS_PER_EPOCH = 4


@dataclass(frozen=True)
class Settings:
    epochs: int
    batch_size: int
    learning_rate: float
    seed: int


def checkpoint_name(epoch: int) -> str:
    """File name of the weights saved after ``epoch`` (as the zoo names them)."""
    return f"epoch_{epoch:02d}.weights.h5"


def training_subset(labels: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``count`` training images chosen by the seed, as sorted indices (all when count ≥ N)."""
    if count >= len(labels):
        return np.arange(len(labels))
    rng = np.random.Generator(np.random.PCG64(seed))
    return np.sort(rng.choice(len(labels), count, replace=False))


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = ".weights.h5" if path.name.endswith(".weights.h5") else path.suffix
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def train_network(
    layers: list[dict],
    classes: int,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_test: np.ndarray,
    y_test: np.ndarray,
    settings: Settings,
    out_dir: Path,
    *,
    scale: float = 1 / 255,
    progress=None,
    on_point: Callable[[dict], None] | None = None,
) -> dict:
    """Train the network of ``layers`` (cleaned by ``check_recipe``) on uint8 images.

    ``on_point(point)`` gets each point of the curves as it is measured: ``{"kind": "batch",
    "epoch": 1.25, "loss", "accuracy"}`` (running means over the epoch so far) and, after each
    epoch, ``{"kind": "epoch", "epoch": 2, "loss", "accuracy", "test_loss", "test_accuracy",
    "seconds", "checkpoint"}`` once its checkpoint is on disk. Returns ``{"history": [epoch
    points], "params", "seconds"}``; ``out_dir`` then holds model.keras and the checkpoints.
    """
    import keras

    keras.utils.set_random_seed(settings.seed)
    rng = np.random.Generator(np.random.PCG64(settings.seed))
    input_shape = tuple(x_train.shape[1:])
    x_train = x_train.astype(np.float32) * np.float32(scale)
    x_test = x_test.astype(np.float32) * np.float32(scale)
    model = build_model(layers, input_shape, classes)
    model.compile(
        optimizer=keras.optimizers.Adam(settings.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    steps = -(-len(x_train) // settings.batch_size)
    every = max(1, min(REPORT_EVERY, steps // POINTS_PER_EPOCH))
    total = steps * settings.epochs
    state = {"epoch": 0}

    class Reporter(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            done = (state["epoch"] - 1) * steps + batch + 1
            tell(
                progress,
                done / total,
                f"Epoch {state['epoch']} of {settings.epochs}, batch {batch + 1} of {steps}",
                stage="training",
                done=done,
                total=total,
            )
            if on_point is not None and (batch + 1) % every == 0 and batch + 1 < steps:
                on_point(
                    {
                        "kind": "batch",
                        "epoch": round(state["epoch"] - 1 + (batch + 1) / steps, 4),
                        "loss": float(logs["loss"]),
                        "accuracy": float(logs["accuracy"]),
                    }
                )

    history: list[dict] = []
    started = time.perf_counter()
    for epoch in range(1, settings.epochs + 1):
        state["epoch"] = epoch
        epoch_started = time.perf_counter()
        order = rng.permutation(len(x_train))
        logs = model.fit(
            x_train[order],
            y_train[order],
            batch_size=settings.batch_size,
            epochs=1,
            shuffle=False,
            verbose=0,
            callbacks=[Reporter()],
        ).history
        test_loss, test_accuracy = model.evaluate(x_test, y_test, batch_size=EVAL_BATCH, verbose=0)
        relative = f"{CHECKPOINT_DIR}/{checkpoint_name(epoch)}"
        _atomic(out_dir / relative, lambda path: model.save_weights(path))
        point = {
            "kind": "epoch",
            "epoch": epoch,
            "loss": float(logs["loss"][-1]),
            "accuracy": float(logs["accuracy"][-1]),
            "test_loss": float(test_loss),
            "test_accuracy": float(test_accuracy),
            "seconds": round(time.perf_counter() - epoch_started, 2),
            "checkpoint": relative,
        }
        history.append(point)
        if on_point is not None:
            on_point(point)
    seconds = time.perf_counter() - started
    # The trained network without optimiser state (smaller; the server never trains it again).
    serving = build_model(layers, input_shape, classes)
    serving.set_weights(model.get_weights())
    _atomic(out_dir / "model.keras", lambda path: serving.save(path))
    return {"history": history, "params": int(serving.count_params()), "seconds": round(seconds, 2)}
