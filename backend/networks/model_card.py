"""What a network knows, in a few lines, beside every answer it gives: its classes, what it was
trained on, how well it did, and that it can only answer with one of its classes."""

from __future__ import annotations

from backend.networks.models import Network


def _image_kind(shape: list | None) -> str:
    if not shape or len(shape) < 2:
        return ""
    height, width = shape[0], shape[1]
    channels = shape[2] if len(shape) > 2 else 1
    colour = "greyscale" if channels == 1 else "colour"
    return f"{colour} images of {height}×{width} pixels"


def model_card(network: Network) -> dict:
    """JSON-ready: {title, classes, class_count, trained_on: {dataset, title, description,
    images, image_kind} | None, training_data, test_accuracy, sentence, ood_method}."""
    labels = list(network.labels)
    dataset = network.dataset
    trained_on = None
    if dataset is not None:
        manifest = dataset.manifest or {}
        splits = manifest.get("splits") or {}
        trained_on = {
            "dataset": dataset.name,
            "title": dataset.title,
            "description": dataset.description,
            "images": int(splits.get("train") or 0),
            "image_kind": _image_kind(manifest.get("image_shape")),
        }
    spec = network.input_spec or {}
    ood = network.ood or {}
    return {
        "title": network.title or network.name,
        "classes": labels,
        "class_count": len(labels),
        "trained_on": trained_on,
        "training_data": network.training_data,
        "input_kind": _image_kind([spec.get("height"), spec.get("width"), spec.get("channels")]),
        "test_accuracy": network.test_accuracy,
        "sentence": f"It can only answer with one of these {len(labels):,} classes.",
        "ood_method": ood.get("method"),
    }
