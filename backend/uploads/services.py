"""Storing images: decode and check first, store the re-encoded pixels, never the original bytes."""

import hashlib
import uuid
from pathlib import Path

import numpy as np
from django.db import transaction

from backend.core import media
from backend.datasets import services as dataset_services
from backend.uploads.models import ImageSource, UploadedImage
from worker.inputs.images import MAX_BYTES, ImageRejected, decode_image, encode_png


class ImageTooLarge(ImageRejected):
    """The upload is over the byte limit (answered 413)."""


def _store_pixels(owner, pixels: np.ndarray, original_format: str, **extra) -> UploadedImage:
    png = encode_png(pixels)
    relative = Path("uploads") / str(owner.pk) / f"{uuid.uuid4().hex}.png"
    media.write_file(relative, png)
    try:
        with transaction.atomic():
            return UploadedImage.objects.create(
                owner=owner,
                sha256=hashlib.sha256(png).hexdigest(),
                file=str(relative),
                original_format=original_format,
                width=int(pixels.shape[1]),
                height=int(pixels.shape[0]),
                channels=int(pixels.shape[2]) if pixels.ndim == 3 else 1,
                **extra,
            )
    except BaseException:
        media.remove(relative)
        raise


def store_upload(owner, data: bytes) -> UploadedImage:
    """Check and store an uploaded image; raises ImageRejected (nothing stored) when refused."""
    if len(data) > MAX_BYTES:
        raise ImageTooLarge(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    decoded = decode_image(data)
    return _store_pixels(owner, decoded.pixels, decoded.format, source=ImageSource.UPLOAD)


def store_sample(owner, dataset_name: str, index: int) -> UploadedImage:
    """A dataset sample as the owner's image, so analyses treat both kinds alike."""
    pixels, label = dataset_services.sample_pixels(dataset_name, index)
    classes = dataset_services.get_dataset(dataset_name).manifest["classes"]
    existing = UploadedImage.objects.filter(
        owner=owner, source=ImageSource.SAMPLE, dataset_name=dataset_name, sample_index=index
    ).first()
    if existing is not None and existing.path.is_file():
        return existing
    return _store_pixels(
        owner,
        pixels,
        "PNG",
        source=ImageSource.SAMPLE,
        dataset_name=dataset_name,
        sample_index=index,
        true_label=classes[int(label)],
    )
