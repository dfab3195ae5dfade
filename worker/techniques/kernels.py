"""Exporting learned weights (kernels, biases, batch-norm statistics) as .npy files."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from worker.runtime.introspection import non_input_layers

if TYPE_CHECKING:
    import keras

_BN_KEYS = ("gamma", "beta", "moving_mean", "moving_variance")


def export_weights(model: keras.Model, out_dir: str | Path) -> list[dict]:
    """Write each weighted layer's arrays as float32 ``.npy`` files in ``out_dir``.

    File names: ``layer{index:03d}_{weight}.npy`` with ``index`` as in
    :func:`worker.runtime.introspection.describe_layers` and ``weight`` the Keras variable name
    (``kernel``, ``bias``, ``gamma``, ``depthwise_kernel``, ...).

    Returns:
        One dict per weighted layer: index, name, type, kernel, kernel_shape, bias,
        bias_shape (None when absent), BatchNormalization's gamma/beta/moving_mean/
        moving_variance file names when present, and ``arrays``: every written array
        as ``{weight: {"file", "shape"}}``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    exported = []
    for index, layer in enumerate(non_input_layers(model)):
        if not layer.weights:
            continue
        arrays: dict[str, dict] = {}
        for variable in layer.weights:
            key = re.sub(r"[^\w]+", "_", variable.name.split("/")[-1]) or "weight"
            base, n = key, 1
            while key in arrays:  # nested models can repeat names
                n += 1
                key = f"{base}_{n}"
            value = np.asarray(variable.numpy(), dtype=np.float32)
            filename = f"layer{index:03d}_{key}.npy"
            np.save(out / filename, value)
            arrays[key] = {"file": filename, "shape": list(value.shape)}
        entry = {
            "index": index,
            "name": layer.name,
            "type": type(layer).__name__,
            "kernel": arrays.get("kernel", {}).get("file"),
            "kernel_shape": arrays.get("kernel", {}).get("shape"),
            "bias": arrays.get("bias", {}).get("file"),
            "bias_shape": arrays.get("bias", {}).get("shape"),
            "arrays": arrays,
        }
        for bn_key in _BN_KEYS:
            if bn_key in arrays:
                entry[bn_key] = arrays[bn_key]["file"]
        exported.append(entry)
    return exported
