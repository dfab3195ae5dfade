"""Datasets people registered through the web: arrays in compressed ``.npz`` files.

A stored dataset is a directory (the caller passes it in; this package knows nothing of
Django or MEDIA_ROOT)::

    <directory>/manifest.json      the manifest (datasets.base.MANIFEST_KEYS)
    <directory>/train.npz          images (N×H×W×C uint8) and labels (N int64)
    <directory>/test.npz
    <directory>/thumbnails/*.png   small previews of the sample gallery
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from datasets.base import MANIFEST_KEYS, Dataset

MANIFEST_FILE = "manifest.json"


def write_split(directory: Path, split: str, images: np.ndarray, labels: np.ndarray) -> Path:
    """Write one split as ``<split>.npz`` (compressed) and return its path."""
    path = Path(directory) / f"{split}.npz"
    with path.open("wb") as handle:
        np.savez_compressed(
            handle, images=np.ascontiguousarray(images, np.uint8), labels=labels.astype(np.int64)
        )
    return path


def write_manifest(directory: Path, manifest: dict) -> Path:
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise ValueError(f"the manifest lacks {', '.join(missing)}")
    path = Path(directory) / MANIFEST_FILE
    path.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return path


class StoredDataset(Dataset):
    """A dataset read from a directory written by :func:`write_split` / :func:`write_manifest`."""

    def __init__(self, directory: str | Path) -> None:
        super().__init__()
        self.directory = Path(directory)
        manifest = json.loads((self.directory / MANIFEST_FILE).read_text(encoding="utf-8"))
        self._manifest = {key: manifest[key] for key in MANIFEST_KEYS}
        self._manifest["image_shape"] = [int(v) for v in manifest["image_shape"]]
        self.name = str(manifest["name"])
        self._version = (self.directory / MANIFEST_FILE).stat().st_mtime_ns

    def available(self) -> bool:
        return all((self.directory / f"{split}.npz").is_file() for split in ("train", "test"))

    def _cache_key(self) -> tuple:
        return (str(self.directory), self._version)

    def _load_split(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        # allow_pickle=False: the files are ours, but never unpickle anything.
        with np.load(self.directory / f"{split}.npz", allow_pickle=False) as data:
            return np.array(data["images"], dtype=np.uint8), np.array(data["labels"])

    def sample_indices(self, per_class: int = 2) -> list[int]:
        """As :meth:`Dataset.sample_indices`, but a small dataset whose test split has fewer
        than ``per_class`` images of some class gives as many as every class has."""
        _, labels = self.load("test")
        counts = np.bincount(labels, minlength=len(self._manifest["classes"]))
        fewest = int(counts.min()) if counts.size else 0
        return super().sample_indices(max(1, min(per_class, fewest)))
