"""Independent references for the attribution tests, written from the papers in NumPy.

Nothing here calls ``worker.techniques.attribution``. Forward passes reuse ``numpy_reference``
(float64, no Keras code); backward passes are written out by hand for small networks.
"""

from __future__ import annotations

import numpy as np

from tests.worker.numpy_reference import conv2d, reference_forward


def reference_logits(model, x: np.ndarray) -> np.ndarray:
    """Pre-softmax scores of a chain model ending in ``Dense(softmax or linear)``, float64.

    The last Dense is applied without its activation: that is the score every method
    explains."""
    last = model.layers[-1]
    assert type(last).__name__ == "Dense", "reference_logits needs a final Dense layer"
    before = model.layers[-2].name
    features = reference_forward(model, x)[before]
    kernel, bias = (np.asarray(w, np.float64) for w in last.get_weights())
    return features @ kernel + bias


def finite_difference_gradient(
    model, x: np.ndarray, target: int, pixels: np.ndarray, step: float
) -> np.ndarray:
    """Central differences (f(x + h e_i) - f(x - h e_i)) / 2h of the target's score, in
    float64, at the flat indices ``pixels`` of x."""
    base = np.asarray(x, np.float64)
    out = np.empty(len(pixels))
    for n, index in enumerate(pixels):
        up, down = base.copy(), base.copy()
        up.flat[index] += step
        down.flat[index] -= step
        out[n] = (reference_logits(model, up)[target] - reference_logits(model, down)[target]) / (
            2 * step
        )
    return out


def bilinear_loop(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear upsampling, one output pixel at a time: pixel centres at i + 0.5 in both
    grids, source coordinates clamped to the first/last pixel centre."""
    h, w = image.shape
    out = np.empty((height, width))
    for i in range(height):
        sy = min(max((i + 0.5) * h / height - 0.5, 0.0), h - 1)
        y0 = int(np.floor(sy))
        y1 = min(y0 + 1, h - 1)
        fy = sy - y0
        for j in range(width):
            sx = min(max((j + 0.5) * w / width - 0.5, 0.0), w - 1)
            x0 = int(np.floor(sx))
            x1 = min(x0 + 1, w - 1)
            fx = sx - x0
            top = image[y0, x0] * (1 - fx) + image[y0, x1] * fx
            bottom = image[y1, x0] * (1 - fx) + image[y1, x1] * fx
            out[i, j] = top * (1 - fy) + bottom * fy
    return out


def gradcam_reference(activation: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    """Selvaraju et al. eq. 1-2: alpha_k = mean_ij dY/dA_ij^k; L = ReLU(sum_k alpha_k A^k)."""
    h, w, k = activation.shape
    out = np.zeros((h, w))
    for c in range(k):
        out += gradient[:, :, c].mean() * activation[:, :, c]
    return np.maximum(out, 0.0)


def gradcam_plus_plus_reference(activation: np.ndarray, gradient: np.ndarray) -> np.ndarray:
    """Chattopadhay et al. eq. 19 with an exponential score: alpha_ij = g_ij^2 /
    (2 g_ij^2 + g_ij^3 sum_ab A_ab) (0 where that is 0/0), then, as in the authors' code
    and tf-keras-vis, alpha / sum_ij alpha per channel; w_k = sum_ij alpha_ij relu(g_ij)."""
    h, w, k = activation.shape
    weights = np.zeros(k)
    for c in range(k):
        a, g = activation[:, :, c], gradient[:, :, c]
        total = a.sum()
        alpha = np.zeros((h, w))
        for i in range(h):
            for j in range(w):
                denominator = 2 * g[i, j] ** 2 + g[i, j] ** 3 * total
                alpha[i, j] = g[i, j] ** 2 / denominator if denominator != 0 else 0.0
        if alpha.sum() != 0:
            alpha /= alpha.sum()
        for i in range(h):
            for j in range(w):
                weights[c] += alpha[i, j] * max(g[i, j], 0.0)
    return np.maximum((activation * weights).sum(axis=-1), 0.0)


def conv_input_gradient(grad_out: np.ndarray, kernel: np.ndarray, in_shape) -> np.ndarray:
    """d loss / d x of a stride-1 'valid' cross-correlation, given d loss / d output."""
    kh, kw = kernel.shape[:2]
    oh, ow = grad_out.shape[:2]
    grad_in = np.zeros(in_shape)
    for ky in range(kh):
        for kx in range(kw):
            grad_in[ky : ky + oh, kx : kx + ow, :] += grad_out @ kernel[ky, kx].T
    return grad_in


def guided_backprop_conv_dense(weights: dict, x: np.ndarray, target: int, *, guided: bool):
    """Backward pass of conv(valid) -> ReLU -> Flatten -> Dense -> ReLU -> Dense.

    ``guided``: at each ReLU the gradient passes only where the forward input is > 0 AND
    the incoming gradient is > 0 (Springenberg et al. 2015); otherwise the ordinary ReLU
    rule (forward input > 0)."""
    x = np.asarray(x, np.float64)
    z1 = conv2d(x, weights["conv_kernel"], weights["conv_bias"])
    a1 = np.maximum(z1, 0.0)
    z2 = a1.reshape(-1) @ weights["hidden_kernel"] + weights["hidden_bias"]

    def relu_back(grad, pre):
        keep = pre > 0
        if guided:
            keep = keep & (grad > 0)
        return grad * keep

    g_a2 = weights["out_kernel"][:, target].copy()
    g_z2 = relu_back(g_a2, z2)
    g_a1 = (weights["hidden_kernel"] @ g_z2).reshape(z1.shape)
    g_z1 = relu_back(g_a1, z1)
    return conv_input_gradient(g_z1, weights["conv_kernel"], x.shape)
