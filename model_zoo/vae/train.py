"""Train a dataset's VAE by its seeded recipe and write its files; measure it on the test split.

    python -m model_zoo.vae.train fashion-mnist [--epochs N] [--out DIR]

The loss is the usual evidence lower bound: the Bernoulli reconstruction error (binary cross-
entropy summed over pixels) plus the KL divergence of q(z|x) = N(μ, σ²) from N(0, I). The
manifest records both on the test split (per image, averaged), the mean squared pixel error of
the reconstructions from μ, and each class's mean code on the training split (the ends of the
neighbourhood view's paths).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

from model_zoo.spec import set_tf_env

set_tf_env()  # must run before TensorFlow is imported

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from model_zoo.registry import sha256_file  # noqa: E402
from model_zoo.vae.architecture import build_decoder, build_encoder, working_shape  # noqa: E402
from model_zoo.vae.recipe import RECIPES, VaeRecipe  # noqa: E402
from model_zoo.vae.store import ZOO_VAES, VaeFiles, zoo_vae  # noqa: E402

EVAL_BATCH = 1000
EPS = 1e-7

Progress = Callable[[int, int, dict], None]  # (epoch, epochs, {"loss": ...})


def to_unit(images: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """uint8 N×H×W×C → float32 in [0, 1] at the VAE's working ``shape``."""
    x = images.astype(np.float32) / np.float32(255.0)
    if x.shape[1:] != tuple(shape):
        x = tf.image.resize(x, shape[:2], method="area").numpy()
    return x


def losses(encoder: keras.Model, decoder: keras.Model, x, eps) -> tuple:
    """Per-image reconstruction error (BCE summed over pixels) and KL, with z = μ + σ·ε."""
    mean, log_var = encoder(x, training=False)
    z = mean + tf.exp(0.5 * log_var) * eps
    recon = tf.clip_by_value(decoder(z, training=False), EPS, 1 - EPS)
    bce = -tf.reduce_sum(x * tf.math.log(recon) + (1 - x) * tf.math.log(1 - recon), axis=[1, 2, 3])
    kl = -0.5 * tf.reduce_sum(1 + log_var - tf.square(mean) - tf.exp(log_var), axis=1)
    return bce, kl


def train_vae(
    images: np.ndarray,
    recipe: VaeRecipe,
    progress: Progress | None = None,
) -> tuple[keras.Model, keras.Model, list[dict]]:
    """Fit an encoder and decoder on uint8 ``images``; deterministic given ``recipe.seed``.
    ``progress`` is called after every epoch (it may raise to stop the training)."""
    keras.utils.set_random_seed(recipe.seed)
    rng = np.random.default_rng(recipe.seed)
    shape = working_shape(images.shape[1:])
    if len(images) > recipe.max_images:
        images = images[np.sort(rng.choice(len(images), recipe.max_images, replace=False))]
    x_all = to_unit(images, shape)
    encoder, decoder = build_encoder(shape, recipe.latent), build_decoder(shape, recipe.latent)
    weights = encoder.trainable_variables + decoder.trainable_variables
    optimizer = keras.optimizers.Adam(recipe.learning_rate)

    @tf.function(reduce_retracing=True)
    def step(x, eps):
        with tf.GradientTape() as tape:
            bce, kl = losses(encoder, decoder, x, eps)
            loss = tf.reduce_mean(bce + kl)
        optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights, strict=True))
        return tf.reduce_mean(bce), tf.reduce_mean(kl)

    history = []
    for epoch in range(1, recipe.epochs + 1):
        order = rng.permutation(len(x_all))
        sums, seen = np.zeros(2), 0
        for start in range(0, len(order), recipe.batch_size):
            batch = x_all[order[start : start + recipe.batch_size]]
            eps = rng.standard_normal((len(batch), recipe.latent)).astype(np.float32)
            bce, kl = step(tf.constant(batch), tf.constant(eps))
            sums += np.array([float(bce), float(kl)]) * len(batch)
            seen += len(batch)
        row = {"epoch": epoch, "reconstruction": sums[0] / seen, "kl": sums[1] / seen}
        history.append({k: round(float(v), 6) for k, v in row.items()})
        if progress is not None:
            progress(epoch, recipe.epochs, history[-1])
    return encoder, decoder, history


