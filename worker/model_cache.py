"""Per-process LRU cache of loaded networks and their traced forward functions.

Loading a network and tracing its tf.function costs seconds; a warm call costs ~1 ms.
Each Celery child process keeps its own cache (TensorFlow is not fork-safe, so nothing
is loaded before the fork).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from worker.activations import ActivationExtractor
from worker.model_loading import load_keras_model

MAX_ENTRIES = 8

_cache: OrderedDict[tuple[str, str], ActivationExtractor] = OrderedDict()
_lock = threading.Lock()


def get_extractor(path: str, sha256: str) -> ActivationExtractor:
    """Extractor for the network file at ``path`` whose content hash is ``sha256``.

    The hash is part of the key, so a replaced file under the same path is reloaded.
    The file is not re-hashed here: callers pass the hash recorded at upload.
    """
    key = (str(path), sha256)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    # Load outside the lock: a slow load must not block hits on other networks.
    extractor = ActivationExtractor(load_keras_model(path))
    extractor.warm_up()
    with _lock:
        _cache[key] = extractor
        _cache.move_to_end(key)
        while len(_cache) > MAX_ENTRIES:
            _cache.popitem(last=False)
    return extractor


def clear() -> None:
    """Forget every cached network (tests, or after a network is deleted)."""
    with _lock:
        _cache.clear()
