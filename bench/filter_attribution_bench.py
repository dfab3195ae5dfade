"""Per-filter guided backpropagation benchmark (issue 21): every filter of `tiny-vgg conv_2_2`
and `deep-bn conv_3_2` on one Fashion-MNIST test image, batched (the product's
``explain_filters``: guided backpropagation and the plain gradient of each filter's spatial
maximum, the image repeated once per filter in bounded chunks) against a per-filter loop of the
existing guided-backpropagation function (``AttributionModel.guided_gradients`` and
``input_gradients`` on a copy of the network ending in a global max-pooling of the layer, one
filter per call, as tests/worker/test_filter_attribution.py checks them).

Run in the worker's TensorFlow settings (oneDNN kernels, parallel lanes). Django-free:
``.venv/bin/python bench/filter_attribution_bench.py`` prints a markdown section.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

from worker.runtime.tf_env import configure_worker_process  # noqa: E402

LANES = configure_worker_process()
CASES = (("tiny-vgg", "tiny_vgg", "conv_2_2"), ("deep-bn", "deep_bn", "conv_3_2"))
RUNS, LOOP_RUNS = 10, 3


def _median_seconds(fn, runs: int) -> tuple[float, object]:
    fn()  # warm-up: traces the functions
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def bench_case(folder: str, layer: str, x: np.ndarray, runs: int, loop_runs: int) -> dict:
    import keras

    from worker.runtime.model_loading import load_keras_model
    from worker.techniques.attribution.filters import explain_filters
    from worker.techniques.attribution.model import AttributionModel

    model = load_keras_model(ROOT / "model_zoo" / folder / "model.keras")
    batched_model = AttributionModel(model)
    batched, result = _median_seconds(lambda: explain_filters(batched_model, x, layer), runs)

    out = model.get_layer(layer).output
    head = keras.layers.GlobalMaxPooling2D(name="filter_scores")(out)
    per_filter = AttributionModel(keras.Model(model.inputs, head))
    filters = int(out.shape[-1])

    def loop():
        guided = [per_filter.guided_gradients(x[None], c)[0] for c in range(filters)]
        plain = [per_filter.input_gradients(x[None], c)[0][0] for c in range(filters)]
        return np.stack(guided), np.stack(plain)

    looped, (guided, plain) = _median_seconds(loop, loop_runs)
    difference = max(
        float(np.abs(result.guided - guided).max()), float(np.abs(result.gradient - plain).max())
    )
    return {
        "filters": filters,
        "chunk": min(batched_model.max_batch, batched_model.bounded_batch()),
        "batched": batched,
        "loop": looped,
        "difference": difference,
    }


def run(runs: int = RUNS, loop_runs: int = LOOP_RUNS) -> list[str]:
    import json

    import tensorflow as tf

    from datasets.registry import get_dataset
    from worker.inputs.input_spec import InputSpec
    from worker.inputs.preprocessing import prepare_batch

    pixels, _ = get_dataset("fashion-mnist").load("test")
    lines = [
        "",
        "## Per-filter guided backpropagation",
        "",
        "What made each filter fire (issue 21): guided backpropagation and the plain gradient of "
        "every filter's spatial maximum with respect to the input, for one Fashion-MNIST test "
        "image. Batched: the product's computation (the image repeated once per filter, each row "
        "selecting its own channel, in bounded chunks). Loop: the existing guided-backpropagation "
        "function called once per filter (and the gradient once per filter). Median of warm runs "
        f"({runs} batched, {loop_runs} loops); TensorFlow {tf.__version__}, {LANES} lane(s).",
        "",
        "| network, layer | filters | rows per chunk | batched (ms) | per-filter loop (ms) "
        "| speed-up | largest difference |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, folder, layer in CASES:
        manifest = json.loads((ROOT / "model_zoo" / folder / "manifest.json").read_text())
        x = prepare_batch(pixels[:1], InputSpec.from_dict(manifest["input"]))[0]
        row = bench_case(folder, layer, x, runs, loop_runs)
        lines.append(
            f"| `{name}` `{layer}` | {row['filters']} | {row['chunk']} | "
            f"{row['batched'] * 1000:.1f} | {row['loop'] * 1000:.1f} | "
            f"{row['loop'] / row['batched']:.1f}× | {row['difference']:.1e} |"
        )
    return lines


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--loop-runs", type=int, default=LOOP_RUNS)
    args = parser.parse_args()
    print("\n".join(run(args.runs, args.loop_runs)))


if __name__ == "__main__":
    main()
