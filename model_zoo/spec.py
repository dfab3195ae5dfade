"""Shared definitions for zoo networks: the recipe type and the input specification.

No TensorFlow here: the registry and the web process import this module.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# Preprocessing used by every Fashion-MNIST network: pixel / 255, no normalisation.
# The model has no Rescaling layer; the server applies this spec before inference.
INPUT_SPEC: dict = {
    "height": 28,
    "width": 28,
    "channels": 1,
    "scale": 1.0 / 255.0,
    "mean": [0.0],
    "std": [1.0],
    "resize": "stretch",
}


@dataclass(frozen=True)
class Recipe:
    """Hyper-parameters for training one zoo network, deterministic given ``seed``."""

    name: str
    title: str
    description: str
    seed: int
    epochs: int
    batch_size: int
    learning_rate: float
    optimizer: str = "adam"
    # "constant" or "cosine" (cosine decay over all training steps, to 1% of the start).
    lr_schedule: str = "constant"
    weight_decay: float = 0.0
    # Random horizontal flips and ±max_shift pixel translations, done in NumPy per epoch.
    augment: bool = False
    max_shift: int = 0
    dataset: str = "fashion-mnist"
    version: int = 1
    validation_size: int = 5000


def set_tf_env() -> None:
    """Set the environment TensorFlow reads at import: quiet logs, bit-reproducible ops."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # oneDNN's kernels are not bit-reproducible; plain Eigen ones are.
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
