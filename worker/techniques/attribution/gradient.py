"""Vanilla gradient (saliency map).

Simonyan, Vedaldi & Zisserman (2014), "Deep Inside Convolutional Networks: Visualising
Image Classification Models and Saliency Maps", arXiv:1312.6034. The map is
|d score / d pixel|, maximised over colour channels.
"""

from __future__ import annotations

import numpy as np

from worker.techniques.attribution.base import AttributionMap, max_abs_channels, scores_of
from worker.techniques.attribution.model import AttributionModel


def explain(model: AttributionModel, x: np.ndarray, target: int) -> AttributionMap:
    grads, logits = model.input_gradients(x[np.newaxis], target)
    score, probability = scores_of(logits[0], target)
    return AttributionMap(
        method="gradient",
        target=target,
        map=max_abs_channels(grads[0]),
        signed=False,
        score=score,
        probability=probability,
    )
