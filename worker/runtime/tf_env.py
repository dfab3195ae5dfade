"""One place that prepares the process environment before TensorFlow is imported."""

from __future__ import annotations

import contextlib
import os

_ENV_DEFAULTS = {
    # Silence TensorFlow's C++ start-up noise (info and warnings).
    "TF_CPP_MIN_LOG_LEVEL": "2",
    # oneDNN reorders float sums; turning it off makes results bit-reproducible.
    "TF_ENABLE_ONEDNN_OPTS": "0",
    # Keras 3 picks its backend at import time.
    "KERAS_BACKEND": "tensorflow",
}

_gpu_configured = False
_lanes = 1


def configure_tensorflow() -> None:
    """Set TensorFlow/Keras environment defaults and enable GPU memory growth.

    Safe to call many times. Environment variables are only set when absent, so an
    operator can override them. Memory growth must be set before any GPU is
    initialised, so call this before building or loading a model.
    """
    global _gpu_configured
    for key, value in _ENV_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if _gpu_configured:
        return
    try:
        import tensorflow as tf
    except ImportError:  # worker.inputs.images etc. must still work without TensorFlow
        return
    _gpu_configured = True
    # Each network and layer gets its own traced function by design; TensorFlow's
    # "triggered tf.function retracing" warning would flag every one of them.
    tf.get_logger().setLevel("ERROR")
    for gpu in tf.config.list_physical_devices("GPU"):
        # RuntimeError: the GPU was already initialised; nothing more we can do.
        with contextlib.suppress(RuntimeError):
            # Without growth TensorFlow grabs the whole card, starving other processes.
            tf.config.experimental.set_memory_growth(gpu, True)


def use_parallel_lanes(lanes: int | None = None) -> int:
    """Run each TensorFlow op on one thread, and up to ``lanes`` independent ops at once.

    For the small per-image work of a worker this beats TensorFlow's default (every op
    split across all cores): a single-image gradient of the zoo Tiny VGG drops from 1.3 to
    0.8 ms, and a batch cut into ``lanes`` independent parts (see
    ``worker.techniques.attribution.model``) still uses every core. Call it once per process before
    TensorFlow runs anything; the Celery worker does so in each child. ``lanes`` defaults
    to ``CONVSCOPE_TF_LANES`` or the number of CPUs. Returns the lanes in effect.
    """
    global _lanes
    configure_tensorflow()
    import tensorflow as tf

    if lanes is None:
        lanes = int(os.environ.get("CONVSCOPE_TF_LANES", "0") or 0) or os.cpu_count() or 1
    lanes = max(1, min(int(lanes), 16))
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(lanes)
    except RuntimeError:  # TensorFlow already started its thread pools: keep what it has
        return _lanes
    _lanes = lanes
    return lanes


def parallel_lanes() -> int:
    """How many parts batched work is cut into (1 unless ``use_parallel_lanes`` ran)."""
    return _lanes


def configure_worker_process() -> int:
    """Settings for a process that serves requests (each Celery child, the benchmarks).

    oneDNN kernels on, unless the operator set ``TF_ENABLE_ONEDNN_OPTS``: measured here,
    they are run-to-run identical, within 1e-6 (relative) of the plain kernels, and 1.5-2.5x
    faster on the batched work of SmoothGrad, integrated gradients and occlusion. Training
    and the test process keep the plain kernels (``configure_tensorflow``'s default) for
    bit-reproducible results. Then parallel lanes. Must run before TensorFlow is imported.
    """
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    return use_parallel_lanes()
