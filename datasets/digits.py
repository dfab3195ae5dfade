"""scikit-learn's hand-written digits (UCI ML), 8×8, with a fixed stratified split."""

from __future__ import annotations

import importlib.util

import numpy as np

from datasets.base import Dataset

SPLIT_SEED = 20240601
TEST_FRACTION = 0.2

MANIFEST = {
    "name": "digits",
    "title": "Hand-written digits (8×8)",
    "description": "Tiny 8 by 8 pixel scans of hand-written digits from 0 to 9.",
    "classes": [str(digit) for digit in range(10)],
    "image_shape": [8, 8, 1],
    # Fixed by the split below (per class: round(0.2 * n) to test); a test checks it.
    "splits": {"train": 1438, "test": 359},
    "source": (
        "UCI ML hand-written digits via scikit-learn load_digits; pixel values 0..16 "
        "scaled to 0..255; stratified 80/20 train/test split with NumPy seed "
        f"{SPLIT_SEED} (see datasets/digits.py)"
    ),
    "licence": "CC BY 4.0",
}


def stratified_split(
    labels: np.ndarray, test_fraction: float = TEST_FRACTION, seed: int = SPLIT_SEED
) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic stratified split: sorted (train_indices, test_indices).

    Written out here rather than using scikit-learn's splitters, so the split cannot
    change with a scikit-learn upgrade.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    test: list[np.ndarray] = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        n_test = int(round(test_fraction * members.size))
        test.append(rng.permutation(members)[:n_test])
    test_indices = np.sort(np.concatenate(test))
    train_indices = np.setdiff1d(np.arange(labels.size), test_indices)
    return train_indices, test_indices


class Digits(Dataset):
    """scikit-learn's 1,797 digits as uint8 8×8×1 images, split 1,438 train / 359 test."""

    name = "digits"
    _manifest = MANIFEST

    def available(self) -> bool:
        # The data ship inside scikit-learn itself.
        return importlib.util.find_spec("sklearn") is not None

    def _load_split(self, split: str) -> tuple[np.ndarray, np.ndarray]:
        # Imported lazily: scikit-learn is slow to import and only needed here.
        from sklearn.datasets import load_digits

        bunch = load_digits()
        pixels = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)
        labels = bunch.target.astype(np.int64)
        train_indices, test_indices = stratified_split(labels)
        chosen = train_indices if split == "train" else test_indices
        return pixels[chosen][..., np.newaxis], labels[chosen]
