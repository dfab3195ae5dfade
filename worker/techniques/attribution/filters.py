"""What made each filter fire: per-filter guided backpropagation and gradient.

For one image and one convolutional layer, every filter's activation is reduced to one number
(its spatial maximum, or its sum) and that number is differentiated with respect to the input
image, once through guided ReLUs (Springenberg et al. 2015, "Striving for Simplicity: The All
Convolutional Net", arXiv:1412.6806: backward passes only positive gradients through positive
inputs) and once through the network's own ReLUs (the plain gradient, Simonyan et al. 2014).
ConvLens showed the pair beside each filter's map.

All filters of a layer run as one batched computation: the image repeated once per filter,
each row selecting its own output channel (``AttributionModel.filter_gradients``), cut into
bounded-memory chunks. The guided clone is the attribution model's own (``model._clone``),
the one class-score guided backpropagation uses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from worker.techniques.attribution.model import AttributionModel
from worker.techniques.progress import Progress, tell

RULES = ("max", "sum")
# Bump when the computation changes: cached results under an older version are recomputed.
VERSION = 1
GUIDED_FILE = "guided.npy"
GRADIENT_FILE = "gradient.npy"


@dataclass
class FilterAttribution:
    """Per filter (k = filters of the layer): ``guided`` k×H×W×C and ``gradient`` k×H×W×C
    input gradients, ``values`` the k reduced activations they differentiate."""

    layer: str
    rule: str
    guided: np.ndarray
    gradient: np.ndarray
    values: np.ndarray

    def guided_maps(self) -> np.ndarray:
        """k×H×W: |guided gradient| maximised over colour channels (shown in sequential
        colours, as the class-score guided backpropagation map is)."""
        return np.abs(self.guided).max(axis=-1).astype(np.float32)

    def gradient_maps(self) -> np.ndarray:
        """k×H×W: the signed gradient of the colour channel with the largest magnitude (shown
        in diverging colours; for one-channel images it is the gradient itself)."""
        pick = np.abs(self.gradient).argmax(axis=-1)[..., np.newaxis]
        return np.take_along_axis(self.gradient, pick, axis=-1)[..., 0].astype(np.float32)

    def summary(self) -> dict:
        guided, gradient = self.guided_maps(), self.gradient_maps()
        return {
            "layer": self.layer,
            "rule": self.rule,
            "filters": int(len(self.values)),
            "shape": list(guided.shape[1:]),
            "values": [float(v) for v in self.values],
            "guided_max": float(guided.max()) if guided.size else 0.0,
            "gradient_absmax": float(np.abs(gradient).max()) if gradient.size else 0.0,
            "version": VERSION,
        }


def layer_filters(model: AttributionModel, layer: str) -> int:
    """How many filters (output channels) ``layer`` has; ValueError when it is not a conv layer."""
    from worker.techniques.attribution.layers import conv_layers

    if layer not in conv_layers(model.layers):
        allowed = ", ".join(conv_layers(model.layers)) or "(none)"
        raise ValueError(f"Layer {layer!r} is not a convolutional layer; choose one of {allowed}.")
    described = next(item for item in model.layers if item["name"] == layer)
    return int(described["output_shape"][-1])


def explain_filters(
    model: AttributionModel,
    x: np.ndarray,
    layer: str,
    *,
    rule: str = "max",
    progress: Progress | None = None,
) -> FilterAttribution:
    """Guided backpropagation and gradient of every filter of ``layer`` for the preprocessed
    image ``x`` (H×W×C)."""
    if rule not in RULES:
        raise ValueError(f"The rule must be one of {', '.join(RULES)}, not {rule!r}.")
    channels = np.arange(layer_filters(model, layer))
    total = len(channels)

    def half(stage: str, offset: float) -> Callable[[int], None]:
        def report(done: int) -> None:
            words = f"{stage}: {done} of {total} filters"
            tell(progress, offset + done / total / 2, words, stage=stage, done=done, total=total)

        return report

    guided, values = model.filter_gradients(
        layer, x, channels, rule=rule, guided=True, on_chunk=half("guided backpropagation", 0.0)
    )
    gradient, _ = model.filter_gradients(
        layer, x, channels, rule=rule, guided=False, on_chunk=half("gradient", 0.5)
    )
    return FilterAttribution(layer, rule, guided, gradient, values)


def write_filter_attribution(result: FilterAttribution, out_dir: Path) -> dict:
    """Save ``guided.npy`` and ``gradient.npy`` (k×H×W each); return the summary."""
    from worker.techniques.attribution.run import write_arrays

    write_arrays(
        out_dir, {GUIDED_FILE: result.guided_maps(), GRADIENT_FILE: result.gradient_maps()}
    )
    return result.summary()
