"""Occlusion sensitivity.

Zeiler & Fergus (2014), "Visualizing and Understanding Convolutional Networks", ECCV,
arXiv:1311.2901. A ``window`` x ``window`` square of black slides over the image in steps
of ``stride``; each pixel's value is the mean drop of the class score over the windows
that covered it (positive: hiding it lowers the score). All occluded copies go through
the model in batched calls. Results depend on the window size: a window smaller than
the object's parts finds little, a large one blurs the map.
"""

from __future__ import annotations

import numpy as np

from worker.techniques.attribution.base import AttributionMap, scores_of
from worker.techniques.attribution.model import AttributionModel


def window_positions(size: int, window: int, stride: int) -> list[int]:
    """Start offsets covering every pixel (the last window is aligned to the edge)."""
    window = min(window, size)
    starts = list(range(0, size - window + 1, stride))
    if starts[-1] != size - window:
        starts.append(size - window)
    return starts


def explain(
    model: AttributionModel,
    x: np.ndarray,
    target: int,
    *,
    window: int = 4,
    stride: int = 2,
) -> AttributionMap:
    height, width = x.shape[:2]
    window = min(window, height, width)
    boxes = [
        (top, left)
        for top in window_positions(height, window, stride)
        for left in window_positions(width, window, stride)
    ]
    batch = np.repeat(x[np.newaxis], len(boxes) + 1, axis=0)
    for i, (top, left) in enumerate(boxes, start=1):
        batch[i, top : top + window, left : left + window, :] = model.black
    logits = model.logits(batch)
    drops = logits[0, target] - logits[1:, target]
    total = np.zeros((height, width), np.float64)
    count = np.zeros((height, width), np.float64)
    for drop, (top, left) in zip(drops, boxes, strict=True):
        total[top : top + window, left : left + window] += drop
        count[top : top + window, left : left + window] += 1
    score, probability = scores_of(logits[0], target)
    return AttributionMap(
        method="occlusion",
        target=target,
        map=(total / np.maximum(count, 1)).astype(np.float32),
        signed=True,
        score=score,
        probability=probability,
        info={"windows": len(boxes)},
    )
