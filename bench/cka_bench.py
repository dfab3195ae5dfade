"""Layer-similarity benchmark (issue 22): the CKA heatmap of every layer of deep-bn against every
layer of tiny-vgg on 1,000 seeded Fashion-MNIST test images, as the comparison job computes it
(worker/techniques/comparison.py: minibatches of 250, unbiased HSIC). Models are loaded and
traced first; the time is the heatmap alone, median of 3 runs, plus the peak memory the Gram
matrices need (they are what stays bounded as N grows).

Prints a markdown section (run by `make bench`, or alone: python bench/cka_bench.py).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

IMAGES, RUNS = 1000, 3


def main() -> None:
    import keras
    import numpy as np

    from datasets.registry import get_dataset
    from worker.inputs.input_spec import InputSpec
    from worker.runtime.tf_env import configure_tensorflow
    from worker.techniques.activations import ActivationExtractor
    from worker.techniques.comparison import CKA_BATCH, layer_similarity

    configure_tensorflow()
    sides = []
    for folder in ("deep_bn", "tiny_vgg"):
        manifest = json.loads((ROOT / "model_zoo" / folder / "manifest.json").read_text())
        model = keras.models.load_model(ROOT / "model_zoo" / folder / "model.keras")
        extractor = ActivationExtractor(model)
        extractor.warm_up()
        sides.append((extractor, InputSpec.from_dict(manifest["input"])))
    images, _ = get_dataset("fashion-mnist").load("test")
    rng = np.random.default_rng(0)
    images = images[np.sort(rng.choice(len(images), IMAGES, replace=False))]
    (ea, sa), (eb, sb) = sides
    pa, pb = list(range(len(ea.layers))), list(range(len(eb.layers)))
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        values = layer_similarity(ea, sa, eb, sb, images, pa, pb)
        times.append(time.perf_counter() - started)
    grams = (len(pa) + len(pb)) * CKA_BATCH * CKA_BATCH * 8 / 2**20
    print("\n## Layer similarity (CKA)\n")
    print(f"deep-bn ({len(pa)} layers) against tiny-vgg ({len(pb)} layers), {IMAGES:,} test "
          f"images, minibatches of {CKA_BATCH}; median of {RUNS} runs.\n")  # fmt: skip
    print("| what | seconds | Gram matrices held |")
    print("| --- | ---: | ---: |")
    print(f"| CKA heatmap {len(pa)}×{len(pb)} | {statistics.median(times):.2f} | "
          f"{grams:.0f} MiB |")  # fmt: skip
    print(f"\nHighest value {values.max():.3f}, lowest {values.min():.3f}.")


if __name__ == "__main__":
    main()
