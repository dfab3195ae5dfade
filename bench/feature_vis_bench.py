"""Feature visualisation benchmark: ours against tf-keras-vis 0.8.7's ActivationMaximization.

Two layers, each a whole batch of filters in one run: all 32 filters of the zoo Tiny VGG's
last conv layer (``conv_2_2``) and the first 32 filters of the zoo Deep BN's ``conv_3_2``.
Both sides optimise the same objective, the mean over the map of the filter's
pre-activation (tf-keras-vis: its batched form, one seed image per filter and
``CategoricalScore(filters)``, on the layer with its activation replaced by the identity
as its ``ExtractIntermediateLayer`` + ``ReplaceToLinear`` would give, with the network's
preprocessing as the model's first layer so its default input range 0..255 is pixel
space; its default input modifiers, regularisers and optimiser), for the same number of
steps. Both results are measured the same way: the final un-jittered image rounded to
uint8 pixels, preprocessed, and the mean of the filter's channel of the layer as the
network outputs it (after its ReLU where fused). Cold = the first call in the process
(ours includes tracing); warm = the median of later calls.

Django-free: ``.venv/bin/python bench/feature_vis_bench.py`` prints the table.
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

# The Celery worker's TensorFlow settings (oneDNN kernels, parallel lanes) for both sides.
LANES = configure_worker_process()

CASES = [("tiny-vgg", "tiny_vgg", "conv_2_2", 32), ("deep-bn", "deep_bn", "conv_3_2", 32)]
SPEED_TARGET = 15.0


def load(folder: str):
    import json

    from worker.inputs.input_spec import InputSpec
    from worker.runtime.model_loading import load_keras_model
    from worker.techniques.feature_vis.model import FeatureVisModel

    manifest = json.loads((ROOT / "model_zoo" / folder / "manifest.json").read_text())
    keras_model = load_keras_model(ROOT / "model_zoo" / folder / "model.keras")
    return FeatureVisModel(keras_model, InputSpec.from_dict(manifest["input"]))


def theirs(vis, layer: str, filters: list[int], steps: int, seed: int) -> np.ndarray:
    """tf-keras-vis's batched activation maximisation; uint8 images."""
    import tensorflow as tf
    from tf_keras_vis.activation_maximization import ActivationMaximization
    from tf_keras_vis.utils.scores import CategoricalScore

    model = vis.pixel_model(layer)
    maximise = ActivationMaximization(model, model_modifier=None, clone=False)
    tf.random.set_seed(seed)
    np.random.seed(seed)
    seeds = tf.random.uniform((len(filters), *vis.input_shape), 0, 255)
    out = maximise(CategoricalScore(filters), seed_input=seeds, steps=steps)
    return np.clip(np.round(np.asarray(out)), 0, 255).astype(np.uint8)


def timed(fn, repeats: int) -> tuple[float, float, object]:
    started = time.perf_counter()
    result = fn()
    cold = time.perf_counter() - started
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return cold, statistics.median(samples), result


def timed_pair(ours, theirs_fn, repeats: int) -> tuple[tuple, tuple]:
    """Cold call of each, then warm calls alternating ours and theirs, so that both see
    the same load on a shared machine; (cold, (median, best) warm, last result) each."""
    out = []
    for fn in (ours, theirs_fn):
        started = time.perf_counter()
        result = fn()
        out.append([time.perf_counter() - started, [], result])
    for _ in range(repeats):
        for entry, fn in zip(out, (ours, theirs_fn), strict=True):
            started = time.perf_counter()
            entry[2] = fn()
            entry[1].append(time.perf_counter() - started)
    return tuple((cold, (statistics.median(warm), min(warm)), result) for cold, warm, result in out)


def conv_flops(vis, layer: str, count: int) -> tuple[float, float]:
    """Convolution FLOPs of one step for ``count`` images (2 per multiply-add, forward and
    input gradient; no weight gradients): (ours, tf-keras-vis). Ours stops at the target
    layer's input when ``_window_mean_score`` applies (its mean is linear in that input)."""
    per_image = []  # (name, multiply-adds) of every Conv2D up to and including the target
    for current in vis._linear.layers:
        if type(current).__name__ == "Conv2D":
            out_h, out_w, out_c = (int(d) for d in current.output.shape[1:])
            kh, kw, cin, _ = (int(d) for d in current.kernel.shape)
            per_image.append((current.name, out_h * out_w * out_c * kh * kw * cin))
        if current.name == layer:
            break
    theirs = sum(mac for _, mac in per_image)
    ours = theirs - (per_image[-1][1] if vis._window_mean_score(layer) is not None else 0)
    return 4.0 * ours * count, 4.0 * theirs * count


