"""The image being optimised and what each step sees of it.

The image is a spectrum in a decorrelated Fourier basis (Mordvintsev et al. 2018, as Lucid's
``fft_image``): scaled by 1/frequency, colour decorrelated with Lucid's ImageNet colour matrix
for RGB, squashed to [0, 1] by a sigmoid. Each step sees it through a random jitter, scale
and rotation (Olah et al. 2017's transformation robustness). Both are built once per traced
optimiser, as TensorFlow functions of the spectrum and of uniform random numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

# Lucid's square root of the ImageNet colour covariance (columns: decorrelated channels).
_COLOUR_SQRT = np.array(
    [[0.26, 0.09, 0.02], [0.27, 0.00, -0.05], [0.27, -0.09, 0.03]], dtype=np.float32
)
_COLOUR = _COLOUR_SQRT / np.max(np.linalg.norm(_COLOUR_SQRT, axis=0))


def _inverse_frequencies(height: int, width: int) -> np.ndarray:
    """1 / max(f, 1/max(h, w)) over the rfft2 grid (Lucid's spectrum scale, decay 1)."""
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.abs(np.fft.fftfreq(width)[: width // 2 + 1])
    freqs = np.sqrt(fx * fx + fy * fy)
    return (1.0 / np.maximum(freqs, 1.0 / max(height, width))).astype(np.float32)


def fourier_image(height: int, width: int, channels: int) -> Callable:
    """``pixels_of(spectrum, decay) -> N x H x W x C`` in [0, 1], for spectra
    N x C x H x (W // 2 + 1) x 2 (real and imaginary parts)."""
    import tensorflow as tf

    inverse_f = tf.constant(_inverse_frequencies(height, width))
    root_area = float(np.sqrt(height * width))
    colour = tf.constant(_COLOUR.T) if channels == 3 else None

    def pixels_of(spectrum, decay):
        scale = tf.pow(inverse_f, decay) * root_area
        z = tf.complex(spectrum[..., 0] * scale, spectrum[..., 1] * scale)
        image = tf.signal.irfft2d(z, fft_length=[height, width])  # N x C x H x W
        image = tf.transpose(image, (0, 2, 3, 1)) / 4.0
        if colour is not None:
            image = tf.tensordot(image, colour, axes=1)
        return tf.sigmoid(image)

    return pixels_of


def random_transform(height: int, width: int, channels: int) -> Callable:
    """``transform(pixels, u, hyper)``: jitter, scale and rotate each image by its row of
    ``u`` (N x 4 uniform in [-1, 1]) within the ranges in ``hyper`` (the optimiser's)."""
    import tensorflow as tf

    def transform(pixels, u, hyper):
        # u: N x 4 uniform in [-1, 1], drawn for the whole batch (lane-independent).
        jitter, lo, hi, rotation = hyper[1], hyper[2], hyper[3], hyper[4]
        dx = tf.round(u[:, 0] * jitter)
        dy = tf.round(u[:, 1] * jitter)
        s = lo + (hi - lo) * (u[:, 2] + 1.0) / 2.0
        theta = u[:, 3] * rotation * (math.pi / 180.0)
        cos, sin = tf.cos(theta) / s, tf.sin(theta) / s
        cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
        # Output pixel (x, y) samples input (a0 x + a1 y + a2, b0 x + b1 y + b2).
        a2 = cx - cos * cx + sin * cy + dx
        b2 = cy - sin * cx - cos * cy + dy
        zeros = tf.zeros_like(cos)
        transforms = tf.stack([cos, -sin, a2, sin, cos, b2, zeros, zeros], axis=1)
        out = tf.raw_ops.ImageProjectiveTransformV3(
            images=pixels,
            transforms=transforms,
            output_shape=tf.constant([height, width], tf.int32),
            fill_value=0.0,
            interpolation="BILINEAR",
            fill_mode="REFLECT",
        )
        out.set_shape((None, height, width, channels))
        return out

    return transform
