"""Integrated gradients.

Sundararajan, Taly & Yan (2017), "Axiomatic Attribution for Deep Networks", ICML,
arXiv:1703.01365. Attribution_i = (x_i - x'_i) · ∫ d score(x' + a(x - x')) / d x_i da, the
integral by Gauss-Legendre quadrature on ``steps`` points (Captum's default too; on ReLU
networks it is about 2-3x more exact than the trapezoidal rule at the same cost). All
points, the image and the baseline go through the model in batched calls.
Completeness: the attributions sum to score(x) - score(x'), which the result reports as
a check. The map sums the attributions over channels (signed).

Baselines x': ``black`` (the network's black image), ``blurred`` (a Gaussian blur of the
image: removes detail, keeps brightness) or ``noise`` (uniform noise over the image's
value range, seeded).
"""

from __future__ import annotations

import numpy as np

from worker.techniques.attribution.base import AttributionMap, blur_sigma, gaussian_blur, scores_of
from worker.techniques.attribution.model import AttributionModel

BASELINES = ("black", "blurred", "noise")


def make_baseline(model: AttributionModel, x: np.ndarray, kind: str, seed: int) -> np.ndarray:
    if kind == "black":
        return np.broadcast_to(model.black, x.shape).astype(np.float32)
    if kind == "blurred":
        return gaussian_blur(x, blur_sigma(x.shape[0], x.shape[1]))
    if kind == "noise":
        low = float(min(x.min(), model.black.min()))
        high = float(max(x.max(), low + 1e-6))
        return np.random.default_rng(seed).uniform(low, high, x.shape).astype(np.float32)
    raise ValueError(f"baseline must be one of {BASELINES}, got {kind!r}")


def explain(
    model: AttributionModel,
    x: np.ndarray,
    target: int,
    *,
    baseline: str = "black",
    steps: int = 64,
    seed: int = 0,
) -> AttributionMap:
    base = make_baseline(model, x, baseline, seed)
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas = ((nodes + 1.0) / 2.0).astype(np.float32)  # from [-1, 1] to [0, 1]
    path = base[np.newaxis] + alphas[:, None, None, None] * (x - base)[np.newaxis]
    batch = np.concatenate([base[np.newaxis], x[np.newaxis], path])
    grads, logits = model.input_gradients(batch, target)
    avg_grad = np.tensordot(weights / 2.0, grads[2:].astype(np.float64), axes=1)
    attributions = ((x - base) * avg_grad).astype(np.float32)
    score, probability = scores_of(logits[1], target)
    delta = float(logits[1][target] - logits[0][target])
    total = float(attributions.sum())
    return AttributionMap(
        method="integrated-gradients",
        target=target,
        map=attributions.sum(axis=-1),
        signed=True,
        score=score,
        probability=probability,
        info={
            "baseline_score": float(logits[0][target]),
            "attribution_sum": total,
            # How far the sum is from score(x) - score(baseline): small means enough steps.
            "completeness_error": abs(total - delta) / max(abs(delta), 1e-6),
        },
    )
