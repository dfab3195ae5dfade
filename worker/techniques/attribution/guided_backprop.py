"""Guided backpropagation.

Springenberg, Dosovitskiy, Brox & Riedmiller (2015), "Striving for Simplicity: The All
Convolutional Net", ICLR workshop, arXiv:1412.6806. The gradient is propagated through
every ReLU only where both the forward input and the incoming gradient are positive. The
maps look sharp, but Adebayo et al. (2018) showed they hardly change when the model's
weights are randomised: they mostly show edges of the image, not what the model learned.
ReLUs written as layer activations, ``ReLU`` layers and ``Activation("relu")`` layers
are guided; other non-linearities keep their ordinary gradient.
"""

from __future__ import annotations

import numpy as np

from worker.techniques.attribution.base import AttributionMap, max_abs_channels, scores_of
from worker.techniques.attribution.model import AttributionModel


def explain(model: AttributionModel, x: np.ndarray, target: int) -> AttributionMap:
    grads = model.guided_gradients(x[np.newaxis], target)
    score, probability = scores_of(model.logits(x[np.newaxis])[0], target)
    return AttributionMap(
        method="guided-backprop",
        target=target,
        map=max_abs_channels(grads[0]),
        signed=False,
        score=score,
        probability=probability,
    )
