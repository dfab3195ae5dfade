"""Feature visualisation in one call: every filter of a layer, or every class."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from worker.inputs.input_spec import InputSpec
from worker.techniques.feature_vis.model import FeatureVisModel
from worker.techniques.feature_vis.params import DEFAULT_STEPS, FeatureVisParams, FeatureVisResult

if TYPE_CHECKING:
    import keras


def _as_model(model: keras.Model | FeatureVisModel, spec: InputSpec | None) -> FeatureVisModel:
    if isinstance(model, FeatureVisModel):
        return model
    return FeatureVisModel(model, spec)


def visualise_filters(
    model: keras.Model | FeatureVisModel,
    layer_name: str,
    filters: list[int] | None = None,
    *,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    size: int | None = None,
    images_per_filter: int = 1,
    diversity: float = 0.0,
    progress: Callable[[float], None] | None = None,
    spec: InputSpec | None = None,
    **options: Any,
) -> FeatureVisResult:
    """Images maximising each filter (channel) of ``layer_name``, all in one batch.

    ``filters``: channel indices (default: every channel). ``options``: the other
    :class:`FeatureVisParams` fields (learning_rate, jitter, scale, rotation,
    total_variation, l2, objective, decay_power, diversity_layer). ``spec``: the network's
    preprocessing (default 1/255 scale, no mean/std), used when ``model`` is a Keras model.
    """
    vis = _as_model(model, spec)
    count = vis.check_layer(layer_name)
    targets = list(range(count)) if filters is None else [int(f) for f in filters]
    bad = [f for f in targets if not 0 <= f < count]
    if bad:
        raise ValueError(f"filters {bad} are outside 0..{count - 1} of {layer_name!r}")
    params = FeatureVisParams(
        steps=steps,
        seed=seed,
        size=size,
        images_per_filter=images_per_filter,
        diversity=diversity,
        **options,
    )
    return vis.visualise(layer_name, targets, params, progress)


def visualise_classes(
    model: keras.Model | FeatureVisModel,
    classes: list[int] | None = None,
    *,
    steps: int = DEFAULT_STEPS,
    seed: int = 0,
    size: int | None = None,
    images_per_filter: int = 1,
    diversity: float = 0.0,
    progress: Callable[[float], None] | None = None,
    spec: InputSpec | None = None,
    **options: Any,
) -> FeatureVisResult:
    """Images maximising each class's pre-softmax logit (softmax removed, so a confident
    class still has a gradient). ``activations`` are logits. Other arguments as
    :func:`visualise_filters`."""
    vis = _as_model(model, spec)
    targets = list(range(vis.num_classes)) if classes is None else [int(c) for c in classes]
    bad = [c for c in targets if not 0 <= c < vis.num_classes]
    if bad:
        raise ValueError(f"classes {bad} are outside 0..{vis.num_classes - 1}")
    options.pop("objective", None)
    params = FeatureVisParams(
        steps=steps,
        seed=seed,
        size=size,
        images_per_filter=images_per_filter,
        diversity=diversity,
        **options,
    )
    return vis.visualise(None, targets, params, progress)
