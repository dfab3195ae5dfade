"""A user's layer stack ("recipe") checked without Keras: each layer's output shape and
parameter count, worked out by hand, or the problems in plain words; and the limits a stack
must keep to be trained on this server (layers, parameters, memory, time), each named when a
stack breaks it.

The arithmetic follows Keras 3's own rules (tests/worker/test_training_recipe.py compares it
with ``model.count_params()`` and the built layers' output shapes): 'valid' padding gives
``floor((n - k) / s) + 1`` positions, 'same' gives ``ceil(n / s)``; a convolution has
``k × k × in × filters + filters`` parameters, a dense layer ``in × units + units``, batch
normalisation four per channel (scale, shift, and the moving mean and variance). The output
layer (a dense layer with one unit per class, softmax) is added after the stack.

Pure Python: the web process imports this for every keystroke of the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# What the builder offers. Each entry: the settings a layer of that type takes, with
# (default, low, high) for numbers or (default, choices) for words.
ACTIVATIONS = ("relu", "sigmoid", "tanh", "none")
PADDINGS = ("valid", "same")
LAYER_TYPES: dict[str, dict[str, tuple]] = {
    "conv": {
        "filters": (8, 1, 256),
        "kernel": (3, 1, 9),
        "stride": (1, 1, 4),
        "padding": ("same", PADDINGS),
        "activation": ("relu", ACTIVATIONS),
    },
    "max_pool": {"pool": (2, 1, 8), "stride": (0, 0, 8), "padding": ("valid", PADDINGS)},
    "avg_pool": {"pool": (2, 1, 8), "stride": (0, 0, 8), "padding": ("valid", PADDINGS)},
    "global_avg_pool": {},
    "batch_norm": {},
    "dropout": {"rate": (0.25, 0.0, 0.9)},
    "flatten": {},
    "dense": {"units": (64, 1, 4096), "activation": ("relu", ACTIVATIONS)},
    "activation": {"function": ("relu", ACTIVATIONS[:-1])},
}
# Words for a layer type in a sentence ("Layer 3 (max pooling): …").
TYPE_WORDS = {
    "conv": "convolution",
    "max_pool": "max pooling",
    "avg_pool": "average pooling",
    "global_avg_pool": "global average pooling",
    "batch_norm": "batch normalisation",
    "dropout": "dropout",
    "flatten": "flatten",
    "dense": "dense",
    "activation": "activation",
}
SPATIAL_ONLY = ("conv", "max_pool", "avg_pool", "global_avg_pool", "flatten")

# The limits of this server, named in every refusal. MEMORY_BYTES bounds one training batch:
# every layer's output is kept for the backward pass, with its gradient and the optimiser's
# working copies (about 3 floats per value).
MAX_LAYERS = 20
MAX_PARAMS = 2_000_000
MEMORY_BYTES = 1024 * 2**20
BYTES_PER_ACTIVATION = 3 * 4


@dataclass(frozen=True)
class Limits:
    """The server's limits a recipe must keep (the backend may pass its settings)."""

    max_layers: int = MAX_LAYERS
    max_params: int = MAX_PARAMS
    memory_bytes: int = MEMORY_BYTES


@dataclass
class Checked:
    """A recipe's layers as the network will have them, or what is wrong with it."""

    rows: list[dict] = field(default_factory=list)  # {index, name, type, output_shape, params}
    problems: list[dict] = field(default_factory=list)  # {layer: index or None, message}
    params: int = 0
    macs: int = 0  # multiply-adds of one image through the network (forward)
    activations: int = 0  # values of every layer's output, one image
    layers: list[dict] = field(default_factory=list)  # the cleaned recipe (defaults filled)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "problems": self.problems,
            "params": self.params,
            "macs": self.macs,
            "activations": self.activations,
        }


def _words(shape: list[int]) -> str:
    if len(shape) == 3:
        return f"{shape[0]}×{shape[1]} maps ({shape[2]} of them)"
    return f"a list of {shape[0]:,} numbers"


