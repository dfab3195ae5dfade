"""The one way decoded pixels become what a network takes: a single image, a batch, and the
value a black pixel becomes (the baseline of attribution methods and occlusion).

NumPy + Pillow only, like the rest of :mod:`worker.inputs`: the web process preprocesses
images for the analysis preview without importing TensorFlow.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from worker.inputs.images import to_pil
from worker.inputs.input_spec import InputSpec


def _center_crop_box(width: int, height: int, target_w: int, target_h: int) -> tuple:
    """Largest centred box of the target aspect ratio inside width x height."""
    if width * target_h > height * target_w:  # too wide: trim left and right
        new_w = max(1, round(height * target_w / target_h))
        left = (width - new_w) // 2
        return (left, 0, left + new_w, height)
    new_h = max(1, round(width * target_h / target_w))
    top = (height - new_h) // 2
    return (0, top, width, top + new_h)


def preprocess(pixels: np.ndarray, spec: InputSpec) -> np.ndarray:
    """Turn decoded uint8 pixels into the float32 H x W x C array the network expects.

    Steps: match channels (grey -> RGB by repetition, RGB -> grey with ITU-R 601 luma as
    Pillow's ``L``), resize with Pillow bilinear (``stretch``) or centre-crop to the
    target aspect ratio then resize (``center-crop``), RGB -> BGR when the spec says so, then
    ``x * scale`` and ``(x - mean) / std`` per channel.
    """
    return _normalise(to_network_pixels(pixels, spec).astype(np.float32), spec)


def to_network_pixels(pixels: np.ndarray, spec: InputSpec) -> np.ndarray:
    """The picture at the network's size and channels, still uint8 H x W x C (the first steps
    of :func:`preprocess`: what the network sees, before scaling)."""
    img = to_pil(pixels)
    if spec.channels == 1 and img.mode != "L":
        img = img.convert("L")  # L = R*299/1000 + G*587/1000 + B*114/1000
    elif spec.channels == 3 and img.mode != "RGB":
        img = img.convert("RGB")  # repeats the grey value in all three channels
    if spec.resize == "center-crop":
        img = img.crop(_center_crop_box(img.width, img.height, spec.width, spec.height))
    if img.size != (spec.width, spec.height):
        img = img.resize((spec.width, spec.height), Image.Resampling.BILINEAR)
    x = np.asarray(img, dtype=np.uint8)
    return x[:, :, np.newaxis] if x.ndim == 2 else x


def _normalise(x: np.ndarray, spec: InputSpec) -> np.ndarray:
    """Channel order, ``x * scale`` and ``(x - mean) / std`` on float32 pixels (..., H, W, C)."""
    if spec.channel_order == "bgr":
        x = x[..., ::-1]
    x = x * np.float32(spec.scale)
    mean = np.asarray(spec.mean, dtype=np.float32)
    std = np.asarray(spec.std, dtype=np.float32)
    return np.ascontiguousarray((x - mean) / std, dtype=np.float32)


def prepare_batch(images: np.ndarray, spec: InputSpec) -> np.ndarray:
    """Preprocess a uint8 batch N x H x W x C into the float32 N x h x w x c the network wants.

    When the images already have the network's height, width and channels, this is one
    vectorised ``(x * scale - mean) / std`` (after any RGB -> BGR) with the same float32
    operations, in the same order, as :func:`preprocess`, so the results are identical.
    Otherwise each image goes through ``preprocess`` (channel conversion, resizing).
    """
    images = np.asarray(images)
    if images.ndim == 3:  # N x H x W greyscale
        images = images[..., np.newaxis]
    if images.ndim != 4:
        raise ValueError(f"expected a batch N x H x W x C of images, got shape {images.shape}")
    if images.dtype != np.uint8:
        raise ValueError(f"images must be uint8, got {images.dtype}")
    if tuple(images.shape[1:]) == (spec.height, spec.width, spec.channels):
        return _normalise(images.astype(np.float32), spec)
    out = np.empty((len(images), spec.height, spec.width, spec.channels), np.float32)
    for i, image in enumerate(images):
        out[i] = preprocess(image, spec)
    return out


class PreparedImages:
    """uint8 images that are preprocessed a slice at a time, when sliced: the float32 copy of a
    large set never exists whole (10,000 images at 224×224×3 are 6 GB). Reads like the array
    :func:`prepare_batch` would return: ``len``, ``shape``, ``ndim``, ``x[a:b]``."""

    ndim = 4
    dtype = np.dtype(np.float32)

    def __init__(self, images: np.ndarray, spec: InputSpec) -> None:
        self.images = images
        self.spec = spec

    def __len__(self) -> int:
        return len(self.images)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (len(self.images), self.spec.height, self.spec.width, self.spec.channels)

    def __getitem__(self, key) -> np.ndarray:
        if not isinstance(key, slice):
            raise TypeError("PreparedImages are read in slices")
        return prepare_batch(self.images[key], self.spec)


def as_float_batch(x) -> np.ndarray | PreparedImages:
    """``x`` as float32 for slicing: PreparedImages stay lazy, anything else becomes an array."""
    return x if isinstance(x, PreparedImages) else np.asarray(x, dtype=np.float32)


def black_value(spec: InputSpec) -> np.ndarray:
    """What a black pixel becomes after the network's preprocessing, per channel."""
    mean = np.broadcast_to(np.asarray(spec.mean, np.float32), (spec.channels,))
    std = np.broadcast_to(np.asarray(spec.std, np.float32), (spec.channels,))
    return ((0.0 - mean) / std).astype(np.float32)
