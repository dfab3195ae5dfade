"""What a job will cost before it is queued: a network's multiply-adds per image, counted from its
stored layer descriptions, times the job's number of forward and backward passes, in seconds at
a measured throughput. A job that cannot finish within the worker's time limit is refused before
it takes the worker, with a sentence saying what to change.

The count: a layer with weights does (its weights) × (its output positions) multiply-adds, which
is exact for Conv2D, DepthwiseConv2D, SeparableConv2D's parts and Dense (bias aside); every
other layer (batch norm, activations, pooling, merges) touches each output value about once.
A backward pass costs about two forward passes. The throughput is the worker's on a 2-core
machine (see ``THROUGHPUT_MACS``); a faster machine sets its own (``CONVSCOPE_COMPUTE_MACS``).

Django-free: the backend passes in the network's ``layers`` list and the limits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# Multiply-adds per second the worker reaches (oneDNN, 2 lanes) on this project's 2-core
# machines, measured on keras.applications ResNet50 at 224×224 (3.9 G multiply-adds per image):
# 46 G/s one image at a time, 62 G/s in batches of 16, on a machine busy with other work. The
# lower figure, less a margin: an estimate may say "fits" only when it does.
THROUGHPUT_MACS = 40e9
BACKWARD_FACTOR = 3.0  # one forward and one backward pass ≈ three forward passes
# Feature visualisation's steps also jitter, scale and rotate the image and regularise it:
# measured 75 s for 16 filters × 64 steps of ResNet50's conv3_block2_2_conv at 128 px, twice
# its passes' multiply-adds at THROUGHPUT_MACS.
FEATURE_VIS_OVERHEAD = 2.0
# Training (the Build & train page, worker/techniques/training), counted in forward-pass
# equivalents, reached 44 G/s in the worker's settings (oneDNN, 2 lanes: one epoch of a Tiny VGG
# on 60,000 Fashion-MNIST images in 20 s, bench/training_bench.py) and 15 G/s with the plain
# kernels on a busier machine, and 25 G/s in the worker's settings with the machine under load
# (the same epoch in 36 s): a third of the inference throughput keeps the estimate above these.
TRAINING_SHARE = 1 / 3
TRAINING_START_S = 5.0  # building the network and tracing its training step
TRAINING_STEP_S = 0.003  # per batch: Keras's own work, whatever the network
# Use at most this share of the time limit: the estimate is rough, the machine is shared.
HEADROOM = 0.8


@dataclass(frozen=True)
class Estimate:
    """A job's size: forward-pass equivalents of the network and the seconds they take."""

    passes: float
    macs_per_pass: float
    seconds: float

    def fits(self, limit_seconds: float) -> bool:
        return self.seconds <= limit_seconds * HEADROOM


def _positions(shape) -> int:
    """Output positions (H×W) of a spatial output, 1 for a vector."""
    if not shape or isinstance(shape[0], list):  # several outputs: count the first
        shape = shape[0] if shape else []
    dims = [d for d in shape[:-1] if d]
    return math.prod(dims) if dims else 1


def _values(shape) -> int:
    if not shape:
        return 0
    if isinstance(shape[0], list):
        return sum(_values(s) for s in shape)
    return math.prod(d for d in shape if d)


def layer_macs(layer: dict) -> int:
    """Multiply-adds of one described layer (worker/runtime/introspection.describe_layers)."""
    shape = layer.get("output_shape") or layer.get("shape")
    params = int(layer.get("params") or 0)
    if params and layer.get("type") not in ("BatchNormalization", "LayerNormalization"):
        return params * _positions(shape)
    return _values(shape)


def network_macs(layers: Iterable[dict], upto: str | None = None) -> int:
    """Multiply-adds of one image through the network (or up to and including ``upto``)."""
    total = 0
    for layer in layers:
        total += layer_macs(layer)
        if upto is not None and layer.get("name") == upto:
            break
    return max(total, 1)


def estimate(passes: float, macs_per_pass: float, throughput: float = THROUGHPUT_MACS) -> Estimate:
    return Estimate(passes, macs_per_pass, passes * macs_per_pass / throughput)


def training_estimate(
    macs: float,
    images: int,
    test_images: int,
    epochs: int,
    batch_size: int,
    throughput: float = THROUGHPUT_MACS,
) -> Estimate:
    """Training for ``epochs`` over ``images`` (a forward and backward pass each) with the test
    images measured after every epoch (a forward pass each), in inference-pass equivalents."""
    passes = epochs * (images * BACKWARD_FACTOR + test_images)
    rate = throughput * TRAINING_SHARE
    steps = epochs * -(-images // max(batch_size, 1))
    seconds = TRAINING_START_S + passes * macs / rate + steps * TRAINING_STEP_S
    return Estimate(passes, macs, seconds)


def readable_seconds(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} minutes"
    return f"{seconds / 3600:.1f} hours"


def attribution_passes(method: str, params: dict, height: int, width: int) -> float:
    """Forward-pass equivalents of one attribution map."""
    if method == "occlusion":
        window = int(params.get("window") or 4)
        stride = max(1, int(params.get("stride") or 2))
        rows = math.ceil(max(height - window, 0) / stride) + 1
        cols = math.ceil(max(width - window, 0) / stride) + 1
        return rows * cols + 1.0
    if method == "smoothgrad":
        return BACKWARD_FACTOR * int(params.get("samples") or 1)
    if method == "integrated-gradients":
        return BACKWARD_FACTOR * (int(params.get("steps") or 1) + 1)
    return BACKWARD_FACTOR


def occlusion_window_that_fits(
    height: int, width: int, macs: float, limit_seconds: float, throughput: float = THROUGHPUT_MACS
) -> int | None:
    """The smallest occlusion window (stride = half of it) that fits the time limit."""
    for window in range(4, min(height, width) + 1, 2):
        passes = attribution_passes(
            "occlusion", {"window": window, "stride": max(2, window // 2)}, height, width
        )
        if estimate(passes, macs, throughput).fits(limit_seconds):
            return window
    return None


def refusal(what: str, network: str, job: Estimate, limit_seconds: float, advice: str) -> str:
    """The sentence a refused request gets."""
    return (
        f"{what} needs about {job.passes:,.0f} forward passes of {network}, about "
        f"{readable_seconds(job.seconds)} on this server; the worker allows "
        f"{readable_seconds(limit_seconds)}. {advice}"
    )
