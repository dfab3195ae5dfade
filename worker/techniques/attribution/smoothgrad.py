"""SmoothGrad: the gradient averaged over noisy copies of the image.

Smilkov, Thorat, Kim, Viégas & Wattenberg (2017), "SmoothGrad: removing noise by adding
noise", arXiv:1706.03825. ``noise`` is the standard deviation as a fraction of the
image's value range (the paper's 10-20% works best); the averaged gradient is then
reduced as the vanilla gradient (|g| maximised over channels). All noisy copies go
through the model in as few batched calls as memory allows.
"""

from __future__ import annotations

import numpy as np

from worker.techniques.attribution.base import AttributionMap, max_abs_channels, scores_of
from worker.techniques.attribution.model import AttributionModel


def noisy_copies(x: np.ndarray, samples: int, noise: float, seed: int) -> np.ndarray:
    spread = float(x.max() - x.min()) or 1.0
    rng = np.random.default_rng(seed)
    sigma = noise * spread
    return (x[np.newaxis] + rng.normal(0.0, sigma, (samples, *x.shape))).astype(np.float32)


def explain(
    model: AttributionModel,
    x: np.ndarray,
    target: int,
    *,
    samples: int = 20,
    noise: float = 0.2,
    seed: int = 0,
) -> AttributionMap:
    batch = np.concatenate([x[np.newaxis], noisy_copies(x, samples, noise, seed)])
    grads, logits = model.input_gradients(batch, target)
    score, probability = scores_of(logits[0], target)
    return AttributionMap(
        method="smoothgrad",
        target=target,
        map=max_abs_channels(grads[1:].mean(axis=0)),
        signed=False,
        score=score,
        probability=probability,
    )
