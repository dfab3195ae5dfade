"""The dataset images that excite each filter of a layer most ("top-activating examples").

Zeiler & Fergus (2014), "Visualizing and Understanding Convolutional Networks" (ECCV)
show, for each feature map, the dataset patches with the strongest activation; the same
"dataset examples" view appears in Olah, Mordvintsev & Schubert (2017), "Feature
Visualization" (Distill). Here each filter ``c`` of a layer with an H x W x C output scores
every image by its maximum activation over space; the ``k`` best images are kept, each with
the position of its maximum and that unit's receptive field in the input
(:mod:`worker.techniques.receptive_field`), so the UI can outline the patch the filter responded to.

One batched pass: a traced function returns, per image and filter, only the spatial
maximum and its position (N x C each), so the full N x H x W x C activations never leave
the graph.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from worker.inputs.preprocessing import as_float_batch
from worker.techniques.progress import count, tell
from worker.techniques.receptive_field import receptive_field

if TYPE_CHECKING:
    from worker.techniques.attribution.model import AttributionModel

Progress = Callable[[float, str], None]


def _spatial_max(a):
    """Per image and channel: max over H x W and its flat position (first one on ties)."""
    import tensorflow as tf

    shape = tf.shape(a)
    flat = tf.reshape(a, (shape[0], shape[1] * shape[2], shape[3]))
    return tf.reduce_max(flat, axis=1), tf.argmax(flat, axis=1, output_type=tf.int32)


def filter_maxima(
    model: AttributionModel,
    layer: str,
    images: np.ndarray,
    *,
    batch: int = 1000,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int]]:
    """Each image's maximum activation per filter (N x C float32), its flat position
    ``y * W + x`` (N x C int32), and the layer's output shape (H, W, C)."""
    import tensorflow as tf

    info = next((d for d in model.layers if d["name"] == layer), None)
    if info is None:
        raise ValueError(f"unknown layer {layer!r}")
    shape = info.get("output_shape")
    if not (isinstance(shape, list) and len(shape) == 3 and all(isinstance(d, int) for d in shape)):
        raise ValueError(
            f"Layer {layer!r} has no spatial H×W×C output; choose one of "
            f"{', '.join(model.spatial_layers) or '(none)'}."
        )
    x = as_float_batch(images)
    if x.ndim != 4 or tuple(x.shape[1:]) != model.input_shape:
        raise ValueError(f"expected a batch (N, {model.input_shape}), got {x.shape}")
    fn = model.layer_output_function(layer, "spatial-max", _spatial_max)
    n = len(x)
    channels = int(shape[2])
    values = np.empty((n, channels), np.float32)
    positions = np.empty((n, channels), np.int32)
    batch = model.bounded_batch(batch)  # bounded memory on large networks
    for start in range(0, n, batch):
        stop = min(start + batch, n)
        v, p = fn(tf.convert_to_tensor(x[start:stop]))
        values[start:stop] = v.numpy()
        positions[start:stop] = p.numpy()
        tell(progress, stop / n, f"Reading the layer for every image: {count(stop)} of {count(n)}",
             stage="activations", done=stop, total=n)  # fmt: skip
    return values, positions, (int(shape[0]), int(shape[1]), channels)


def top_activating(
    model: AttributionModel,
    layer: str,
    images: np.ndarray,
    *,
    k: int = 9,
    batch: int = 1000,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The ``k`` images with the largest maximum activation, for every filter of ``layer``.

    ``images`` are preprocessed float32 N x h x w x c (or PreparedImages); indices in the
    result refer to them.
    Returns JSON-ready ``{"layer", "k", "shape": [H, W, C], "filters": [{"filter": c,
    "examples": [{"index", "value", "y", "x", "box": [top, left, bottom, right]}]}]}``,
    examples strongest first (ties: lower index first); ``box`` is the receptive field
    of the maximal unit in input pixels, bottom/right exclusive.
    """
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    values, positions, (height, width, channels) = filter_maxima(
        model, layer, images, batch=batch, progress=progress
    )
    k = min(int(k), len(values))
    field = receptive_field(model.layers, layer)
    # Stable sort of the negated values: strongest first, equal values by image index.
    order = np.argsort(-values, axis=0, kind="stable")[:k]  # k x C
    filters = []
    for c in range(channels):
        examples = []
        for index in order[:, c]:
            y, x = divmod(int(positions[index, c]), width)
            examples.append(
                {
                    "index": int(index),
                    "value": float(values[index, c]),
                    "y": y,
                    "x": x,
                    "box": list(field.box(y, x)),
                }
            )
        filters.append({"filter": c, "examples": examples})
    return {"layer": layer, "k": k, "shape": [height, width, channels], "filters": filters}
