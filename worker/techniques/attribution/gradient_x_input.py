"""Gradient × input.

Shrikumar, Greenside, Shcherbina & Kundaje (2016), "Not Just a Black Box: Learning
Important Features Through Propagating Activation Differences", arXiv:1605.01713; see
also Ancona et al. (2018), ICLR. The map is sum over channels of x · d score / d x: signed,
positive where a pixel's value pushes the score up. Pixels equal to zero (black, in a
network whose black is 0) get no attribution, whatever the model does with them.
"""

from __future__ import annotations

import numpy as np

from worker.techniques.attribution.base import AttributionMap, scores_of
from worker.techniques.attribution.model import AttributionModel


def explain(model: AttributionModel, x: np.ndarray, target: int) -> AttributionMap:
    grads, logits = model.input_gradients(x[np.newaxis], target)
    score, probability = scores_of(logits[0], target)
    return AttributionMap(
        method="gradient-x-input",
        target=target,
        map=(grads[0] * x).sum(axis=-1).astype(np.float32),
        signed=True,
        score=score,
        probability=probability,
    )