def encode_means(encoder: keras.Model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """μ and log σ² of float images ``x`` (N×H×W×C in [0, 1]), in batches."""
    means, log_vars = [], []
    for start in range(0, len(x), EVAL_BATCH):
        mean, log_var = encoder(x[start : start + EVAL_BATCH], training=False)
        means.append(np.asarray(mean))
        log_vars.append(np.asarray(log_var))
    return np.concatenate(means), np.concatenate(log_vars)


def evaluate_vae(
    encoder: keras.Model, decoder: keras.Model, images: np.ndarray, seed: int = 0
) -> dict:
    """Per-image means on uint8 ``images``: reconstruction error (BCE summed over pixels, with
    z sampled once per image from a seeded ε), KL, and the mean squared pixel error of the
    reconstruction from μ (pixels in [0, 1])."""
    shape = tuple(encoder.input_shape[1:])
    latent = int(encoder.output_shape[0][-1])
    x = to_unit(images, shape)
    eps = np.random.default_rng(seed).standard_normal((len(x), latent)).astype(np.float32)
    totals = np.zeros(3)
    for start in range(0, len(x), EVAL_BATCH):
        xb = x[start : start + EVAL_BATCH]
        bce, kl = losses(encoder, decoder, xb, eps[start : start + EVAL_BATCH])
        mean, _ = encoder(xb, training=False)
        mse = np.mean((np.asarray(decoder(mean, training=False)) - xb) ** 2, axis=(1, 2, 3))
        totals += [float(np.sum(bce)), float(np.sum(kl)), float(np.sum(mse))]
    bce, kl, mse = totals / len(x)
    return {"reconstruction": round(bce, 4), "kl": round(kl, 4), "elbo": round(-(bce + kl), 4),
            "pixel_mse": round(mse, 6), "images": len(x)}  # fmt: skip


def class_means(encoder: keras.Model, images: np.ndarray, labels: np.ndarray, classes: int):
    """Each class's mean code (μ) on ``images``; a class with no image gets None."""
    means, _ = encode_means(encoder, to_unit(images, tuple(encoder.input_shape[1:])))
    return [
        [round(float(v), 6) for v in means[labels == c].mean(axis=0)]
        if np.any(labels == c)
        else None
        for c in range(classes)
    ]


def _save_model(model: keras.Model, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp.keras")
    model.save(tmp)
    tmp.replace(path)


def write_vae(
    out_dir: Path,
    encoder: keras.Model,
    decoder: keras.Model,
    manifest: dict,
) -> VaeFiles:
    """Write the three files (each atomically; the manifest last, with both models' sha256)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = VaeFiles(out_dir)
    _save_model(encoder, files.encoder_path)
    _save_model(decoder, files.decoder_path)
    manifest = {**manifest, "sha256": {"encoder": sha256_file(files.encoder_path),
                                       "decoder": sha256_file(files.decoder_path)}}  # fmt: skip
    tmp = files.manifest_path.with_name(".manifest.json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    tmp.replace(files.manifest_path)
    return files


def build_vae(
    dataset,
    recipe: VaeRecipe,
    out_dir: Path,
    progress: Progress | None = None,
) -> VaeFiles:
    """Train ``dataset``'s VAE (a datasets.base.Dataset) and write it with its measurements."""
    started = time.monotonic()
    train_images, train_labels = dataset.load("train")
    test_images, _ = dataset.load("test")
    encoder, decoder, history = train_vae(train_images, recipe, progress)
    manifest = {
        "dataset": dataset.name,
        "image_shape": list(dataset.manifest["image_shape"]),
        "working_shape": list(encoder.input_shape[1:]),
        "latent": recipe.latent,
        "recipe": recipe.as_dict(),
        "training_images": min(len(train_images), recipe.max_images),
        "history": history,
        "train": evaluate_vae(encoder, decoder, train_images[:10_000]),
        "test": evaluate_vae(encoder, decoder, test_images),
        "class_means": class_means(encoder, train_images, train_labels, len(dataset.classes)),
        "classes": dataset.classes,
        "seconds": round(time.monotonic() - started, 1),
        "keras": keras.__version__,
    }
    return write_vae(out_dir, encoder, decoder, manifest)


def main(argv: list[str] | None = None) -> None:
    from datasets.registry import get_dataset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", choices=sorted(ZOO_VAES))
    parser.add_argument("--epochs", type=int, help="override the recipe's epochs (quick runs)")
    parser.add_argument("--out", type=Path, help="folder to write (default: the zoo's)")
    args = parser.parse_args(argv)
    recipe = RECIPES[args.dataset]
    if args.epochs:
        recipe = VaeRecipe(**{**recipe.as_dict(), "epochs": args.epochs})
    out = args.out or zoo_vae(args.dataset).directory

    def report(epoch: int, epochs: int, row: dict) -> None:
        print(f"epoch {epoch}/{epochs}: reconstruction {row['reconstruction']:.2f} "
              f"KL {row['kl']:.2f}", flush=True)  # fmt: skip

    files = build_vae(get_dataset(args.dataset), recipe, out, report)
    manifest = files.manifest()
    print(f"test: {manifest['test']} in {manifest['seconds']} s -> {files.directory}")


if __name__ == "__main__":
    main()