def bench_case(network, folder, layer, count, steps, repeats) -> dict:
    from worker.techniques.feature_vis.visualise import visualise_filters

    vis = load(folder)
    filters = list(range(count))
    (ours_cold, ours_warm, result), (their_cold, their_warm, images) = timed_pair(
        lambda: visualise_filters(vis, layer, filters, steps=steps, seed=0),
        lambda: theirs(vis, layer, filters, steps, seed=0),
        repeats,
    )
    their_acts = vis.measure(layer, images)[np.arange(count), filters]
    # The fewest steps (powers of two) at which our mean activation reaches theirs.
    match = None
    short = 2
    while short < steps:
        _, short_warm, short_result = timed(
            lambda short=short: visualise_filters(vis, layer, filters, steps=short, seed=0),
            repeats,
        )
        if short_result.activations.mean() >= their_acts.mean():
            match = (short, short_warm, float(short_result.activations.mean()))
            break
        short *= 2
    flops_ours, flops_theirs = conv_flops(vis, layer, count)
    noise = np.random.default_rng(0).integers(0, 256, (count, *vis.input_shape))
    noise_acts = vis.measure(layer, noise)[np.arange(count), filters]
    return {
        "network": network,
        "layer": layer,
        "filters": count,
        "steps": steps,
        "ours_cold": ours_cold,
        "ours_warm": ours_warm,
        "their_cold": their_cold,
        "their_warm": their_warm,
        "ours_act": float(result.activations.mean()),
        "their_act": float(their_acts.mean()),
        "noise_act": float(noise_acts.mean()),
        "ours_wins": int((result.activations >= their_acts).sum()),
        "match": match,
        "flops_ours": flops_ours,
        "flops_theirs": flops_theirs,
    }


