"""Small previews of every layer for the explorer's overview: what it draws, not the full values.

For each layer: its first ``PREVIEW_CHANNELS`` maps, area-averaged down so the longer side is at
most ``PREVIEW_SIDE`` px (28×28 networks keep full resolution), quantised to uint8 on the layer's
own [lo, hi] (so ResNet50's 176 layers fit in about a megabyte). A vector layer (Dense, Flatten,
pooling to a vector) keeps its first ``PREVIEW_VECTOR`` values. Decoding: lo + q / 255 · (hi − lo).

Stored as one CSB1 bundle (see backend/analyses/bundle.py) whose header entries carry ``scale``
[lo, hi], ``shape`` (the full layer shape), ``channels`` (K, the maps in the preview).
"""

from __future__ import annotations

import io
import json
import math
import struct
from collections.abc import Iterable

import numpy as np

MAGIC = b"CSB1"
PREVIEWS_FILE = "previews.csb"
PREVIEW_CHANNELS = 8
PREVIEW_SIDE = 32
PREVIEW_VECTOR = 1024


def _drop_batch(array: np.ndarray) -> np.ndarray:
    if array.ndim in (2, 4) and array.shape[0] == 1:
        return array[0]
    return array


def area_downsample(maps: np.ndarray, side: int = PREVIEW_SIDE) -> np.ndarray:
    """H×W×K → h×w×K by averaging f×f blocks, f = ceil(max(H, W) / side); edge blocks may be
    smaller and average what they hold."""
    height, width = maps.shape[:2]
    factor = math.ceil(max(height, width) / side)
    if factor <= 1:
        return maps.astype(np.float64)
    rows = np.arange(0, height, factor)
    cols = np.arange(0, width, factor)
    sums = np.add.reduceat(np.add.reduceat(maps.astype(np.float64), rows, axis=0), cols, axis=1)
    counts = np.outer(np.diff(np.append(rows, height)), np.diff(np.append(cols, width)))
    return sums / counts[:, :, None]


def quantise(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    if not hi > lo:
        return np.zeros(values.shape, dtype=np.uint8)
    scaled = np.rint((values - lo) / (hi - lo) * 255.0)
    return np.clip(np.nan_to_num(scaled, nan=0.0), 0, 255).astype(np.uint8)


def layer_preview(array: np.ndarray) -> tuple[np.ndarray, dict]:
    """One layer's preview (uint8, h×w×K) and its header fields."""
    full = _drop_batch(np.asarray(array))
    finite = full[np.isfinite(full)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    if full.ndim == 3:
        maps = full[:, :, :PREVIEW_CHANNELS]
        part = quantise(area_downsample(maps), lo, hi)
    elif full.ndim == 2:  # H×W, one map
        part = quantise(area_downsample(full[:, :, None]), lo, hi)
    else:  # a vector: its first values, one row
        part = quantise(full.reshape(-1)[:PREVIEW_VECTOR].astype(np.float64), lo, hi)[None, :, None]
    info = {"scale": [lo, hi], "shape": list(full.shape), "channels": int(part.shape[-1])}
    return part, info


def build_previews(layers: Iterable[tuple[dict, np.ndarray]]) -> bytes:
    """(layer meta with "index" and "name", its activation) pairs → one CSB1 bundle of previews."""
    parts = []
    for meta, array in layers:
        part, info = layer_preview(array)
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(part), allow_pickle=False)
        parts.append(({"index": meta["index"], "name": meta["name"], **info}, buffer.getvalue()))
    return pack(parts)


def pack(parts: list[tuple[dict, bytes]]) -> bytes:
    index, offset = [], 0
    for entry, data in parts:
        index.append({**entry, "offset": offset, "length": len(data)})
        offset += len(data)
    header = json.dumps({"layers": index}, separators=(",", ":")).encode()
    return MAGIC + struct.pack("<I", len(header)) + header + b"".join(d for _, d in parts)


def unpack(data: bytes) -> list[tuple[dict, bytes]]:
    """The inverse of ``pack``: (header entry without offset/length, part bytes) per layer."""
    if data[:4] != MAGIC:
        raise ValueError("not a previews bundle")
    (length,) = struct.unpack("<I", data[4:8])
    start = 8 + length
    out = []
    for item in json.loads(data[8:start])["layers"]:
        entry = {k: v for k, v in item.items() if k not in ("offset", "length")}
        out.append((entry, data[start + item["offset"] : start + item["offset"] + item["length"]]))
    return out


def select(data: bytes, first: int | None, stop: int | None) -> bytes:
    """The layers with first ≤ index < stop, as a bundle of their own."""
    parts = [
        (entry, part)
        for entry, part in unpack(data)
        if (first is None or entry["index"] >= first) and (stop is None or entry["index"] < stop)
    ]
    return pack(parts)
