"""Look up datasets by name."""

from __future__ import annotations

from datasets.base import Dataset
from datasets.digits import Digits
from datasets.fashion_mnist import FashionMNIST

# One instance per dataset so the in-process array cache is shared by all callers.
_DATASETS: dict[str, Dataset] = {ds.name: ds for ds in (FashionMNIST(), Digits())}


def list_datasets() -> list[Dataset]:
    """All known datasets, in a fixed order."""
    return list(_DATASETS.values())


def get_dataset(name: str) -> Dataset:
    """The dataset called ``name``; ``KeyError`` if there is none."""
    try:
        return _DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(_DATASETS))
        raise KeyError(f"unknown dataset {name!r}; known datasets: {known}") from None
