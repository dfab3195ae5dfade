"""What a convolution adds up: one output channel as the sum of its per-input-channel parts.

An output channel of a 2-D convolution is sum_c (input_c ⋆ kernel[:, :, c, out]) + bias.
The teaching view shows each term as its own map (CNN Explainer's "intermediate" view).
NumPy only: the web process serves it from stored activations and exported weights.
"""

from __future__ import annotations

import math

import numpy as np


def padding_amounts(size: int, kernel: int, stride: int, dilation: int, padding: str):
    """(before, after) zero padding along one axis, with TensorFlow's rule for 'same'
    (the extra pixel, if any, goes after)."""
    if padding == "valid":
        return 0, 0
    if padding != "same":
        raise ValueError(f"unsupported padding {padding!r}")
    effective = (kernel - 1) * dilation + 1
    total = max((math.ceil(size / stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2


def channel_contributions(
    x: np.ndarray,
    kernel: np.ndarray,
    out_channel: int,
    *,
    strides: tuple[int, int] = (1, 1),
    padding: str = "valid",
    dilation: tuple[int, int] = (1, 1),
) -> np.ndarray:
    """Per-input-channel parts of one output channel, ``C_in x H_out x W_out`` (float32).

    ``x`` is the layer's input ``H x W x C_in``; ``kernel`` is ``kh x kw x C_in x C_out``
    (Keras layout). Summing over the first axis and adding the bias gives the channel's
    pre-activation output exactly as the layer computes it (cross-correlation, as Keras).
    """
    x = np.asarray(x, np.float64)
    kernel = np.asarray(kernel, np.float64)
    if x.ndim != 3 or kernel.ndim != 4 or kernel.shape[2] != x.shape[2]:
        raise ValueError(f"input {x.shape} does not fit kernel {kernel.shape}")
    if not 0 <= out_channel < kernel.shape[3]:
        raise ValueError(f"channel {out_channel} is outside 0..{kernel.shape[3] - 1}")
    kh, kw = kernel.shape[:2]
    (sy, sx), (dy, dx) = strides, dilation
    top, bottom = padding_amounts(x.shape[0], kh, sy, dy, padding)
    left, right = padding_amounts(x.shape[1], kw, sx, dx, padding)
    padded = np.pad(x, ((top, bottom), (left, right), (0, 0)))
    out_h = (padded.shape[0] - ((kh - 1) * dy + 1)) // sy + 1
    out_w = (padded.shape[1] - ((kw - 1) * dx + 1)) // sx + 1
    total = np.zeros((out_h, out_w, x.shape[2]))
    weights = kernel[:, :, :, out_channel]
    for i in range(kh):
        for j in range(kw):
            window = padded[
                i * dy : i * dy + (out_h - 1) * sy + 1 : sy,
                j * dx : j * dx + (out_w - 1) * sx + 1 : sx,
                :,
            ]
            total += window * weights[i, j]
    return np.ascontiguousarray(total.transpose(2, 0, 1), dtype=np.float32)
