"""Fashion-MNIST (Zalando Research), read from Debian's ``dataset-fashion-mnist`` package."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from datasets.base import Dataset
from datasets.idx import IdxFormatError, read_idx

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
ENV_DIR = "CONVSCOPE_FASHION_MNIST_DIR"

# IDX file stem per split, as shipped by Zalando and Debian.
_FILES = {"train": "train", "test": "t10k"}

MANIFEST = {
    "name": "fashion-mnist",
    "title": "Fashion-MNIST",
    "description": (
        "Small greyscale photos of clothing, shoes and bags from Zalando's catalogue, "
        "each labelled with one of ten kinds of item."
    ),
    "classes": [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ],
    "image_shape": [28, 28, 1],
    "splits": {"train": 60000, "test": 10000},
    "source": (
        "Zalando Research, https://github.com/zalandoresearch/fashion-mnist "
        "(Debian package dataset-fashion-mnist)"
    ),
    "licence": "MIT",
}


def data_dir() -> Path:
    """The directory holding the IDX files (env ``CONVSCOPE_FASHION_MNIST_DIR`` or Debian's)."""
    return Path(os.environ.get(ENV_DIR) or DEFAULT_DIR)


def _paths(directory: Path, split: str) -> tuple[Path, Path]:
    stem = _FILES[split]
    return (
        directory / f"{stem}-images-idx3-ubyte.gz",
        directory / f"{stem}-labels-idx1-ubyte.gz",
    )


class FashionMNIST(Dataset):
    """Fashion-MNIST: 60,000 train and 10,000 test images, 28×28 greyscale, 10 classes."""

    name = "fashion-mnist"
    _manifest = MANIFEST

    def available(self) -> bool:
        directory = data_dir()
        return all(path.is_file() for split in _FILES for path in _paths(directory, split))

    def _cache_key(self) -> tuple:
        # Re-read if the directory is changed via the environment (tests do this).
        return (str(data_dir()),)

    def _load_split(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        image_path, label_path = _paths(data_dir(), split)
        for path in (image_path, label_path):
            if not path.is_file():
                raise FileNotFoundError(
                    f"{path} not found: install Debian's dataset-fashion-mnist or set {ENV_DIR}"
                )
        images = read_idx(image_path)
        labels = read_idx(label_path)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise IdxFormatError(
                f"{image_path}: expected a 3-d uint8 image array, got {images.ndim}-d "
                f"{images.dtype}"
            )
        if labels.ndim != 1 or labels.dtype != np.uint8:
            raise IdxFormatError(f"{label_path}: expected a 1-d uint8 label array")
        return images[..., np.newaxis], labels.astype(np.int64)
