"""Ranking the filters of a convolution: by weight, by activation, and by what switching one off
costs the network.

Three measures per filter (output channel) ``c`` of a Conv2D layer:

- **kernel norm**: the L2 norm of the filter's kernel ``W[..., c]`` (all its input channels);
  small-norm filters are the classic pruning candidates (Li et al., 2017, "Pruning Filters for
  Efficient ConvNets", ICLR).
- **activation**: over a fixed, seeded sample of test images, the mean and the maximum of the
  layer's output in channel ``c``, and the fraction of images on which it is ever above zero.
  A filter that is never above zero on the sample is *dead* (a "dead ReLU").
- **ablation**: the test accuracy on a fixed, seeded subset when channel ``c`` of the layer's
  output is set to zero (Morcos et al., 2018, "On the importance of single directions for
  generalization", ICLR), and the drop from the unablated accuracy. For a convolution whose
  activation maps zero to zero (ReLU, linear) this is the same as zeroing the filter's kernel
  and bias.

The images before the layer are computed once; the rest of the network then runs once per
filter on the masked activation, in one traced function with the mask as its argument.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Progress = Callable[[float, str], None]

SAMPLE_SIZE = 500
SUBSET_SIZE = 1000
SEED = 0
RANKABLE_TYPES = ("Conv2D",)


def seeded_indices(total: int, size: int | None, seed: int = SEED) -> np.ndarray:
    """``size`` distinct indices of ``range(total)`` drawn with ``seed``, in increasing order
    (all of them when ``size`` is None or at least ``total``)."""
    if size is None or size >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, int(size), replace=False))


def _conv_layer(model, layer: str):
    try:
        target = model.get_layer(layer)
    except ValueError:
        raise ValueError(f"unknown layer {layer!r}") from None
    if type(target).__name__ not in RANKABLE_TYPES:
        raise ValueError(f"Layer {layer!r} is a {type(target).__name__}; choose a Conv2D layer.")
    return target


def kernel_norms(model, layer: str) -> np.ndarray:
    """L2 norm of each filter's kernel (kh x kw x in), one per output channel."""
    kernel = np.asarray(_conv_layer(model, layer).get_weights()[0], np.float64)
    return np.sqrt(np.sum(kernel.reshape(-1, kernel.shape[-1]) ** 2, axis=0))


class _Split:
    """The network cut at ``layer``: ``before(x)`` is the layer's output, ``after(a, mask)`` the
    class scores from that output multiplied by ``mask`` (one value per channel)."""

    def __init__(self, model, layer: str, batch: int) -> None:
        import keras
        import tensorflow as tf

        target = _conv_layer(model, layer)
        self.batch = max(1, int(batch))
        before = keras.Model(model.inputs, target.output)
        try:
            after = keras.Model(target.output, model.outputs[0])
        except ValueError as exc:
            raise ValueError(
                f"The network reads layers before {layer!r} again later (a skip connection), "
                "so it cannot be cut there for ablation."
            ) from exc
        shape = tuple(target.output.shape[1:])
        self.channels = int(shape[-1])
        a_spec = tf.TensorSpec((None, *shape), tf.float32)
        x_spec = tf.TensorSpec((None, *model.inputs[0].shape[1:]), tf.float32)
        m_spec = tf.TensorSpec((self.channels,), tf.float32)

        def run_before(x):
            return tf.cast(before(x, training=False), tf.float32)

        def run_after(a, mask):
            scores = after(a * mask, training=False)
            return tf.argmax(scores, axis=-1, output_type=tf.int32)

        self._before = tf.function(run_before, input_signature=[x_spec]).get_concrete_function()
        self._after = tf.function(
            run_after, input_signature=[a_spec, m_spec]
        ).get_concrete_function()

    def before(self, x: np.ndarray) -> np.ndarray:
        import tensorflow as tf

        parts = [
            self._before(tf.convert_to_tensor(x[i : i + self.batch])).numpy()
            for i in range(0, len(x), self.batch)
        ]
        return np.concatenate(parts)

    def predictions(self, a: np.ndarray, mask: np.ndarray) -> np.ndarray:
        import tensorflow as tf

        m = tf.convert_to_tensor(np.asarray(mask, np.float32))
        parts = [
            self._after(tf.convert_to_tensor(a[i : i + self.batch]), m).numpy()
            for i in range(0, len(a), self.batch)
        ]
        return np.concatenate(parts)


def activation_stats(activations: np.ndarray) -> dict[str, np.ndarray]:
    """Per channel of N x H x W x C activations: mean, max, and the fraction of images whose
    channel is above zero somewhere."""
    a = np.asarray(activations, np.float64)
    per_image_max = a.max(axis=(1, 2))  # N x C
    return {
        "mean": a.mean(axis=(0, 1, 2)),
        "max": per_image_max.max(axis=0),
        "active_fraction": (per_image_max > 0).mean(axis=0),
    }


def rank_filters(
    model,
    layer: str,
    sample: np.ndarray,
    subset: np.ndarray,
    subset_labels: np.ndarray,
    *,
    batch: int = 250,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Kernel norm, activation statistics and ablation accuracy of every filter of ``layer``.

    ``model`` is a Keras model (not modified); ``sample`` the preprocessed float32 images for
    the activation statistics; ``subset`` and ``subset_labels`` the images and true classes the
    ablation is scored on. Returns JSON-ready ``{"layer", "filters": C, "baseline_accuracy",
    "rows": [{filter, kernel_norm, mean_activation, max_activation, active_fraction, dead,
    ablation_accuracy, ablation_drop}]}``.
    """
    labels = np.asarray(subset_labels).astype(np.int64)
    if len(subset) != len(labels):
        raise ValueError(f"{len(subset)} images but {len(labels)} labels")
    if len(sample) == 0 or len(subset) == 0:
        raise ValueError("the sample and the subset need at least one image each")
    norms = kernel_norms(model, layer)
    split = _Split(model, layer, batch)
    if progress is not None:
        progress(0.0, f"Reading {layer} for {len(sample)} images")
    stats = activation_stats(split.before(np.asarray(sample, np.float32)))
    a = split.before(np.asarray(subset, np.float32))
    channels = split.channels
    ones = np.ones(channels, np.float32)
    baseline = float(np.mean(split.predictions(a, ones) == labels))
    rows = []
    for c in range(channels):
        mask = ones.copy()
        mask[c] = 0.0
        accuracy = float(np.mean(split.predictions(a, mask) == labels))
        rows.append(
            {
                "filter": c,
                "kernel_norm": float(norms[c]),
                "mean_activation": float(stats["mean"][c]),
                "max_activation": float(stats["max"][c]),
                "active_fraction": float(stats["active_fraction"][c]),
                "dead": bool(stats["active_fraction"][c] == 0),
                "ablation_accuracy": accuracy,
                "ablation_drop": baseline - accuracy,
            }
        )
        if progress is not None:
            progress((c + 1) / channels, f"switched off filter {c + 1} of {channels}")
    return {
        "layer": layer,
        "filters": channels,
        "baseline_accuracy": baseline,
        "rows": rows,
    }
