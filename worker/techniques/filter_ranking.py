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

Convolutions inside residual, inverted-residual and dense blocks are ranked like any other:
the mask multiplies the layer's output inside the whole network, so the shortcut or the
concatenation downstream reads the masked channel too. What does not depend on the layer (the
layer's output and every tensor the rest reads beside it, e.g. a block's input read again by
its shortcut) is computed once per batch; the rest of the network then runs once per filter, in
one traced function with the mask as its argument. Batches are sized so their activations stay
under ``MEMORY_BUDGET``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# Shared with occlusion (worker/runtime/batching.py); still importable from here.
from worker.runtime.batching import (  # noqa: F401
    LIVE_ACTIVATIONS,
    MEMORY_BUDGET,
    bounded_batch,
)
from worker.techniques.progress import tell

Progress = Callable[[float, str], None]

SAMPLE_SIZE = 500
SUBSET_SIZE = 1000
SEED = 0
RANKABLE_TYPES = ("Conv2D", "DepthwiseConv2D")


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
        raise ValueError(
            f"Layer {layer!r} is a {type(target).__name__}; choose a Conv2D or DepthwiseConv2D "
            "layer."
        )
    return target


def kernel_norms(model, layer: str) -> np.ndarray:
    """L2 norm of each filter's kernel (kh x kw x in), one per output channel."""
    target = _conv_layer(model, layer)
    kernel = np.asarray(target.get_weights()[0], np.float64)
    if type(target).__name__ == "DepthwiseConv2D":
        # kh x kw x in x multiplier; output channel i * multiplier + m filters input channel i
        columns = kernel.reshape(kernel.shape[0] * kernel.shape[1], -1)
    else:
        columns = kernel.reshape(-1, kernel.shape[-1])
    return np.sqrt(np.sum(columns**2, axis=0))


def _producer(tensor):
    """The graph node that computed a symbolic tensor (None for a model input)."""
    history = getattr(tensor, "_keras_history", None)
    if history is None or history.operation is None:
        return None
    node = history.operation._inbound_nodes[history.node_index]
    return None if node.is_input else node


def _frontier(outputs: list, target) -> list:
    """The tensors the part of the graph downstream of ``target`` reads: ``target`` first, then
    every tensor that does not depend on it but is read by an operation that does (the input of
    a residual block read again by its shortcut, the input of a dense block read again by its
    concatenation). Given these, the class scores follow without recomputing anything upstream.
    """
    order, seen, stack = [], set(), [(t, False) for t in outputs]
    while stack:  # iterative post-order: deep networks overflow Python's recursion
        tensor, done = stack.pop()
        if done:
            order.append(tensor)
            continue
        if id(tensor) in seen:
            continue
        seen.add(id(tensor))
        stack.append((tensor, True))
        node = _producer(tensor) if tensor is not target else None
        for parent in node.input_tensors if node is not None else ():
            stack.append((parent, False))
    depends: dict[int, bool] = {}
    frontier, listed = [target], {id(target)}
    for tensor in order:  # parents before children
        node = _producer(tensor) if tensor is not target else None
        parents = node.input_tensors if node is not None else []
        depends[id(tensor)] = tensor is target or any(depends[id(p)] for p in parents)
        if tensor is target or not depends[id(tensor)]:
            continue
        for parent in parents:
            if not depends[id(parent)] and id(parent) not in listed:
                listed.add(id(parent))
                frontier.append(parent)
    if not all(depends[id(t)] for t in outputs):
        raise ValueError("The network's output does not depend on this layer.")
    return frontier