def _clean(position: int, layer: Any, problems: list[dict]) -> dict | None:
    """One layer with its defaults filled and every setting checked against its range."""
    if not isinstance(layer, dict) or layer.get("type") not in LAYER_TYPES:
        kinds = ", ".join(LAYER_TYPES)
        problems.append(
            {"layer": position, "message": f"Layer {position}: choose a type ({kinds})."}
        )
        return None
    kind = layer["type"]
    cleaned: dict[str, Any] = {"type": kind}
    label = f"Layer {position} ({TYPE_WORDS[kind]})"
    for name, spec in LAYER_TYPES[kind].items():
        value = layer.get(name, spec[0])
        if len(spec) == 2:  # a word from a list
            if value not in spec[1]:
                problems.append(
                    {
                        "layer": position,
                        "message": f"{label}: {name} must be one of {', '.join(spec[1])}.",
                    }
                )
                value = spec[0]
        else:
            default, low, high = spec
            whole = isinstance(default, int)
            number = isinstance(value, int | float) and not isinstance(value, bool)
            number = number and math.isfinite(value)
            if not number or (whole and value != int(value)) or not low <= value <= high:
                kind_words = "a whole number" if whole else "a number"
                problems.append(
                    {
                        "layer": position,
                        "message": f"{label}: {name} must be {kind_words} from {low} to {high}.",
                    }
                )
                value = default
            value = int(value) if whole else float(value)
        cleaned[name] = value
    return cleaned


def _spatial(n: int, window: int, stride: int, padding: str) -> int:
    if padding == "same":
        return math.ceil(n / stride)
    return (n - window) // stride + 1


def layer_names(layers: list[dict]) -> list[str]:
    """Keras names of the stack's layers: conv_1, conv_2, max_pool_1, dense_1 …"""
    seen: dict[str, int] = {}
    names = []
    for layer in layers:
        kind = layer["type"]
        seen[kind] = seen.get(kind, 0) + 1
        names.append(f"{kind}_{seen[kind]}")
    return names


