"""Receptive fields of units in a convolutional layer, in input-pixel coordinates.

The classic recurrence (Araujo, Norris & Sim, 2019, "Computing Receptive Fields of
Convolutional Neural Networks", Distill; Dumoulin & Visin, 2016, "A guide to convolution
arithmetic for deep learning"): walking from the input towards the layer, each
convolution or pooling with kernel ``k``, stride ``s``, dilation ``d`` and leading padding
``p`` updates, per axis,

    start <- start - p * jump,   size <- size + (d * (k - 1)) * jump,   jump <- jump * s

starting from ``start = 0, size = 1, jump = 1``; unit ``i`` of the layer then sees input
pixels ``start + i * jump`` to ``start + i * jump + size - 1``. ``'same'`` padding follows
TensorFlow, which pads asymmetrically: ``pad_total = max((ceil(n / s) - 1) * s + k_eff - n,
0)`` and ``pad_before = pad_total // 2`` (the extra pixel goes after).

Layers that keep positions (activations, batch normalisation, dropout, element-wise
merges, ...) leave the field unchanged. A layer that mixes every position (Flatten, Dense,
global pooling) makes the field the whole image. For a branching graph the path followed
is the first inbound layer at every merge (``describe_layers``'s ``inbound[0]``); the
field along other branches may be larger, so the box is a lower bound there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Layers that slide a window over H x W (their config has kernel_size or pool_size).
_WINDOW_TYPES = {
    "Conv2D": "kernel_size",
    "DepthwiseConv2D": "kernel_size",
    "SeparableConv2D": "kernel_size",
    "Conv2DTranspose": None,  # not supported: treated as global (whole image)
    "MaxPooling2D": "pool_size",
    "AveragePooling2D": "pool_size",
    "MaxPool2D": "pool_size",
    "AvgPool2D": "pool_size",
}
_GLOBAL_TYPES = {
    "Flatten",
    "Dense",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "GlobalAvgPool2D",
    "GlobalMaxPool2D",
    "Reshape",
    "Conv2DTranspose",
    "UpSampling2D",
    "Resizing",
}


def _pair(value, default: int = 1) -> tuple[int, int]:
    if value is None:
        return default, default
    if isinstance(value, int | float):
        return int(value), int(value)
    values = list(value)
    return int(values[0]), int(values[1] if len(values) > 1 else values[0])


@dataclass(frozen=True)
class ReceptiveField:
    """Where a unit ``(y, x)`` of a layer looks in the input image (per axis: start, size,
    jump), and the input's height and width for clipping."""

    layer: str
    start: tuple[int, int]
    size: tuple[int, int]
    jump: tuple[int, int]
    image: tuple[int, int]

    def box(self, y: int, x: int) -> tuple[int, int, int, int]:
        """``(top, left, bottom, right)`` of unit ``(y, x)``'s field, clipped to the image.

        ``bottom`` and ``right`` are exclusive, so ``image[top:bottom, left:right]`` is the
        field and ``bottom - top`` its height.
        """
        top = self.start[0] + int(y) * self.jump[0]
        left = self.start[1] + int(x) * self.jump[1]
        height, width = self.image
        return (
            max(top, 0),
            max(left, 0),
            min(top + self.size[0], height),
            min(left + self.size[1], width),
        )

    def to_dict(self) -> dict:
        return {
            "layer": self.layer,
            "start": list(self.start),
            "size": list(self.size),
            "jump": list(self.jump),
        }


def _input_hw(info: dict) -> tuple[int, int] | None:
    shape = info.get("input_shape")
    if shape and isinstance(shape[0], list):  # several inputs: the first
        shape = shape[0]
    if not shape or len(shape) != 3 or shape[0] is None or shape[1] is None:
        return None
    return int(shape[0]), int(shape[1])


def layer_path(described_layers: list[dict], layer_name: str) -> list[dict]:
    """Layers from the first one after the input to ``layer_name``, following ``inbound[0]``."""
    by_name = {info["name"]: info for info in described_layers}
    if layer_name not in by_name:
        raise ValueError(f"unknown layer {layer_name!r}")
    path = []
    current: dict | None = by_name[layer_name]
    seen = set()
    while current is not None and current["name"] not in seen:
        seen.add(current["name"])
        path.append(current)
        inbound = current.get("inbound") or []
        current = by_name.get(inbound[0]) if inbound else None
    return path[::-1]


def receptive_field(described_layers: list[dict], layer_name: str) -> ReceptiveField:
    """The receptive field of ``layer_name``'s units (see the module docstring).

    ``described_layers`` is :func:`worker.runtime.introspection.describe_layers`'s output.
    """
    path = layer_path(described_layers, layer_name)
    image = _input_hw(path[0])
    if image is None:
        raise ValueError("the network's input is not an H x W x C image")
    start, size, jump = [0, 0], [1, 1], [1, 1]
    whole = False
    for info in path:
        kind = info["type"]
        config = info.get("config") or {}
        if kind in _GLOBAL_TYPES:
            whole = True
            continue
        key = _WINDOW_TYPES.get(kind)
        if key is None or whole:
            continue
        in_hw = _input_hw(info)
        if in_hw is None:
            whole = True
            continue
        kernel = _pair(config.get(key))
        # Pooling without explicit strides steps by its window, as Keras does.
        strides = (
            _pair(config.get("strides"))
            if config.get("strides") is not None
            else (kernel if key == "pool_size" else (1, 1))
        )
        dilation = _pair(config.get("dilation_rate"))
        padding = str(config.get("padding", "valid")).lower()
        for axis in (0, 1):
            k_eff = dilation[axis] * (kernel[axis] - 1) + 1
            n, s = in_hw[axis], strides[axis]
            pad_before = 0
            if padding == "same":
                pad_total = max((math.ceil(n / s) - 1) * s + k_eff - n, 0)
                pad_before = pad_total // 2
            start[axis] -= pad_before * jump[axis]
            size[axis] += (k_eff - 1) * jump[axis]
            jump[axis] *= s
    if whole:
        h, w = image
        return ReceptiveField(layer_name, (0, 0), (h, w), (0, 0), image)
    return ReceptiveField(layer_name, tuple(start), tuple(size), tuple(jump), image)
