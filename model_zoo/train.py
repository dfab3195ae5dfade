"""Train zoo networks by their recipes, deterministically, and write their artefacts.

    python -m model_zoo.train tiny-vgg [--epochs N] [--out DIR] [--checkpoints]

Writes ``model.keras`` (weights only for inference: no optimiser state) and
``manifest.json`` into the network's folder (or ``--out``), each atomically.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from model_zoo.spec import INPUT_SPEC, Recipe, set_tf_env

set_tf_env()  # must run before TensorFlow is imported

import keras  # noqa: E402  (needs the environment set above)
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from datasets.registry import get_dataset  # noqa: E402
from model_zoo.registry import get_zoo_entry, sha256_file  # noqa: E402

EVAL_BATCH = 1000


def load_recipe(name: str) -> Recipe:
    """The :class:`Recipe` of zoo network ``name``."""
    return importlib.import_module(f"{get_zoo_entry(name).module}.recipe").RECIPE


def load_builder(name: str) -> Callable[[], keras.Model]:
    """The ``build_model`` function of zoo network ``name``."""
    return importlib.import_module(f"{get_zoo_entry(name).module}.architecture").build_model


def preprocess(images: np.ndarray) -> np.ndarray:
    """uint8 N×H×W×C images to the float32 model input (pixel × scale, as in INPUT_SPEC)."""
    return images.astype(np.float32) * np.float32(INPUT_SPEC["scale"])


def _augment(x: np.ndarray, rng: np.random.Generator, max_shift: int) -> np.ndarray:
    """Random horizontal flips and integer translations (zero fill) of a float batch."""
    x = x.copy()
    flip = rng.random(len(x)) < 0.5
    x[flip] = x[flip, :, ::-1]
    if max_shift > 0:
        shifts = rng.integers(-max_shift, max_shift + 1, size=(len(x), 2))
        padded = np.pad(x, ((0, 0), (max_shift,) * 2, (max_shift,) * 2, (0, 0)))
        height, width = x.shape[1:3]
        # Group by offset so each group is one vectorised slice.
        for dy in range(-max_shift, max_shift + 1):
            for dx in range(-max_shift, max_shift + 1):
                chosen = (shifts[:, 0] == dy) & (shifts[:, 1] == dx)
                top, left = max_shift + dy, max_shift + dx
                x[chosen] = padded[chosen, top : top + height, left : left + width]
    return x


def _optimizer(recipe: Recipe, steps_per_epoch: int, epochs: int) -> keras.optimizers.Optimizer:
    rate: float | keras.optimizers.schedules.LearningRateSchedule = recipe.learning_rate
    if recipe.lr_schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(
            recipe.learning_rate, decay_steps=steps_per_epoch * epochs, alpha=0.01
        )
    elif recipe.lr_schedule != "constant":
        raise ValueError(f"unknown lr_schedule {recipe.lr_schedule!r}")
    if recipe.optimizer == "adam":
        return keras.optimizers.Adam(rate)
    if recipe.optimizer == "adamw":
        return keras.optimizers.AdamW(rate, weight_decay=recipe.weight_decay)
    raise ValueError(f"unknown optimizer {recipe.optimizer!r}")


def fit_arrays(
    build_model: Callable[[], keras.Model],
    recipe: Recipe,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    *,
    epochs: int | None = None,
    verbose: bool = False,
    on_epoch_end: Callable[[int, keras.Model, dict], None] | None = None,
) -> tuple[keras.Model, list[dict]]:
    """Train a fresh model on preprocessed arrays; same seed and inputs give the same weights.

    Shuffling and augmentation are done here in NumPy from the recipe's seed (not by
    ``fit``), so the order of examples does not depend on TensorFlow's random state.
    Returns the trained model and one history dict per epoch. ``on_epoch_end(epoch,
    model, row)`` is called after each epoch (e.g. to save a checkpoint); it must not
    change the model's weights or draw from the global random state.
    """
    epochs = recipe.epochs if epochs is None else epochs
    keras.utils.set_random_seed(recipe.seed)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.Generator(np.random.PCG64(recipe.seed))

    model = build_model()
    steps_per_epoch = -(-len(x_train) // recipe.batch_size)
    model.compile(
        optimizer=_optimizer(recipe, steps_per_epoch, epochs),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    validation = (x_val, y_val) if x_val is not None else None
    history: list[dict] = []
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        order = rng.permutation(len(x_train))
        x_epoch = x_train[order]
        if recipe.augment:
            x_epoch = _augment(x_epoch, rng, recipe.max_shift)
        logs = model.fit(
            x_epoch,
            y_train[order],
            batch_size=recipe.batch_size,
            epochs=1,
            shuffle=False,
            validation_data=validation,
            verbose=0,
        ).history
        row = {
            "epoch": epoch,
            "loss": float(logs["loss"][-1]),
            "accuracy": float(logs["accuracy"][-1]),
        }
        if validation is not None:
            row["val_loss"] = float(logs["val_loss"][-1])
            row["val_accuracy"] = float(logs["val_accuracy"][-1])
        history.append(row)
        if on_epoch_end is not None:
            on_epoch_end(epoch, model, row)
        if verbose:
            print(
                f"[{recipe.name}] epoch {epoch}/{epochs} {row} "
                f"({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
    return model, history


def evaluate(model_path: str | Path, dataset_name: str) -> float:
    """Top-1 accuracy of the saved model on the full test split of ``dataset_name``."""
    model = keras.saving.load_model(model_path, compile=False, safe_mode=True)
    return evaluate_model(model, dataset_name)


def evaluate_model(model: keras.Model, dataset_name: str, limit: int | None = None) -> float:
    """Top-1 accuracy of ``model`` on the test split (its first ``limit`` images if given)."""
    images, labels = get_dataset(dataset_name).load("test")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    correct = 0
    for start in range(0, len(labels), EVAL_BATCH):
        batch = preprocess(images[start : start + EVAL_BATCH])
        probabilities = np.asarray(model(batch, training=False))
        correct += int((probabilities.argmax(axis=1) == labels[start : start + EVAL_BATCH]).sum())
    return correct / len(labels)


def _atomic_write(directory: Path, name: str, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename into place, so readers never see half a file."""
    directory.mkdir(parents=True, exist_ok=True)
    # Keras insists on the ".keras" and ".weights.h5" suffixes
    suffix = ".weights.h5" if name.endswith(".weights.h5") else Path(name).suffix
    handle, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=directory)
    os.close(handle)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        tmp_path.chmod(0o644)  # mkstemp makes 0600; these files are shared and committed
        os.replace(tmp_path, directory / name)
    finally:
        tmp_path.unlink(missing_ok=True)
    return directory / name


