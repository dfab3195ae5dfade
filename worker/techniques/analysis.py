"""The activation analysis shared by the CLI and the Celery task."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from worker.techniques.activations import ActivationExtractor
from worker.techniques.previews import PREVIEWS_FILE, build_previews

# A .npy file of these arrays: a 128-byte header (format 1.0, padded), then the data.
NPY_HEADER_BYTES = 128


@dataclass
class AnalysisOutput:
    """Result summary; the arrays themselves are the ``.npy`` files on disk."""

    probabilities: list[float]
    layers: list[dict]  # {"index", "name", "type", "shape", "file"}
    # the out-of-distribution check (backend/networks/ood.py), set by the caller
    ood: dict = field(default_factory=dict)


def npy_bytes(shape: list[int] | tuple[int, ...], dtype: str) -> int:
    """The size of the .npy file of an array of ``shape`` and ``dtype`` (float16/float32)."""
    return NPY_HEADER_BYTES + int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize


def exact_filename(filename: str) -> str:
    """Where the exact float32 copy of a layer stored in float16 is kept: ``layer007.f32.npy``."""
    return filename.removesuffix(".npy") + ".f32.npy"


def plan_storage(shapes: list[list[int]], budget_bytes: int | None) -> tuple[str, set[int]]:
    """Which layers (positions in ``shapes``) to keep on disk, and in which precision.

    No budget, or every layer in float32 within it: all of them, exact (small networks; nothing
    to recompute). Else float16, all of them if they fit, otherwise the smallest first while
    they fit (the most layers for the bytes; any missing layer costs one forward pass anyway).
    """
    everything = set(range(len(shapes)))
    if budget_bytes is None:
        return "float32", everything
    if sum(npy_bytes(shape, "float32") for shape in shapes) <= budget_bytes:
        return "float32", everything
    sizes = [npy_bytes(shape, "float16") for shape in shapes]
    kept: set[int] = set()
    used = 0
    for position in sorted(everything, key=lambda i: (sizes[i], i)):
        if used + sizes[position] > budget_bytes:
            break
        kept.add(position)
        used += sizes[position]
    return "float16", kept


def atomic_replace_dir(tmp: Path, out_dir: Path) -> None:
    """Move the finished ``tmp`` into ``out_dir``, replacing an older result.

    rename() cannot replace a non-empty directory, so an older result is first renamed
    aside, then deleted. Readers see either the old complete result or the new one.
    """
    if out_dir.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, old / "result")
        os.replace(tmp, out_dir)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out_dir)


def run_analysis(
    extractor: ActivationExtractor,
    x: np.ndarray,
    out_dir: Path,
    budget_bytes: int | None = None,
) -> AnalysisOutput:
    """One forward pass; write ``layer{index:03d}.npy`` per layer and ``probabilities.npy``.

    With ``budget_bytes``, only the layers :func:`plan_storage` keeps are written (float16
    when the exact values do not fit); the others are computed on request (``compute_layer``).
    The layer list describes every layer either way.

    Files are written into a temporary folder beside ``out_dir`` and renamed into place,
    so a crash never leaves a half-written result.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    outputs = extractor.run(x)
    probabilities = extractor.probabilities(outputs[extractor.output_index])
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        layers = []
        dtype, kept = plan_storage([list(o.shape) for o in outputs], budget_bytes)
        for position, (info, activation) in enumerate(zip(extractor.layers, outputs, strict=True)):
            filename = f"layer{info['index']:03d}.npy"
            if position in kept:
                np.save(tmp / filename, np.asarray(activation, dtype=dtype))
            entry = {
                "index": info["index"],
                "name": info["name"],
                "type": info["type"],
                "shape": list(activation.shape),
                "file": filename,
            }
            if dtype != "float32":  # absent: float32 (results stored before budgets too)
                entry["dtype"] = dtype
            layers.append(entry)
        np.save(tmp / "probabilities.npy", probabilities.astype(np.float32))
        # the overview's small previews, from the arrays still in memory
        (tmp / PREVIEWS_FILE).write_bytes(build_previews(zip(layers, outputs, strict=True)))
        atomic_replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return AnalysisOutput(probabilities=[float(p) for p in probabilities], layers=layers)


def compute_layer(
    extractor: ActivationExtractor, x: np.ndarray, index: int, dtype: str = "float16"
) -> np.ndarray:
    """One layer's activation (batch axis dropped) as ``dtype``, recomputed exactly as the
    analysis computed it (the same traced forward pass), for a layer not kept on disk."""
    positions = {info["index"]: position for position, info in enumerate(extractor.layers)}
    if index not in positions:
        raise ValueError(f"The network has no layer {index}.")
    (activation,) = extractor.run_layers(x, [positions[index]])
    return np.asarray(activation, dtype=dtype)