class _MaskedNetwork:
    """The whole network with ``mask`` (one value per channel) multiplied onto the output of
    ``layer``; skip connections and merges downstream see the masked channel like the rest.

    It runs in two parts so that what does not depend on the layer is computed once per batch:
    ``prefix(x)`` gives the frontier tensors (see ``_frontier``), ``predictions(frontier,
    mask)`` the predicted classes. ``layer_output(x)`` is the layer's unmasked output.
    """

    def __init__(self, model, layer: str) -> None:
        import keras
        import tensorflow as tf

        target = _conv_layer(model, layer)
        frontier = _frontier(list(model.outputs[:1]), target.output)
        prefix = keras.Model(model.inputs, frontier)
        suffix = keras.Model(frontier, model.outputs[0])
        observe = keras.Model(model.inputs, target.output)
        self.channels = int(target.output.shape[-1])
        specs = [tf.TensorSpec((None, *t.shape[1:]), t.dtype) for t in frontier]
        x_spec = tf.TensorSpec((None, *model.inputs[0].shape[1:]), tf.float32)
        m_spec = tf.TensorSpec((self.channels,), tf.float32)

        def run_prefix(x):
            out = prefix(x, training=False)
            return list(out) if isinstance(out, list | tuple) else [out]

        def run_suffix(tensors, mask):
            first = tensors[0] * tf.cast(mask, tensors[0].dtype)
            scores = suffix([first, *tensors[1:]], training=False)
            return tf.argmax(scores, axis=-1, output_type=tf.int32)

        def run_observe(x):
            return tf.cast(observe(x, training=False), tf.float32)

        # traced once each: the mask is an argument, so one function serves every filter
        self.prefix = tf.function(run_prefix, input_signature=[x_spec]).get_concrete_function()
        self._suffix = tf.function(
            run_suffix, input_signature=[specs, m_spec]
        ).get_concrete_function()
        self._observe = tf.function(run_observe, input_signature=[x_spec]).get_concrete_function()

    def predictions(self, tensors: list, mask) -> np.ndarray:
        return self._suffix(tensors, mask).numpy()

    def layer_output(self, x: np.ndarray) -> np.ndarray:
        import tensorflow as tf

        return self._observe(tf.convert_to_tensor(x)).numpy()


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


class _RunningStats:
    """``activation_stats`` over batches, without keeping the activations."""

    def __init__(self) -> None:
        self.count, self.pixels = 0, 0
        self.total = self.peak = self.active = None

    def add(self, activations: np.ndarray) -> None:
        a = np.asarray(activations, np.float64)
        per_image_max = a.max(axis=(1, 2))  # N x C
        total, peak = a.sum(axis=(0, 1, 2)), per_image_max.max(axis=0)
        active = (per_image_max > 0).sum(axis=0)
        if self.total is None:
            self.total, self.peak, self.active = total, peak, active
        else:
            self.total, self.peak = self.total + total, np.maximum(self.peak, peak)
            self.active = self.active + active
        self.count += len(a)
        self.pixels = a.shape[1] * a.shape[2]

    def result(self) -> dict[str, np.ndarray]:
        return {
            "mean": self.total / (self.count * self.pixels),
            "max": self.peak,
            "active_fraction": self.active / self.count,
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
    ablation is scored on. ``batch`` is an upper bound: large inputs get smaller batches (see
    ``bounded_batch``). Returns JSON-ready ``{"layer", "filters": C, "baseline_accuracy",
    "rows": [{filter, kernel_norm, mean_activation, max_activation, active_fraction, dead,
    ablation_accuracy, ablation_drop}]}``.
    """
    import tensorflow as tf

    labels = np.asarray(subset_labels).astype(np.int64)
    if len(subset) != len(labels):
        raise ValueError(f"{len(subset)} images but {len(labels)} labels")
    if len(sample) == 0 or len(subset) == 0:
        raise ValueError("the sample and the subset need at least one image each")
    norms = kernel_norms(model, layer)
    network = _MaskedNetwork(model, layer)
    size = bounded_batch(model, batch)
    if progress is not None:
        progress(0.0, f"Reading {layer} for {len(sample)} images")
    running = _RunningStats()
    for i in range(0, len(sample), size):
        running.add(network.layer_output(np.asarray(sample[i : i + size], np.float32)))
    stats = running.result()
    channels = network.channels
    ones = tf.ones((channels,), tf.float32)
    # one mask per filter: that channel zero, the others one
    masks = 1.0 - tf.eye(channels, dtype=tf.float32)
    baseline_correct, correct = 0, np.zeros(channels, np.int64)
    for i in range(0, len(subset), size):
        x = tf.convert_to_tensor(np.asarray(subset[i : i + size], np.float32))
        tensors, truth = network.prefix(x), labels[i : i + size]
        baseline_correct += int(np.sum(network.predictions(tensors, ones) == truth))
        for c in range(channels):
            correct[c] += int(np.sum(network.predictions(tensors, masks[c]) == truth))
            steps = i * channels + (c + 1) * len(truth)
            tell(progress, steps / (len(subset) * channels),
                 f"Switching off filter {c + 1} of {channels}, "
                 f"images {i + 1}–{i + len(truth)} of {len(subset)}",
                 stage="ablation", done=steps, total=len(subset) * channels)  # fmt: skip
    baseline = baseline_correct / len(subset)
    rows = []
    for c in range(channels):
        accuracy = float(correct[c] / len(subset))
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
    return {
        "layer": layer,
        "filters": channels,
        "baseline_accuracy": baseline,
        "rows": rows,
    }
