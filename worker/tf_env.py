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
    except ImportError:  # worker.images etc. must still work without TensorFlow
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