def check_recipe(
    layers: Any,
    input_shape: list[int] | tuple[int, ...],
    classes: int,
    limits: Limits | None = None,
) -> Checked:
    """Walk the stack from the input: every layer's output shape and parameters, the output
    layer's, and every problem (a setting out of range, a window larger than the maps it
    receives, maps where a list of numbers is needed or the other way round, a limit
    exceeded), each in a sentence that names the layer and what to change."""
    limits = limits or Limits()
    result = Checked()
    problems = result.problems
    if not isinstance(layers, list):
        problems.append({"layer": None, "message": "The recipe must be a list of layers."})
        return result
    if len(layers) > limits.max_layers:
        problems.append(
            {
                "layer": None,
                "message": f"The stack has {len(layers)} layers; the "
                f"limit is {limits.max_layers} layers on this server.",
            }
        )
        return result
    cleaned = [_clean(i, layer, problems) for i, layer in enumerate(layers, start=1)]
    if problems:
        return result
    result.layers = cleaned
    shape = list(input_shape)
    names = layer_names(cleaned)
    for position, (layer, name) in enumerate(zip(cleaned, names, strict=True), start=1):
        kind = layer["type"]
        label = f"Layer {position} ({TYPE_WORDS[kind]})"
        params = 0
        if kind in SPATIAL_ONLY and len(shape) != 3:
            problems.append(
                {
                    "layer": position,
                    "message": f"{label}: it receives {_words(shape)}, "
                    "not maps; convolution, pooling and flatten go before the first "
                    "dense layer (or flatten).",
                }
            )
            break
        if kind == "conv":
            k, s = layer["kernel"], layer["stride"]
            if layer["padding"] == "valid" and k > min(shape[0], shape[1]):
                problems.append(
                    {
                        "layer": position,
                        "message": f"{label}: a {k}×{k} kernel does "
                        f"not fit the {shape[0]}×{shape[1]} maps it receives; use a "
                        "smaller kernel or 'same' padding.",
                    }
                )
                break
            params = k * k * shape[2] * layer["filters"] + layer["filters"]
            out = [
                _spatial(shape[0], k, s, layer["padding"]),
                _spatial(shape[1], k, s, layer["padding"]),
                layer["filters"],
            ]
            result.macs += k * k * shape[2] * layer["filters"] * out[0] * out[1]
        elif kind in ("max_pool", "avg_pool"):
            p = layer["pool"]
            s = layer["stride"] or p
            if layer["padding"] == "valid" and p > min(shape[0], shape[1]):
                problems.append(
                    {
                        "layer": position,
                        "message": f"{label}: a {p}×{p} window does "
                        f"not fit the {shape[0]}×{shape[1]} maps it receives; use a "
                        "smaller window, 'same' padding, or remove it.",
                    }
                )
                break
            out = [
                _spatial(shape[0], p, s, layer["padding"]),
                _spatial(shape[1], p, s, layer["padding"]),
                shape[2],
            ]
        elif kind == "global_avg_pool":
            out = [shape[2]]
        elif kind == "flatten":
            out = [math.prod(shape)]
        elif kind == "dense":
            if len(shape) != 1:
                problems.append(
                    {
                        "layer": position,
                        "message": f"{label}: it receives "
                        f"{_words(shape)}; add a flatten (or global average pooling) "
                        "layer before it.",
                    }
                )
                break
            params = shape[0] * layer["units"] + layer["units"]
            out = [layer["units"]]
            result.macs += shape[0] * layer["units"]
        elif kind == "batch_norm":
            params = 4 * shape[-1]
            out = list(shape)
        else:  # dropout, activation: same shape
            out = list(shape)
        if kind not in ("conv", "dense"):
            result.macs += math.prod(out)  # about one operation per output value
        shape = out
        result.params += params
        result.activations += math.prod(shape)
        result.rows.append(
            {
                "index": position,
                "name": name,
                "type": kind,
                "output_shape": list(shape),
                "params": params,
            }
        )
    if problems:
        return result
    if len(shape) != 1:
        problems.append(
            {
                "layer": None,
                "message": f"The stack ends with {_words(shape)}; end it "
                "with a flatten or global average pooling layer (then, if you like, "
                "dense layers), so the output layer gets a list of numbers.",
            }
        )
        return result
    params = shape[0] * classes + classes
    result.params += params
    result.macs += shape[0] * classes
    result.activations += classes
    result.rows.append(
        {
            "index": len(cleaned) + 1,
            "name": "output",
            "type": "output",
            "output_shape": [classes],
            "params": params,
        }
    )
    if result.params > limits.max_params:
        problems.append(
            {
                "layer": None,
                "message": f"This network has {result.params:,} "
                f"parameters; the limit is {limits.max_params:,} parameters on this "
                "server. Use fewer filters or units, or pool before flattening.",
            }
        )
    return result


def batch_bytes(checked: Checked, input_shape, batch_size: int) -> int:
    """Memory one training batch needs: every layer's output (and the input), each with its
    gradient and working copies, for ``batch_size`` images; plus the weights, their gradients
    and the optimiser's two moments."""
    values = checked.activations + math.prod(input_shape)
    return batch_size * values * BYTES_PER_ACTIVATION + checked.params * 4 * 4


def memory_problem(checked: Checked, input_shape, batch_size: int, limits: Limits) -> str | None:
    """The sentence when a batch of ``batch_size`` does not fit the memory limit."""
    needed = batch_bytes(checked, input_shape, batch_size)
    if needed <= limits.memory_bytes:
        return None
    per_image = batch_bytes(checked, input_shape, 1) - checked.params * 16
    fits = max(0, (limits.memory_bytes - checked.params * 16) // max(per_image, 1))
    advice = f"use a batch of at most {fits}" if fits >= 1 else "use fewer filters or pool earlier"
    return (
        f"A batch of {batch_size} images needs about {needed / 2**20:,.0f} MB of memory for "
        f"this network; the memory limit is {limits.memory_bytes / 2**20:,.0f} MB on this "
        f"server: {advice}."
    )
