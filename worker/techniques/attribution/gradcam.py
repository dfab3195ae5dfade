"""Grad-CAM and Grad-CAM++: class activation maps from a convolutional layer.

Grad-CAM: Selvaraju et al. (2017), "Grad-CAM: Visual Explanations from Deep Networks via
Gradient-based Localization", ICCV, arXiv:1610.02391. Channel weights are the spatial
mean of d score / d A; the map is ReLU(sum_k w_k A_k).

Grad-CAM++: Chattopadhay, Sarkar, Howlader & Balasubramanian (2018), "Grad-CAM++:
Improved Visual Explanations for Deep Convolutional Networks", WACV, arXiv:1710.11063.
Weights sum ReLU(g) weighted by alpha = g² / (2g² + g³·ΣA) (the exponential-score closed
form), alpha normalised per channel as tf-keras-vis and the authors' code compute it.
Maps are upsampled bilinearly to the input size.
"""

from __future__ import annotations

import numpy as np

from worker.techniques.attribution.base import AttributionMap, resize_bilinear, scores_of
from worker.techniques.attribution.model import AttributionModel


def gradcam_map(activation: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    """ReLU(Σ_k mean(g_k) A_k) for one image's h x w x k activation and gradient."""
    weights = gradient.mean(axis=(0, 1))
    return np.maximum((activation * weights).sum(axis=-1), 0.0).astype(np.float32)


def gradcam_plus_plus_map(activation: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    """Eq. 19 of the paper: alpha_ij = g_ij² / (2 g_ij² + g_ij³ Σ_ab A_ab) per channel (the
    sum of the activations, not of A·g³), normalised to sum 1 over positions as the
    authors' code and tf-keras-vis do; weights Σ_ij alpha_ij ReLU(g_ij)."""
    g2 = gradient**2
    g3 = g2 * gradient
    denominator = 2.0 * g2 + g3 * activation.sum(axis=(0, 1), keepdims=True)
    safe = np.where(denominator != 0.0, denominator, 1.0)
    alpha = np.where(denominator != 0.0, g2 / safe, 0.0)
    total = alpha.sum(axis=(0, 1), keepdims=True)
    alpha = alpha / np.where(total != 0.0, total, 1.0)
    weights = (alpha * np.maximum(gradient, 0.0)).sum(axis=(0, 1))
    return np.maximum((activation * weights).sum(axis=-1), 0.0).astype(np.float32)


def _explain(
    name: str, combine, model: AttributionModel, x: np.ndarray, target: int, layer: str | None
) -> AttributionMap:
    layer = layer or model.default_cam_layer()
    acts, grads, logits = model.layer_gradients(layer, x[np.newaxis], target)
    small = combine(acts[0].astype(np.float64), grads[0].astype(np.float64))
    score, probability = scores_of(logits[0], target)
    height, width = model.input_shape[:2]
    return AttributionMap(
        method=name,
        target=target,
        map=resize_bilinear(small, height, width),
        signed=False,
        score=score,
        probability=probability,
        layer=layer,
        layer_map=small.astype(np.float32),
    )


def explain_gradcam(
    model: AttributionModel, x: np.ndarray, target: int, *, layer: str | None = None
) -> AttributionMap:
    return _explain("gradcam", gradcam_map, model, x, target, layer)


def explain_gradcam_plus_plus(
    model: AttributionModel, x: np.ndarray, target: int, *, layer: str | None = None
) -> AttributionMap:
    return _explain("gradcam++", gradcam_plus_plus_map, model, x, target, layer)
