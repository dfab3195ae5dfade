"""Per-process LRU cache of loaded networks and their traced functions.

Loading a network and tracing its tf.function costs seconds; a warm call costs ~1 ms.
Each Celery child process keeps its own cache (TensorFlow is not fork-safe, so nothing
is loaded before the fork).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from worker.inputs.input_spec import InputSpec
from worker.runtime.model_loading import load_stored_model
from worker.techniques.activations import ActivationExtractor
from worker.techniques.attribution.model import AttributionModel
from worker.techniques.feature_vis.model import FeatureVisModel

MAX_ENTRIES = 8

_cache: OrderedDict[tuple, Any] = OrderedDict()
_lock = threading.Lock()


def _cached(key: tuple, build: Callable[[], Any]) -> Any:
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    # Build outside the lock: a slow load must not block hits on other networks.
    value = build()
    with _lock:
        _cache[key] = value
        _cache.move_to_end(key)
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return value


def get_extractor(path: str, sha256: str) -> ActivationExtractor:
    """Extractor for the network file at ``path`` whose content hash is ``sha256``.

    The hash is part of the key, so a replaced file under the same path is reloaded.
    The file is not re-hashed here: callers pass the hash recorded at upload.
    """

    def build() -> ActivationExtractor:
        extractor = ActivationExtractor(load_stored_model(path))
        extractor.warm_up()
        return extractor

    return _cached(("activations", str(path), sha256), build)


def get_checkpoint_extractor(path: str, sha256: str, checkpoint: str) -> ActivationExtractor:
    """Extractor for the network at ``path`` with the weights of a training checkpoint.

    Its own model instance (never the trained model's), cached per (network, checkpoint).
    """
    from worker.runtime.checkpoints import load_checkpoint_model

    def build() -> ActivationExtractor:
        extractor = ActivationExtractor(load_checkpoint_model(path, checkpoint))
        extractor.warm_up()
        return extractor

    return _cached(("checkpoint", str(path), sha256, str(checkpoint)), build)


def get_attribution_model(
    path: str, sha256: str, black: np.ndarray | None = None, *, scratch: bool = False
) -> AttributionModel:
    """Gradients and scores of a network (its own private clones of the model).

    ``scratch=True`` gives a second, separate instance whose weights the trust checks may
    randomise and restore, so maps served meanwhile never see scrambled weights.
    """
    black_key = None if black is None else tuple(np.asarray(black, np.float32).tolist())

    def build() -> AttributionModel:
        model = get_extractor(path, sha256).model
        attribution = AttributionModel(model, black=black)
        attribution.warm_up()
        return attribution

    return _cached(("attribution", str(path), sha256, black_key, scratch), build)


def get_feature_vis_model(path: str, sha256: str, spec: InputSpec | None = None) -> FeatureVisModel:
    """Feature visualisation of a network (:class:`~worker.techniques.feature_vis.model.
    FeatureVisModel`): its linear clone and its traced optimisers, one per (layer, objective,
    size, group)."""
    spec_key = spec  # frozen dataclass: hashable

    def build() -> FeatureVisModel:
        return FeatureVisModel(get_extractor(path, sha256).model, spec)

    return _cached(("feature_vis", str(path), sha256, spec_key), build)


def clear() -> None:
    """Forget every cached network (tests, or after a network is deleted)."""
    with _lock:
        _cache.clear()
