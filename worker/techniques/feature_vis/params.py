"""What decides a feature visualisation (its parameters) and what comes back (its result)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

VERSION = 2
# Zoo Tiny VGG conv_2_2: 64 steps at lr 0.1 give the same-looking images and mean activation
# as 128 steps at Lucid's lr 0.05 (0.32 vs 0.32) in half the time: 0.44 s for all 32
# filters warm on 2 cores (bench/results.md). The activation still rises slowly after that.
DEFAULT_STEPS = 64
DEFAULT_LEARNING_RATE = 0.1
MAX_STEPS = 4096
MAX_BATCH = 1024
# Number of optimisation chunks (progress callbacks) per run.
PROGRESS_CHUNKS = 8


@dataclass(frozen=True)
class FeatureVisParams:
    """Everything that decides the images (with the network and the targets)."""

    steps: int = DEFAULT_STEPS
    seed: int = 0
    size: int | None = None  # square image side; None: the network's input size
    images_per_filter: int = 1
    diversity: float = 0.0
    learning_rate: float = DEFAULT_LEARNING_RATE
    jitter: int | None = None  # pixels; None: size / 14 (2 px at 28)
    scale: tuple[float, float] = (0.9, 1.1)
    rotation: float = 8.0  # degrees, either way
    total_variation: float = 0.0
    l2: float = 0.0
    objective: str = "mean"  # "mean" of the channel, or the "centre" neuron
    decay_power: float = 1.0
    diversity_layer: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= int(self.steps) <= MAX_STEPS:
            raise ValueError(f"steps must be in 1..{MAX_STEPS}, got {self.steps}")
        if int(self.images_per_filter) < 1:
            raise ValueError("images_per_filter must be at least 1")
        if self.objective not in ("mean", "centre"):
            raise ValueError(f"objective must be 'mean' or 'centre', got {self.objective!r}")
        object.__setattr__(self, "steps", int(self.steps))
        object.__setattr__(self, "seed", int(self.seed))
        object.__setattr__(self, "images_per_filter", int(self.images_per_filter))
        if not math.isfinite(float(self.decay_power)):
            raise ValueError("decay_power must be a finite number")
        for name in ("diversity", "learning_rate", "rotation", "total_variation", "l2"):
            value = float(getattr(self, name))
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number >= 0")
        low, high = (float(v) for v in self.scale)
        if not 0 < low <= high:
            raise ValueError("scale must be (low, high) with 0 < low <= high")
        object.__setattr__(self, "scale", (low, high))

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["scale"] = list(self.scale)
        return out


@dataclass
class FeatureVisResult:
    """Images ordered target-major: image ``i`` is for ``targets[i // images_per_filter]``."""

    kind: str  # "filter" or "class"
    layer: str
    filters: list[int]  # the target filters (or classes)
    images: np.ndarray  # N x H x W x C uint8, pixel space 0..255, display-ready
    inputs: np.ndarray  # N x h x w x C float32: the network input (after preprocessing)
    activations: np.ndarray  # N float32: each image's own target, on the final image
    activation_matrix: np.ndarray  # N x F float32: every target on every image
    params: dict[str, Any]
    version: int = VERSION
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)  # free for callers' notes

    @property
    def image_targets(self) -> np.ndarray:
        """The target (filter or class) of each image."""
        per = int(self.params["images_per_filter"])
        return np.repeat(np.asarray(self.filters, np.int64), per)

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "layer": self.layer,
            "filters": list(self.filters),
            "activations": [float(a) for a in self.activations],
            "params": self.params,
            "version": self.version,
            "seconds": self.seconds,
        }
