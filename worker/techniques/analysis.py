"""The activation analysis shared by the CLI and the Celery task."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from worker.techniques.activations import ActivationExtractor
from worker.techniques.previews import PREVIEWS_FILE, build_previews


@dataclass
class AnalysisOutput:
    """Result summary; the arrays themselves are the ``.npy`` files on disk."""

    probabilities: list[float]
    layers: list[dict]  # {"index", "name", "type", "shape", "file"}


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


def run_analysis(extractor: ActivationExtractor, x: np.ndarray, out_dir: Path) -> AnalysisOutput:
    """One forward pass; write ``layer{index:03d}.npy`` per layer and ``probabilities.npy``.

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
        for info, activation in zip(extractor.layers, outputs, strict=True):
            filename = f"layer{info['index']:03d}.npy"
            np.save(tmp / filename, np.asarray(activation, dtype=np.float32))
            layers.append(
                {
                    "index": info["index"],
                    "name": info["name"],
                    "type": info["type"],
                    "shape": list(activation.shape),
                    "file": filename,
                }
            )
        np.save(tmp / "probabilities.npy", probabilities.astype(np.float32))
        # the overview's small previews, from the arrays still in memory
        (tmp / PREVIEWS_FILE).write_bytes(build_previews(zip(layers, outputs, strict=True)))
        atomic_replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return AnalysisOutput(probabilities=[float(p) for p in probabilities], layers=layers)
