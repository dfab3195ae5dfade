"""Dataset catalogue: keep the database rows in step with the `datasets` package."""

from functools import lru_cache

import numpy as np

from backend.core import media
from backend.datasets.models import Dataset
from backend.datasets.registration import DatasetRegistrationError
from datasets.registry import get_dataset, list_datasets, list_sample_sets
from worker.inputs.images import encode_png


def sync_builtin_datasets() -> list[Dataset]:
    rows = []
    for dataset in [*list_datasets(), *list_sample_sets()]:
        manifest = dataset.manifest
        row, _ = Dataset.objects.update_or_create(
            name=dataset.name,
            defaults={
                "title": manifest["title"],
                "description": manifest.get("description", ""),
                "manifest": manifest,
                "builtin": True,
            },
        )
        rows.append(row)
    return rows


def sample_list(name: str) -> list[dict]:
    dataset = get_dataset(name)
    classes = dataset.manifest["classes"]
    samples = []
    for index in dataset.sample_indices():
        _, label = dataset.sample(index)
        samples.append({"index": index, "label": int(label), "label_name": classes[int(label)]})
    return samples


def sample_pixels(name: str, index: int) -> tuple[np.ndarray, int]:
    """One test-split image (uint8 H×W×C) and its label; IndexError when out of range."""
    dataset = get_dataset(name)
    if index < 0:
        raise IndexError(index)
    return dataset.sample(index, split="test")


@lru_cache(maxsize=512)
def sample_png(name: str, index: int) -> bytes:
    pixels, _ = sample_pixels(name, index)
    return encode_png(pixels)


def delete_dataset(dataset: Dataset) -> None:
    """Remove a registered dataset: its row (networks keep working, without a dataset) and files."""
    from datasets.registry import forget_stored

    if dataset.builtin:
        raise DatasetRegistrationError("Built-in datasets cannot be deleted.")
    directory = dataset.directory
    dataset.delete()
    forget_stored(dataset.name)
    sample_png.cache_clear()
    media.remove(media.relative_name(directory))
