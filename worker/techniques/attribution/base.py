"""What every attribution method returns, and small helpers they share."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class AttributionMap:
    """One explanation of one class score for one image.

    ``map`` is H x W at input resolution (channels reduced as the method defines);
    CAM methods also give ``layer_map`` at the layer's resolution. ``signed`` says whether
    negative values carry meaning (evidence against the class) or the map is >= 0.
    """

    method: str
    target: int
    map: np.ndarray
    signed: bool
    score: float  # the pre-softmax class score of the unaltered image
    probability: float
    layer: str | None = None
    layer_map: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """JSON-ready facts about the map (no arrays)."""
        return {
            "method": self.method,
            "target": self.target,
            "layer": self.layer,
            "signed": self.signed,
            "score": self.score,
            "probability": self.probability,
            "shape": list(self.map.shape),
            "layer_shape": None if self.layer_map is None else list(self.layer_map.shape),
            "min": float(self.map.min()),
            "max": float(self.map.max()),
            **self.info,
        }


def scores_of(logits: np.ndarray, target: int) -> tuple[float, float]:
    """(pre-softmax score, probability) of ``target`` for one image's logits."""
    z = np.asarray(logits, np.float64).reshape(-1)
    e = np.exp(z - z.max())
    return float(z[target]), float(e[target] / e.sum())


def max_abs_channels(grads: np.ndarray) -> np.ndarray:
    """|gradient| maximised over colour channels (Simonyan et al. 2014, section 3.1)."""
    return np.abs(grads).max(axis=-1).astype(np.float32)


def resize_bilinear(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of a 2-D map with half-pixel centres (as tf.image.resize, PIL).

    Edges are clamped, so a constant map stays constant and nothing leaks in from outside.
    """
    image = np.asarray(image, np.float32)
    h, w = image.shape

    def axis(n_out: int, n_in: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
        pos = np.clip(pos, 0, n_in - 1)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        return lo, hi, (pos - lo).astype(np.float32)

    y0, y1, fy = axis(height, h)
    x0, x1, fx = axis(width, w)
    top = image[y0][:, x0] * (1 - fx) + image[y0][:, x1] * fx
    bottom = image[y1][:, x0] * (1 - fx) + image[y1][:, x1] * fx
    return (top * (1 - fy)[:, None] + bottom * fy[:, None]).astype(np.float32)


def gaussian_blur(x: np.ndarray, sigma: float) -> np.ndarray:
    """Separable Gaussian blur of an H x W x C image, edges reflected."""
    radius = max(1, int(round(3 * sigma)))
    taps = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (taps / sigma) ** 2)
    kernel /= kernel.sum()
    out = np.asarray(x, np.float64)
    for axis_index in (0, 1):
        pad = [(0, 0)] * out.ndim
        pad[axis_index] = (radius, radius)
        padded = np.pad(out, pad, mode="reflect" if out.shape[axis_index] > radius else "edge")
        out = sum(
            k * np.take(padded, np.arange(i, i + out.shape[axis_index]), axis=axis_index)
            for i, k in enumerate(kernel)
        )
    return out.astype(np.float32)


def blur_sigma(height: int, width: int) -> float:
    """A blur that removes object detail but keeps the overall layout (RISE's choice, scaled)."""
    return max(1.0, max(height, width) / 16)
