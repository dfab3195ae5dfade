"""The :class:`Dataset` interface shared by every ConvScope dataset."""

from __future__ import annotations

import abc
import functools

import numpy as np

SPLITS = ("train", "test")

# Keys every manifest must have, in this order (the contract with the web API).
MANIFEST_KEYS = (
    "name",
    "title",
    "description",
    "classes",
    "image_shape",
    "splits",
    "source",
    "licence",
)


class Dataset(abc.ABC):
    """A labelled image dataset with a train and a test split.

    Subclasses set :attr:`name` and :attr:`_manifest` and implement :meth:`_load_split`
    and :meth:`available`. Loaded arrays are cached per instance and made read-only,
    because the same arrays are handed to every caller.
    """

    name: str
    _manifest: dict

    def __init__(self) -> None:
        # A per-instance cache (rather than lru_cache on the method) keeps the cache
        # tied to this object and lets subclasses key it on extra state (see FashionMNIST).
        self._cached_load = functools.lru_cache(maxsize=None)(self._load_split_checked)

    @property
    def manifest(self) -> dict:
        """A copy of the manifest: name, title, description, classes, image_shape, splits,
        source, licence."""
        return {key: _copy(self._manifest[key]) for key in MANIFEST_KEYS}

    @property
    def classes(self) -> list[str]:
        """Class names, indexed by label."""
        return list(self._manifest["classes"])

    @abc.abstractmethod
    def available(self) -> bool:
        """Whether the dataset's files are present, so :meth:`load` can succeed."""

    @abc.abstractmethod
    def _load_split(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """Load one split from its source; called at most once per split (cached)."""

    def _cache_key(self) -> tuple:
        """Extra state the cached arrays depend on (e.g. a data directory)."""
        return ()

    def _load_split_checked(self, split: str, _key: tuple) -> tuple[np.ndarray, np.ndarray]:
        images, labels = self._load_split(split)
        height, width, channels = self._manifest["image_shape"]
        expected = self._manifest["splits"][split]
        if images.shape != (expected, height, width, channels) or images.dtype != np.uint8:
            raise ValueError(
                f"{self.name}/{split}: images have shape {images.shape} and dtype "
                f"{images.dtype}, expected ({expected}, {height}, {width}, {channels}) uint8"
            )
        if labels.shape != (expected,):
            raise ValueError(f"{self.name}/{split}: {labels.shape[0]} labels for {expected} images")
        labels = labels.astype(np.int64, copy=False)
        if labels.size and (labels.min() < 0 or labels.max() >= len(self._manifest["classes"])):
            raise ValueError(f"{self.name}/{split}: labels out of range")
        images.setflags(write=False)
        labels.setflags(write=False)
        return images, labels

    def load(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(images, labels)`` for ``split`` ("train" or "test").

        Images are uint8 with shape N×H×W×C, labels int64 with shape N. The arrays are
        cached in-process and read-only; copy them before modifying.
        """
        _check_split(split)
        return self._cached_load(split, self._cache_key())

    def sample_indices(self, per_class: int = 2) -> list[int]:
        """The first ``per_class`` test-split indices of each class, ordered by class.

        A fixed, deterministic list, suitable for example galleries.
        """
        if per_class < 1:
            raise ValueError("per_class must be at least 1")
        _, labels = self.load("test")
        indices: list[int] = []
        for label in range(len(self._manifest["classes"])):
            found = np.flatnonzero(labels == label)[:per_class]
            if found.size < per_class:
                raise ValueError(f"{self.name}: class {label} has only {found.size} test images")
            indices.extend(int(i) for i in found)
        return indices

    def sample(self, index: int, split: str = "test") -> tuple[np.ndarray, int]:
        """One image (H×W×C uint8) and its label.

        Raises ``IndexError`` if ``index`` is outside ``0 .. n-1``; negative indices are
        rejected rather than counted from the end, since they come from URLs.
        """
        images, labels = self.load(split)
        if not 0 <= index < len(labels):
            raise IndexError(
                f"{self.name}/{split}: index {index} out of range 0..{len(labels) - 1}"
            )
        return images[index], int(labels[index])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {', '.join(SPLITS)}")


def _copy(value: object) -> object:
    """Copy lists and dicts so callers cannot mutate the stored manifest."""
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    return value
