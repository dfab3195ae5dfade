"""Out-of-distribution benchmark (issue 19): how often the check raises a false alarm on held-out
Fashion-MNIST test images, and how well it tells the zoo networks' own kind of image from others
that install offline, against the maximum softmax probability (MSP) as the baseline.

The statistics are fitted as the product fits them (backend/networks/ood.py: 5,000 seeded
training images, the threshold on 2,000 seeded test images); the false alarms are counted on
the other 8,000 test images. Out-of-distribution sets, each made 28×28 greyscale:
scikit-learn's digits (upscaled), scikit-image's photos, pydicom's test scans (CT, MR, ...),
Fashion-MNIST test images inverted (light background), uniform noise.

Prints a markdown section (run by `make bench`, or alone: python bench/ood_bench.py).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

NETWORKS = ("tiny_vgg", "deep_bn")
TRAIN, THRESHOLD_SET = 5000, 2000  # as backend/networks/ood.py fits them


def to_28(image: np.ndarray) -> np.ndarray:
    from PIL import Image

    image = np.asarray(image)
    if image.dtype != np.uint8:
        low, high = float(image.min()), float(image.max())
        image = ((image - low) / ((high - low) or 1) * 255).astype(np.uint8)
    return np.asarray(Image.fromarray(image).convert("L").resize((28, 28), Image.BILINEAR))


def outside_sets(test_images: np.ndarray) -> dict[str, np.ndarray]:
    import pydicom
    from pydicom.data import get_testdata_file
    from skimage import data
    from sklearn.datasets import load_digits

    digits = load_digits().images[:500]
    photos = [
        data.chelsea(), data.astronaut(), data.coffee(), data.rocket(), data.camera(),
        data.moon(), data.coins(), data.page(), data.text(), data.brick(), data.grass(),
        data.gravel(), data.clock(), data.retina(), data.hubble_deep_field(),
    ]  # fmt: skip
    scans = []
    # the scans pydicom's wheel ships (get_testdata_file would download any other)
    for name in ("CT_small.dcm", "MR_small.dcm", "JPEG2000.dcm", "MR_small_RLE.dcm"):
        try:
            pixels = pydicom.dcmread(get_testdata_file(name)).pixel_array
        except Exception:  # noqa: BLE001, S112 - a file pydicom cannot decode here is skipped
            continue
        scans.extend(pixels if pixels.ndim == 3 else [pixels])
    rng = np.random.default_rng(0)
    return {
        "digits (sklearn, upscaled)": np.stack([to_28(d * 255 / 16) for d in digits]),
        "photos (skimage, greyed)": np.stack([to_28(p) for p in photos]),
        "scans (pydicom test files)": np.stack([to_28(s) for s in scans]),
        "Fashion-MNIST inverted": 255 - test_images[-500:],
        "uniform noise": rng.integers(0, 256, (500, 28, 28), dtype=np.uint8),
    }


def bench_network(folder: str) -> list[str]:
    from datasets.registry import get_dataset
    from worker.inputs.input_spec import InputSpec
    from worker.inputs.preprocessing import PreparedImages
    from worker.runtime.introspection import describe_layers
    from worker.runtime.model_loading import load_keras_model
    from worker.techniques import ood
    from worker.techniques.attribution.model import AttributionModel

    manifest = json.loads((ROOT / "model_zoo" / folder / "manifest.json").read_text())
    spec = InputSpec.from_dict(manifest["input"])
    keras_model = load_keras_model(ROOT / "model_zoo" / folder / "model.keras")
    model = AttributionModel(keras_model)
    layers = ood.feature_layers(describe_layers(keras_model))
    fashion = get_dataset("fashion-mnist")
    train_x, train_y = fashion.load("train")
    test_x, _ = fashion.load("test")
    train = np.sort(np.random.default_rng(0).choice(len(train_x), TRAIN, replace=False))
    chosen = np.sort(np.random.default_rng(1).choice(len(test_x), THRESHOLD_SET, replace=False))
    held_out = np.setdiff1d(np.arange(len(test_x)), chosen)

    def features(images):
        return ood.layer_summaries(model, layers, PreparedImages(images, spec))

    started = time.perf_counter()
    stats, chosen_scores = ood.fit_ensemble(
        layers, features(train_x[train]), train_y[train], features(test_x[chosen])
    )
    threshold = ood.threshold_for(chosen_scores)
    fit_seconds = time.perf_counter() - started

    def scores(images):
        started = time.perf_counter()
        values = stats.scores(features(images))
        return values, (time.perf_counter() - started) / len(images)

    def msp(images):  # higher = more unusual, like ours
        return -model.probabilities(PreparedImages(images, spec)).max(axis=1)

    inside, per_image = scores(test_x[held_out])
    inside_msp = msp(test_x[held_out])
    alarms = float((inside > threshold).mean())
    rows = [
        f"| `{manifest['name']}`: false alarms on {len(held_out):,} held-out Fashion-MNIST test "
        f"images | {alarms:.1%} | — | ≤ 5%: {'met' if alarms <= 0.05 else 'NOT met'} |"
    ]
    for name, images in outside_sets(test_x[held_out]).items():
        ours, _ = scores(images)
        area = ood.auroc(inside, ours)
        baseline = ood.auroc(inside_msp, msp(images))
        flagged = float((ours > threshold).mean())
        rows.append(
            f"| `{manifest['name']}`: {name} ({len(images)}), AUROC (flagged) | "
            f"{area:.3f} ({flagged:.0%}) | {baseline:.3f} | ≥ 0.95: "
            f"{'met' if area >= 0.95 else 'NOT met'} |"
        )
    rows.append(
        f"| `{manifest['name']}`: fit ({TRAIN:,} + {THRESHOLD_SET:,} images, {len(layers)} "
        f"layers) / one image's check | {fit_seconds:.1f} s / {per_image * 1000:.2f} ms | — | — |"
    )
    return rows


def calibration_rows(folder: str) -> list[str]:
    """Temperature fitted on 5,000 test images (as the product does), judged on the other
    5,000: NLL and expected calibration error before and after."""
    from datasets.registry import get_dataset
    from worker.inputs.input_spec import InputSpec
    from worker.inputs.preprocessing import PreparedImages
    from worker.runtime.model_loading import load_keras_model
    from worker.techniques import calibration
    from worker.techniques.attribution.model import AttributionModel

    manifest = json.loads((ROOT / "model_zoo" / folder / "manifest.json").read_text())
    spec = InputSpec.from_dict(manifest["input"])
    model = AttributionModel(load_keras_model(ROOT / "model_zoo" / folder / "model.keras"))
    images, labels = get_dataset("fashion-mnist").load("test")
    fit = np.sort(np.random.default_rng(2).choice(len(labels), 5000, replace=False))
    judged = np.setdiff1d(np.arange(len(labels)), fit)
    logits = model.logits(PreparedImages(images, spec), chunk=model.bounded_batch())
    t = calibration.fit_temperature(logits[fit], labels[fit])
    z, y = logits[judged], labels[judged]
    before = calibration.reliability(calibration.softmax(z), y)
    after = calibration.reliability(calibration.softmax(z, t), y)
    return [
        f"| `{manifest['name']}` | {t:.3f} | {calibration.nll(z, y, 1.0):.4f} → "
        f"{calibration.nll(z, y, t):.4f} | {before['ece']:.2%} → {after['ece']:.2%} |"
    ]


def main() -> None:
    from worker.runtime.tf_env import configure_tensorflow

    configure_tensorflow()
    lines = [
        "",
        "## Out-of-distribution check",
        "",
        "Is the picture unlike what the network learned from (issue 19): Mahalanobis over a "
        "feature ensemble (each channel's mean and spread at up to 8 layers; Lee et al. 2018), "
        "the threshold passing 95% of 2,000 test images; the baseline is the maximum softmax "
        "probability (MSP). AUROC: the chance that an outside picture scores as more unusual "
        "than a Fashion-MNIST one; flagged: the share the product warns about.",
        "",
        "| what | ours | MSP baseline | target |",
        "| --- | ---: | ---: | --- |",
    ]
    for folder in NETWORKS:
        lines += bench_network(folder)
    lines += [
        "",
        "Calibration (temperature scaling, Guo et al. 2017): the temperature fitted on 5,000 test "
        "images as the product fits it, judged on the other 5,000: negative log-likelihood and "
        "expected calibration error (10 bins) of the raw softmax → the calibrated one.",
        "",
        "| network | temperature | NLL | ECE |",
        "| --- | ---: | ---: | ---: |",
    ]
    for folder in NETWORKS:
        lines += calibration_rows(folder)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
