"""The overview's previews of an analysis (worker/techniques/previews.py): read from the file the
analysis job stored beside the activations, or, for an analysis stored before previews existed,
built once from the stored activations and kept."""

import numpy as np

from backend.analyses.models import AnalysisResult
from backend.core.media import write_file
from worker.techniques.previews import PREVIEWS_FILE, build_previews, select


def stored_previews(result: AnalysisResult) -> bytes:
    """Every layer's preview as a CSB1 bundle; FileNotFoundError when the activations are gone."""
    path = result.file(PREVIEWS_FILE)
    if path.is_file():
        return path.read_bytes()
    layers = (
        (layer, np.load(result.file(layer["file"]), allow_pickle=False)) for layer in result.layers
    )
    data = build_previews(layers)
    write_file(f"{result.directory}/{PREVIEWS_FILE}", data)
    return data


def previews_range(result: AnalysisResult, first: int | None, stop: int | None) -> bytes:
    return select(stored_previews(result), first, stop)
