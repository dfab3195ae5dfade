"""Occlusion sensitivity.

Zeiler & Fergus (2014), "Visualizing and Understanding Convolutional Networks", ECCV,
arXiv:1311.2901. A ``window`` x ``window`` square of black slides over the image in steps
of ``stride``; each pixel's value is the mean drop of the class score over the windows
that covered it (positive: hiding it lowers the score). Results depend on the window size:
a window smaller than the object's parts finds little, a large one blurs the map.

When not given, the window and stride are a fraction of the image's side (Zeiler & Fergus
hid squares of about an eighth of the image), so the number of model calls does not grow with
the square of the resolution: 4/2 pixels at 28 px, 28/14 at 224 px. The occluded copies are
built and run a batch at a time (``worker.runtime.batching.bounded_batch``), so memory stays
bounded however many windows there are.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from worker.techniques.attribution.base import AttributionMap, scores_of
from worker.techniques.attribution.model import AttributionModel
from worker.techniques.attribution.registry import occlusion_stride, occlusion_window

__all__ = ["explain", "occlusion_stride", "occlusion_window", "window_count", "window_positions"]

Progress = Callable[[float, str], None]

# At most this many occluded copies per model call, below the memory bound: measured on a
# 2-core CPU, ResNet50 scores 8 copies per call no faster per copy than 1, while 80 per call
# (the bound at 224 px) held 1.1 GB over the model; 32 keep it near 0.4 GB.
MAX_BATCH = 32


def window_positions(size: int, window: int, stride: int) -> list[int]:
    """Start offsets covering every pixel (the last window is aligned to the edge)."""
    window = min(window, size)
    starts = list(range(0, size - window + 1, stride))
    if starts[-1] != size - window:
        starts.append(size - window)
    return starts


def window_count(height: int, width: int, window: int, stride: int) -> int:
    """How many occluded copies (model calls) a map needs."""
    window = min(window, height, width)
    return len(window_positions(height, window, stride)) * len(
        window_positions(width, window, stride)
    )


def explain(
    model: AttributionModel,
    x: np.ndarray,
    target: int,
    *,
    window: int = 4,
    stride: int = 2,
    progress: Progress | None = None,
) -> AttributionMap:
    height, width = x.shape[:2]
    window = min(window, height, width)
    boxes = [
        (top, left)
        for top in window_positions(height, window, stride)
        for left in window_positions(width, window, stride)
    ]
    full = model.logits(x[np.newaxis])
    batch_size = model.bounded_batch(MAX_BATCH)
    drops = np.empty(len(boxes), np.float32)
    for start in range(0, len(boxes), batch_size):
        part = boxes[start : start + batch_size]
        batch = np.repeat(x[np.newaxis], len(part), axis=0)
        for i, (top, left) in enumerate(part):
            batch[i, top : top + window, left : left + window, :] = model.black
        drops[start : start + len(part)] = (
            full[0, target] - model.logits(batch, batch_size)[:, target]
        )
        if progress is not None:  # also where a cancelled job stops (it raises)
            done = start + len(part)
            progress(done / len(boxes), f"Occluded {done} of {len(boxes)} windows")
    total = np.zeros((height, width), np.float64)
    count = np.zeros((height, width), np.float64)
    for drop, (top, left) in zip(drops, boxes, strict=True):
        total[top : top + window, left : left + window] += drop
        count[top : top + window, left : left + window] += 1
    score, probability = scores_of(full[0], target)
    return AttributionMap(
        method="occlusion",
        target=target,
        map=(total / np.maximum(count, 1)).astype(np.float32),
        signed=True,
        score=score,
        probability=probability,
        info={"windows": len(boxes), "batch": batch_size},
    )
