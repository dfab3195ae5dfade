"""How many images a batch may hold so that a forward pass stays within a memory budget.

A forward pass keeps a few of the network's largest layer outputs alive at once per image
(float32); the batch is cut so that this stays under ``MEMORY_BUDGET``. Filter ranking and
occlusion share it.
"""

from __future__ import annotations

import numpy as np

# Batches are kept under this many bytes of activations (float32) ...
MEMORY_BUDGET = 1 << 30
# ... counting this many of the network's largest layer outputs alive at once per image.
LIVE_ACTIVATIONS = 4


def largest_activation(model) -> int:
    """Values per image of the model's largest layer output (or its input, if larger)."""
    largest = int(np.prod(model.inputs[0].shape[1:]))
    for layer in model.layers:
        try:
            outputs = layer.output
        except (AttributeError, ValueError):
            continue
        for out in outputs if isinstance(outputs, list | tuple) else [outputs]:
            shape = getattr(out, "shape", None)
            if shape is not None and all(d is not None for d in shape[1:]):
                largest = max(largest, int(np.prod(shape[1:])))
    return largest


def bounded_batch(model, requested: int, budget: int = MEMORY_BUDGET) -> int:
    """At most ``requested`` images per batch, fewer where the network's activations are large:
    a forward pass keeps a few of its largest layer outputs alive at once (float32)."""
    per_image = LIVE_ACTIVATIONS * 4 * largest_activation(model)
    return int(max(1, min(int(requested), budget // per_image)))