CHECKPOINT_DIR = "checkpoints"


def _build_aside(build_model: Callable[[], keras.Model]) -> keras.Model:
    """Build a model without moving the global random states.

    Building draws seeds for the initialisers; keeping the states as they were means a
    run that saves checkpoints mid-training trains exactly like one that does not.
    """
    python_state, numpy_state = random.getstate(), np.random.get_state()
    try:
        return build_model()
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)


def save_weights_copy(build_model: Callable[[], keras.Model], model: keras.Model, path) -> None:
    """Save ``model``'s weights (no optimiser state) to ``path`` (``.weights.h5``) through a
    freshly built copy, so the file's names match a fresh model."""
    copy = _build_aside(build_model)
    copy.set_weights(model.get_weights())
    copy.save_weights(path)


def load_weights_copy(build_model: Callable[[], keras.Model], path) -> keras.Model:
    """A freshly built model (global random states untouched) with the weights at ``path``."""
    model = _build_aside(build_model)
    model.load_weights(str(path))
    return model


def checkpoint_name(epoch: int) -> str:
    """File name of the weights saved after ``epoch``, e.g. ``epoch_03.weights.h5``."""
    return f"epoch_{epoch:02d}.weights.h5"


def train(
    name: str,
    *,
    out_dir: Path | None = None,
    epochs: int | None = None,
    checkpoints: bool = False,
    limit: int | None = None,
) -> dict:
    """Train zoo network ``name`` by its recipe; write model.keras and manifest.json.

    The validation set is the last ``recipe.validation_size`` training images; the test
    split is used only for the final accuracy and, with ``checkpoints``, for each
    checkpoint's. With ``checkpoints`` the weights after every epoch are written to
    ``checkpoints/epoch_NN.weights.h5`` and the per-epoch history, with each checkpoint's
    test accuracy and file, to ``checkpoints/history.json``. ``limit`` trains on the first
    ``limit`` training images only (a fifth of them for validation): quick runs for tests.
    Returns the manifest.
    """
    recipe = load_recipe(name)
    build_model = load_builder(name)
    out_dir = Path(out_dir) if out_dir is not None else get_zoo_entry(name).directory
    epochs = recipe.epochs if epochs is None else epochs
    dataset = get_dataset(recipe.dataset)

    images, labels = dataset.load("train")
    validation_size = recipe.validation_size
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
        validation_size = min(validation_size, limit // 5)
    split = len(labels) - validation_size
    x_all = preprocess(images)
    checkpoint_dir = out_dir / CHECKPOINT_DIR
    saved: dict[int, dict] = {}

    def save_checkpoint(epoch: int, model: keras.Model, row: dict) -> None:
        filename = checkpoint_name(epoch)
        # Evaluated from the file itself: the recorded accuracy is the checkpoint's.
        path = _atomic_write(
            checkpoint_dir, filename, lambda tmp: save_weights_copy(build_model, model, tmp)
        )
        saved[epoch] = {
            "checkpoint": f"{CHECKPOINT_DIR}/{filename}",
            "sha256": sha256_file(path),
            "test_accuracy": evaluate_model(load_weights_copy(build_model, path), recipe.dataset),
        }

    started = time.perf_counter()
    model, history = fit_arrays(
        build_model,
        recipe,
        x_all[:split],
        labels[:split],
        x_all[split:],
        labels[split:],
        epochs=epochs,
        verbose=True,
        on_epoch_end=save_checkpoint if checkpoints else None,
    )
    training_seconds = time.perf_counter() - started

    # Save a fresh, uncompiled copy so the file carries no optimiser state (smaller, and
    # the server never trains).
    serving = build_model()
    serving.set_weights(model.get_weights())
    model_path = _atomic_write(out_dir, "model.keras", lambda path: serving.save(path))

    manifest = {
        "name": recipe.name,
        "version": recipe.version,
        "title": recipe.title,
        "description": recipe.description,
        "dataset": recipe.dataset,
        "labels": dataset.classes,
        "input": dict(INPUT_SPEC),
        "test_accuracy": evaluate(model_path, recipe.dataset),
        "history": history,
        "weights_sha256": sha256_file(model_path),
        "seed": recipe.seed,
        "epochs": epochs,
        "batch_size": recipe.batch_size,
        "params": int(serving.count_params()),
        "trained_with": {"keras": keras.__version__, "tensorflow": tf.__version__},
        "training_seconds": round(training_seconds, 1),
    }
    text = json.dumps(manifest, indent=2) + "\n"
    _atomic_write(out_dir, "manifest.json", lambda path: path.write_text(text, encoding="utf-8"))
    if checkpoints:
        record = {
            "name": recipe.name,
            "version": recipe.version,
            "epochs": epochs,
            "test_split": "full",
            "weights_sha256": manifest["weights_sha256"],
            "history": [{**row, **saved[row["epoch"]]} for row in history],
        }
        history_text = json.dumps(record, indent=2) + "\n"
        _atomic_write(
            checkpoint_dir,
            "history.json",
            lambda path: path.write_text(history_text, encoding="utf-8"),
        )
    return manifest


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Train a ConvScope zoo network.")
    parser.add_argument("name", help="zoo network, e.g. tiny-vgg or deep-bn")
    parser.add_argument("--epochs", type=int, default=None, help="override the recipe")
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    parser.add_argument(
        "--limit", type=int, default=None, help="train on the first N images only (quick runs)"
    )
    parser.add_argument(
        "--checkpoints",
        action="store_true",
        help="also save the weights after every epoch (checkpoints/epoch_NN.weights.h5)",
    )
    args = parser.parse_args(argv)
    manifest = train(
        args.name,
        out_dir=args.out,
        epochs=args.epochs,
        checkpoints=args.checkpoints,
        limit=args.limit,
    )
    print(
        f"{manifest['name']}: test accuracy {manifest['test_accuracy']:.4f}, "
        f"{manifest['params']} params, {manifest['training_seconds']} s"
    )


if __name__ == "__main__":
    main()
