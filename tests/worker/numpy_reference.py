"""Independent pure-NumPy forward pass for small chain/DAG Keras image models.

Written from the definitions (not from Keras code) to check ActivationExtractor:
every function takes one image (no batch axis), computes in float64.
'same' padding follows TensorFlow: out = ceil(in / stride), total padding
max((out - 1) * stride + k - in, 0), with the smaller half before (top/left).
"""

from __future__ import annotations

import math

import numpy as np


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if np.isscalar(v) else (int(v[0]), int(v[1]))


def _pads(size: int, k: int, stride: int, padding: str) -> tuple[int, int, int]:
    """(out, pad_before, pad_after) along one axis."""
    if padding == "valid":
        return (size - k) // stride + 1, 0, 0
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + k - size, 0)
    return out, total // 2, total - total // 2


def _windows(x: np.ndarray, k, strides, padding: str, fill: float):
    """Yield (ky, kx, view) where view[oy, ox] = padded x[oy*sy + ky, ox*sx + kx]."""
    (kh, kw), (sy, sx) = _pair(k), _pair(strides)
    oh, top, bottom = _pads(x.shape[0], kh, sy, padding)
    ow, left, right = _pads(x.shape[1], kw, sx, padding)
    xp = np.pad(x, ((top, bottom), (left, right), (0, 0)), constant_values=fill)
    for ky in range(kh):
        for kx in range(kw):
            yield ky, kx, xp[ky : ky + sy * (oh - 1) + 1 : sy, kx : kx + sx * (ow - 1) + 1 : sx]


def conv2d(x, kernel, bias, strides=1, padding="valid"):
    """Cross-correlation: out[o, :] = sum_k x[window] @ kernel[k] + bias."""
    kh, kw = kernel.shape[:2]
    out = None
    for ky, kx, view in _windows(x, (kh, kw), strides, padding, 0.0):
        term = view @ kernel[ky, kx]
        out = term if out is None else out + term
    return out if bias is None else out + bias


def max_pool(x, pool, strides, padding):
    """Padding never wins a max (padded with -inf)."""
    out = None
    for _, _, view in _windows(x, pool, strides, padding, -np.inf):
        out = view.copy() if out is None else np.maximum(out, view)
    return out


def avg_pool(x, pool, strides, padding):
    """Average over the real (unpadded) pixels of each window, as TensorFlow does."""
    total = count = None
    ones = np.ones(x.shape[:2] + (1,))
    for (_, _, view), (_, _, cview) in zip(
        _windows(x, pool, strides, padding, 0.0),
        _windows(ones, pool, strides, padding, 0.0),
        strict=True,
    ):
        total = view.copy() if total is None else total + view
        count = cview.copy() if count is None else count + cview
    return total / count


def softmax(z, axis=-1):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "relu6": lambda z: np.clip(z, 0.0, 6.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
    "softmax": softmax,
    "elu": lambda z: np.where(z > 0, z, np.expm1(z)),
    "softplus": lambda z: np.log1p(np.exp(z)),
}


def batch_norm(x, gamma, beta, mean, var, eps):
    """Inference-mode batch normalisation over the last axis."""
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def dense(x, kernel, bias):
    return x @ kernel + (0.0 if bias is None else bias)


def _apply(layer, x):
    kind = type(layer).__name__
    cfg = layer.get_config()
    weights = [np.asarray(w, dtype=np.float64) for w in layer.get_weights()]
    act = ACTIVATIONS[cfg.get("activation", "linear") or "linear"]
    if kind == "Conv2D":
        bias = weights[1] if cfg["use_bias"] else None
        return act(conv2d(x, weights[0], bias, cfg["strides"], cfg["padding"]))
    if kind == "Dense":
        return act(dense(x, weights[0], weights[1] if cfg["use_bias"] else None))
    if kind == "MaxPooling2D":
        return max_pool(x, cfg["pool_size"], cfg["strides"], cfg["padding"])
    if kind == "AveragePooling2D":
        return avg_pool(x, cfg["pool_size"], cfg["strides"], cfg["padding"])
    if kind == "GlobalAveragePooling2D":
        return x.mean(axis=(0, 1))
    if kind == "Flatten":
        return x.reshape(-1)  # channels_last, row-major: same order as Keras
    if kind == "Activation":
        return act(x)
    if kind == "ReLU":
        return ACTIVATIONS["relu"](x)
    if kind == "Softmax":
        return softmax(x)
    if kind == "Dropout":
        return x  # identity at inference
    if kind == "ZeroPadding2D":
        (top, bottom), (left, right) = cfg["padding"]
        return np.pad(x, ((top, bottom), (left, right), (0, 0)))
    if kind == "BatchNormalization":
        names = [w.name for w in layer.weights]
        params = dict(zip(names, weights, strict=True))
        c = x.shape[-1]
        return batch_norm(
            x,
            params.get("gamma", np.ones(c)),
            params.get("beta", np.zeros(c)),
            params["moving_mean"],
            params["moving_variance"],
            cfg["epsilon"],
        )
    raise NotImplementedError(kind)


def reference_forward(model, x) -> dict[str, np.ndarray]:
    """Every non-input layer's output (no batch axis), for a single-input model whose
    layers each take one input (a chain), keyed by layer name."""
    values: dict[str, np.ndarray] = {}
    current = np.asarray(x, dtype=np.float64)
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        current = _apply(layer, current)
        values[layer.name] = current
    return values


def _inbound_names(value) -> list[str]:
    """Names of the layers whose outputs a layer's recorded call arguments refer to."""
    if isinstance(value, dict):
        history = value.get("config", {}).get("keras_history") if "class_name" in value else None
        if value.get("class_name") == "__keras_tensor__" and history:
            return [history[0]]
        return [name for item in value.values() for name in _inbound_names(item)]
    if isinstance(value, list | tuple):
        return [name for item in value for name in _inbound_names(item)]
    return []


def reference_graph_forward(model, x) -> dict[str, np.ndarray]:
    """Every layer's output (no batch axis) of a single-input functional model whose layers
    may branch and merge (``Add``), as ResNet's residual blocks do; keyed by layer name. Each
    layer is called once (a shared layer is not supported)."""
    values: dict[str, np.ndarray] = {}
    for spec in model.get_config()["layers"]:
        name = spec["name"]
        if spec["class_name"] == "InputLayer":
            values[name] = np.asarray(x, dtype=np.float64)
            continue
        assert len(spec["inbound_nodes"]) == 1, f"{name} is shared"
        inputs = [values[n] for n in _inbound_names(spec["inbound_nodes"][0]["args"])]
        layer = model.get_layer(name)
        if spec["class_name"] == "Add":
            values[name] = sum(inputs[1:], inputs[0])
        else:
            assert len(inputs) == 1, f"{name} takes {len(inputs)} inputs"
            values[name] = _apply(layer, inputs[0])
    return values
