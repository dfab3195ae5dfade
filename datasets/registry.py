"""Look up datasets by name."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from datasets.base import Dataset
from datasets.digits import Digits
from datasets.fashion_mnist import FashionMNIST
from datasets.photos import Photos

# One instance per dataset so the in-process array cache is shared by all callers.
_DATASETS: dict[str, Dataset] = {ds.name: ds for ds in (FashionMNIST(), Digits())}


# Sample sets: pictures to open, not training data (no train split); built in like the
# datasets above, but listed apart so list_datasets() stays the training datasets.
_SAMPLE_SETS: dict[str, Dataset] = {ds.name: ds for ds in (Photos(),)}


def list_datasets() -> list[Dataset]:
    """All known datasets, in a fixed order."""
    return list(_DATASETS.values())


def list_sample_sets() -> list[Dataset]:
    """The built-in sample sets (``photos``), in a fixed order."""
    return list(_SAMPLE_SETS.values())


# Registered (stored) datasets live in <root>/<name>/ (see datasets.stored); the web
# application tells this package where that root is (set_stored_root), so the package
# itself stays free of Django.
_STORED_ROOT: Path | None = None
_STORED: dict[str, Dataset] = {}
_FETCH: Callable[[str], object] | None = None
_SAFE_NAME = re.compile(r"^[-a-zA-Z0-9_]+$")


def set_stored_root(root: str | Path | None) -> None:
    """Where registered datasets are stored (None: nowhere, only the built-in ones)."""
    global _STORED_ROOT
    _STORED_ROOT = Path(root) if root is not None else None
    _STORED.clear()


def set_stored_fetch(fetch: Callable[[str], object] | None) -> None:
    """``fetch(name)`` makes a stored dataset's folder present under the root when it is
    missing (the application copies it from shared storage); None: nothing to fetch."""
    global _FETCH
    _FETCH = fetch


def stored_root() -> Path | None:
    return _STORED_ROOT


def forget_stored(name: str) -> None:
    """Drop a stored dataset's cached arrays (after it was deleted or replaced)."""
    _STORED.pop(name, None)


def _stored_dataset(name: str) -> Dataset | None:
    from datasets.stored import MANIFEST_FILE, StoredDataset

    if _STORED_ROOT is None or not _SAFE_NAME.match(name):
        return None
    manifest = _STORED_ROOT / name / MANIFEST_FILE
    if _FETCH is not None and not manifest.is_file():
        _FETCH(name)
    try:
        version = manifest.stat().st_mtime_ns
    except OSError:
        _STORED.pop(name, None)
        return None
    cached = _STORED.get(name)
    if cached is not None and cached._cache_key()[1] == version:
        return cached
    dataset = StoredDataset(manifest.parent)
    _STORED[name] = dataset
    return dataset


def get_dataset(name: str) -> Dataset:
    """The dataset called ``name`` (built-in, else stored); ``KeyError`` if there is none."""
    if name in _DATASETS:
        return _DATASETS[name]
    if name in _SAMPLE_SETS:
        return _SAMPLE_SETS[name]
    stored = _stored_dataset(name)
    if stored is not None:
        return stored
    known = ", ".join(sorted({*_DATASETS, *_SAMPLE_SETS}))
    raise KeyError(f"unknown dataset {name!r}; known datasets: {known}")
