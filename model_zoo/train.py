"""Train zoo networks by their recipes, deterministically, and write their artefacts.

    python -m model_zoo.train tiny-vgg [--epochs N] [--out DIR]

Writes ``model.keras`` (weights only for inference: no optimiser state) and
``manifest.json`` into the network's folder (or ``--out``), each atomically.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
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
) -> tuple[keras.Model, list[dict]]:
    """Train a fresh model on preprocessed arrays; same seed and inputs give the same weights.

    Shuffling and augmentation are done here in NumPy from the recipe's seed (not by
    ``fit``), so the order of examples does not depend on TensorFlow's random state.
    Returns the trained model and one history dict per epoch.
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
    images, labels = get_dataset(dataset_name).load("test")
    correct = 0
    for start in range(0, len(labels), EVAL_BATCH):
        batch = preprocess(images[start : start + EVAL_BATCH])
        probabilities = np.asarray(model(batch, training=False))
        correct += int((probabilities.argmax(axis=1) == labels[start : start + EVAL_BATCH]).sum())
    return correct / len(labels)


def _atomic_write(directory: Path, name: str, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then rename into place, so readers never see half a file."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = Path(name).suffix  # Keras insists on the ".keras" suffix
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


def train(name: str, *, out_dir: Path | None = None, epochs: int | None = None) -> dict:
    """Train zoo network ``name`` by its recipe; write model.keras and manifest.json.

    The validation set is the last ``recipe.validation_size`` training images; the test
    split is used only for the final accuracy. Returns the manifest.
    """
    recipe = load_recipe(name)
    build_model = load_builder(name)
    out_dir = Path(out_dir) if out_dir is not None else get_zoo_entry(name).directory
    epochs = recipe.epochs if epochs is None else epochs
    dataset = get_dataset(recipe.dataset)

    images, labels = dataset.load("train")
    split = len(labels) - recipe.validation_size
    x_all = preprocess(images)
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
    return manifest


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Train a ConvScope zoo network.")
    parser.add_argument("name", help="zoo network, e.g. tiny-vgg or deep-bn")
    parser.add_argument("--epochs", type=int, default=None, help="override the recipe")
    parser.add_argument("--out", type=Path, default=None, help="output folder")
    args = parser.parse_args(argv)
    manifest = train(args.name, out_dir=args.out, epochs=args.epochs)
    print(
        f"{manifest['name']}: test accuracy {manifest['test_accuracy']:.4f}, "
        f"{manifest['params']} params, {manifest['training_seconds']} s"
    )


if __name__ == "__main__":
    main()