def run(steps: int | None = None, repeats: int = 5) -> list[str]:
    import keras
    import tensorflow as tf
    import tf_keras_vis

    from worker.techniques.feature_vis.params import DEFAULT_STEPS

    steps = steps or DEFAULT_STEPS
    rows = [bench_case(*case, steps, repeats) for case in CASES]
    lines = [
        "",
        "## Feature visualisation",
        "",
        f"Activation maximisation of a whole batch of filters, {steps} steps on both sides "
        "(our default), ours (`worker.techniques.feature_vis.visualise.visualise_filters`: "
        "Fourier parameterisation, random jitter/scale/rotation, Adam, the whole loop in one "
        f"traced function) against tf-keras-vis {tf_keras_vis.__version__} "
        "`ActivationMaximization` "
        "(its batched form: one seed image per filter, `CategoricalScore(filters)`, its "
        "default modifiers, regularisers and optimiser) on the same filters and objective "
        "(the mean of the filter's pre-activation). Activation: the mean of each filter's "
        "channel, as the network outputs it, on the final un-jittered image rounded to "
        "uint8 and preprocessed, averaged over the filters (random-noise images for "
        f"reference). TensorFlow {tf.__version__}, Keras {keras.__version__}, worker settings "
        f"(oneDNN {'on' if os.environ.get('TF_ENABLE_ONEDNN_OPTS') == '1' else 'off'}, "
        f"{LANES} lanes); cold = first call in the process (ours includes tracing), warm = "
        f"median and best of {repeats} later calls, ours and theirs alternating.",
        "",
        "| network | layer | filters | ours cold (s) | ours warm (s) | tf-keras-vis cold (s) "
        "| tf-keras-vis warm (s) | speed-up (warm) | mean activation ours | tf-keras-vis "
        "| noise | filters ours ≥ theirs | target |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        (ours_median, ours_best), (their_median, their_best) = r["ours_warm"], r["their_warm"]
        speedup = their_median / ours_median
        verdict = (
            f"≥{SPEED_TARGET:.0f}× at ≥ activation: "
            f"{'met' if speedup >= SPEED_TARGET and r['ours_act'] >= r['their_act'] else 'NOT met'}"
        )
        lines.append(
            f"| {r['network']} | {r['layer']} | {r['filters']} | {r['ours_cold']:.2f} | "
            f"{ours_median:.2f} (best {ours_best:.2f}) | {r['their_cold']:.2f} | "
            f"{their_median:.2f} (best {their_best:.2f}) | {speedup:.1f}× (best/best "
            f"{their_best / ours_best:.1f}×) | {r['ours_act']:.3f} | {r['their_act']:.3f} | "
            f"{r['noise_act']:.3f} | {r['ours_wins']}/{r['filters']} | {verdict} |"
        )
    per_step = "; ".join(
        f"{r['network']} ours {r['ours_warm'][0] / r['steps'] * 1000:.1f} ms "
        f"(best {r['ours_warm'][1] / r['steps'] * 1000:.1f}), tf-keras-vis "
        f"{r['their_warm'][0] / r['steps'] * 1000:.0f} ms "
        f"(best {r['their_warm'][1] / r['steps'] * 1000:.0f})"
        for r in rows
    )
    parts = []
    for r in rows:
        ours_step = r["ours_warm"][1] / r["steps"]  # best
        their_step = r["their_warm"][1] / r["steps"]
        needed = their_step / SPEED_TARGET
        parts.append(
            f"{r['network']} ours {r['flops_ours'] / 1e6:.0f} MFLOP "
            f"({r['flops_ours'] / ours_step / 1e9:.0f} GFLOP/s at our best), tf-keras-vis "
            f"{r['flops_theirs'] / 1e6:.0f} MFLOP ({r['flops_theirs'] / their_step / 1e9:.0f} "
            f"GFLOP/s); {SPEED_TARGET:.0f}× its best needs {needed * 1e3:.1f} ms a step, "
            f"{r['flops_ours'] / needed / 1e9:.0f} GFLOP/s of convolution alone"
        )
    work = "; ".join(parts)
    lines += [
        "",
        f"Per step (warm, median and best): {per_step}. Convolution work per step (forward "
        "pass and input gradient of the 32-image batch up to the layer, 2 FLOPs a "
        "multiply-add, no weight gradients): "
        f"{work}. Ours skips the target convolution (the mean of its pre-activation is "
        "linear in its input, `_window_mean_score`) and runs the network as plain "
        "TensorFlow ops with each batch normalisation folded into its convolution "
        "(`_raw_chain`; the deep BN step about 18% faster in an A/B run, Tiny VGG "
        "unchanged: bit-identical images); on top of "
        "the convolutions it does the inverse FFT and the random warp (about 2.5 ms of a step "
        "on one core for 32 28×28 images) and the ReLU, pooling and bias passes. "
        "tf-keras-vis adds eager dispatch, NumPy/SciPy rotation and its regularisers.",
        "",
        f"The {SPEED_TARGET:.0f}× target is not reachable at the same step count; the "
        "step is compute-bound in oneDNN's convolutions. Timed on their own on one core of "
        "the loaded machine (so lower bounds), "
        "its kernels for layers this small (1 to 96 channels, 7 to 28 px) give 30 to 80 "
        "GFLOP/s forward, 30 to 57 for the input gradient and 3 to 6 for the 1-channel "
        "first layer (peak: 160 GFLOP/s a core at 2.5 GHz with two FMA units; no AMX or "
        "bf16 here). On the idle machine the Tiny VGG network alone (convolutions, ReLUs "
        "and pooling, forward and input gradient, no FFT or warp) takes 10.6 ms a step for "
        "the 32 images on one core, 5.3 ms if split perfectly over both cores, more than the "
        "4.4 ms that 15× tf-keras-vis's idle 66 ms a step allows; deep BN would need about "
        "205 GFLOP/s (7.7 ms a step against its idle 115 ms). Tried and dropped: XLA "
        "(`jit_compile=True`: its CPU convolutions do not use oneDNN; the Tiny VGG network's "
        "forward and input gradient went from 24 to 265 ms a step in one loaded run), the "
        "inverse FFT as "
        "real-DFT matrix products (no faster than `irfft2d`: 2.2 ms a step on one core for 32 "
        "images, within the noise), the 1-channel first convolution as a depthwise "
        "convolution or 3×3 patches times a matrix (no faster). Ours splits each step over "
        "both cores (2 lanes), tf-keras-vis mostly runs on one, so other work on this shared "
        "machine slows ours more (in this run too): best-of timings are the least disturbed.",
    ]
    lines += [
        "",
        "Time to reach tf-keras-vis's mean activation: the fewest steps (a power of two) at "
        "which our mean activation is at least tf-keras-vis's after its full run. With its "
        "defaults (tuned for VGG16 on 0..255 ImageNet inputs: RMSprop at lr 1.0, L1 norm and "
        "total variation) tf-keras-vis's images stay close to their noise seeds on these "
        "networks, so a few of our steps suffice: this row shows that, not a speed.",
        "",
        "| network | layer | tf-keras-vis steps | tf-keras-vis warm (s) | our steps "
        "| ours warm (s) | our mean activation | speed-up |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        if r["match"] is None:
            lines.append(
                f"| {r['network']} | {r['layer']} | {r['steps']} | {r['their_warm'][0]:.2f} | "
                f"{r['steps']} | {r['ours_warm'][0]:.2f} | {r['ours_act']:.3f} | "
                f"{r['their_warm'][0] / r['ours_warm'][0]:.1f}× |"
            )
            continue
        short, short_warm, short_act = r["match"]
        lines.append(
            f"| {r['network']} | {r['layer']} | {r['steps']} | {r['their_warm'][0]:.2f} | "
            f"{short} | {short_warm:.3f} | {short_act:.3f} | "
            f"{r['their_warm'][0] / short_warm:.0f}× |"
        )
    return lines


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("\n".join(run(args.steps, args.repeats)))


if __name__ == "__main__":
    main()
