"""Build & train benchmark (issue 21 part 3): one epoch of training a user-built Tiny-VGG-sized
network (the page's "Tiny VGG" preset: two blocks of two 3×3 convolutions and max pooling,
then the output layer; 32,058 parameters) on Fashion-MNIST, as the training job runs it
(worker/techniques/training/train.py, the worker's TensorFlow settings), against the estimate
the page shows and refuses by (worker/runtime/cost.training_estimate); and the recipe check the
page calls on every edit (pure Python).

Prints a markdown section (run by `make bench`, or alone: python bench/training_bench.py).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from worker.runtime.tf_env import configure_worker_process  # noqa: E402

LANES = configure_worker_process()  # before TensorFlow starts: as in a worker's child

TINY_VGG = [
    {"type": "conv", "filters": 16, "kernel": 3, "padding": "same"},
    {"type": "conv", "filters": 16, "kernel": 3, "padding": "same"},
    {"type": "max_pool", "pool": 2},
    {"type": "conv", "filters": 32, "kernel": 3, "padding": "same"},
    {"type": "conv", "filters": 32, "kernel": 3, "padding": "same"},
    {"type": "max_pool", "pool": 2},
    {"type": "flatten"},
]
CASES = [(60_000, 1, 64), (10_000, 1, 64), (1_000, 2, 64)]  # images, epochs, batch


def main() -> None:
    from datasets.registry import get_dataset
    from worker.runtime import cost
    from worker.techniques.training.recipe import check_recipe
    from worker.techniques.training.train import Settings, train_network, training_subset

    started = time.perf_counter()
    for _ in range(1000):
        checked = check_recipe(TINY_VGG, [28, 28, 1], 10)
    check_ms = (time.perf_counter() - started) / 1000 * 1000
    dataset = get_dataset("fashion-mnist")
    x, y = dataset.load("train")
    xt, yt = dataset.load("test")
    rows = []
    for images, epochs, batch in CASES:
        chosen = training_subset(y, images, 0)
        estimate = cost.training_estimate(checked.macs, images, len(yt), epochs, batch)
        with tempfile.TemporaryDirectory() as out:
            began = time.perf_counter()
            summary = train_network(
                checked.layers, 10, x[chosen], y[chosen], xt, yt,
                Settings(epochs, batch, 1e-3, 0), Path(out),
            )  # fmt: skip
            total = time.perf_counter() - began
        last = summary["history"][-1]
        epoch_s = [row["seconds"] for row in summary["history"]]
        rows.append((images, epochs, batch, epoch_s, total, estimate.seconds, last))
    print("\n## Build & train: one epoch of a user-built Tiny VGG\n")
    print(
        f"The page's Tiny VGG preset ({checked.params:,} parameters, "
        f"{checked.macs / 1e6:.2f} M multiply-adds per image) trained by the training job's "
        f"code on Fashion-MNIST with the worker's TensorFlow settings ({LANES} lanes), Adam "
        "1e-3, seed 0; each epoch ends with the 10,000 test images and a checkpoint. Total = "
        "building, tracing, every epoch and saving model.keras.\n"
    )
    print("| training images | epochs | batch | seconds per epoch | total s | estimate s "
          "| test accuracy |")  # fmt: skip
    print("| ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for images, epochs, batch, epoch_s, total, estimate, last in rows:
        per_epoch = ", ".join(f"{s:.1f}" for s in epoch_s)
        print(f"| {images:,} | {epochs} | {batch} | {per_epoch} | {total:.1f} | {estimate:.1f} | "
              f"{last['test_accuracy']:.1%} |")  # fmt: skip
    print(
        f"\nThe recipe check (shapes, parameters, problems) of this stack: "
        f"{statistics.mean([check_ms]):.3f} ms in Python, without Keras (mean of 1,000); the "
        "page calls it 250 ms after each edit. The estimate is what the page shows and what "
        "a run is refused by (it must stay above the measured time)."
    )


if __name__ == "__main__":
    main()
