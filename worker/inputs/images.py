"""Decoding untrusted uploaded images, and encoding pixels as metadata-free PNGs.

NumPy + Pillow only: this module must never import TensorFlow, because the web
process uses it to validate uploads.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

MAX_BYTES = 20 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 16_384
ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF", "MPO"}

# Truncated files must fail loudly rather than be padded with grey.
ImageFile.LOAD_TRUNCATED_IMAGES = False
# Pillow's own bomb guard, kept consistent with ours (ours runs first, on the header).
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Plugins Image.open may try. MPO is produced by the JPEG plugin, so it has no entry.
_OPEN_FORMATS = sorted(ALLOWED_FORMATS - {"MPO"})

# Magic bytes of formats people commonly try, to name them in the refusal message.
_KNOWN_REFUSED = (
    (b"%PDF", "PDF"),
    (b"%!PS", "PostScript/EPS"),
    (b"\xc5\xd0\xd3\xc6", "EPS"),
    (b"8BPS", "Photoshop (PSD)"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x02\x00", "CUR"),
    (b"icns", "ICNS"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\x00\x00\x00\x0cjP  ", "JPEG 2000"),
)

_GREY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N", "F"}


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message is shown to the user."""


@dataclass
class DecodedImage:
    """Pixels of a decoded upload: uint8, H x W x C, C = 1 (greyscale) or 3 (RGB)."""

    pixels: np.ndarray
    format: str
    width: int
    height: int


def _name_refused_format(data: bytes) -> str | None:
    head = data[:64].lstrip()
    for magic, name in _KNOWN_REFUSED:
        if data.startswith(magic):
            return name
    lowered = head.lower()
    if lowered.startswith(b"<?xml") or lowered.startswith(b"<svg") or b"<svg" in data[:1024]:
        return "SVG"
    if data[4:12] in (b"ftypavif", b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "AVIF/HEIC"
    return None


def check_dimensions(width: int, height: int) -> None:
    """Refuse an image too large (or empty) to decode, from its header's size alone.

    Public because every decoder of uploads (Pillow's here, DICOM's) applies the same limits.
    """
    if width < 1 or height < 1:
        raise ImageRejected("The image has no pixels.")
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ImageRejected(
            f"The image is {width}×{height} pixels; each side must be at most {MAX_SIDE}."
        )
    if width * height > MAX_PIXELS:
        raise ImageRejected(
            f"The image has {width * height:,} pixels; the limit is {MAX_PIXELS:,}."
        )


def _scale_to_uint8(arr: np.ndarray, mode: str) -> np.ndarray:
    """Map high bit-depth greyscale to 0..255.

    Choice: ``I;16*`` is 16-bit data, so divide by 257 (65535 -> 255). Mode ``I``
    (32-bit int) is what 16-bit PNG/TIFF decoders used to produce, so when its values
    fit 0..65535 it is treated as 16-bit too; otherwise its actual min..max is stretched
    to 0..255. Mode ``F`` in 0..1 is multiplied by 255, otherwise min..max stretched.
    """
    a = arr.astype(np.float64)
    if mode.startswith("I;16"):
        out = a / 257.0
    else:
        lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
        if mode == "I" and lo >= 0 and hi <= 65535:
            out = a / 257.0
        elif mode == "F" and lo >= 0 and hi <= 1:
            out = a * 255.0
        elif hi > lo:
            out = (a - lo) * (255.0 / (hi - lo))
        else:
            out = np.zeros_like(a)
    return np.clip(np.rint(np.nan_to_num(out)), 0, 255).astype(np.uint8)


def _composite_on_white(img: Image.Image) -> Image.Image:
    """Flatten alpha onto a white background (LA -> L, anything else -> RGB)."""
    if img.mode in ("LA", "La"):
        la = img.convert("LA")
        background = Image.new("L", la.size, 255)
        background.paste(la.getchannel("L"), mask=la.getchannel("A"))
        return background
    rgba = img.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    background.alpha_composite(rgba)
    return background.convert("RGB")


def _to_array(img: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to uint8 H x W x C with C in {1, 3}."""
    mode = img.mode
    if mode in ("I", "F") or mode.startswith("I;16"):
        arr = _scale_to_uint8(np.asarray(img), mode)
    elif mode in ("1", "L"):
        arr = np.asarray(img.convert("L"))
    elif mode in ("LA", "La"):
        arr = np.asarray(_composite_on_white(img))
    elif mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in img.info
        rgb = _composite_on_white(img) if has_alpha else img.convert("RGB")
        arr = np.asarray(rgb)
        # A palette of greys (common in GIFs) is a greyscale picture: keep one channel.
        if (arr[..., 0] == arr[..., 1]).all() and (arr[..., 1] == arr[..., 2]).all():
            arr = arr[..., 0]
    elif mode in ("RGBA", "RGBa"):
        arr = np.asarray(_composite_on_white(img))
    elif mode == "RGB":
        arr = np.asarray(img)
    else:  # CMYK, YCbCr, LAB, HSV, RGBX, ...
        arr = np.asarray(img.convert("RGB"))
    if arr.ndim == 2:
        arr = arr[:, :, np.newaxis]
    return np.ascontiguousarray(arr, dtype=np.uint8)


def decode_image(data: bytes) -> DecodedImage:
    """Decode untrusted image bytes into uint8 pixels, refusing anything unsafe.

    DICOM files (the "DICM" magic) go to worker.inputs.dicom; everything else to Pillow.

    Only allow-listed formats are tried; dimensions are checked from the header before
    pixel data is decoded; truncated files raise. EXIF orientation is applied, then all
    metadata is dropped (only pixels are returned). Animated files give their first frame.

    Raises:
        ImageRejected: with a plain-words reason.
    """
    if not data:
        raise ImageRejected("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ImageRejected(
            f"The file is {len(data) / 1048576:.1f} MB; the limit is {MAX_BYTES // 1048576} MB."
        )
    from worker.inputs.dicom import decode_dicom, looks_like_dicom  # imported late: it imports us

    if looks_like_dicom(data):
        return decode_dicom(data)
    with warnings.catch_warnings():
        # Pillow's bomb warning becomes an error so it can never be ignored.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected(
                f"The image has too many pixels; the limit is {MAX_PIXELS:,}."
            ) from None
        except UnidentifiedImageError:
            refused = _name_refused_format(data)
            if refused:
                raise ImageRejected(
                    f"{refused} files are not supported; please upload PNG, JPEG, WebP, "
                    "BMP, TIFF, GIF or DICOM."
                ) from None
            raise ImageRejected(
                "The file is not an image in a supported format "
                "(PNG, JPEG, WebP, BMP, TIFF, GIF or DICOM)."
            ) from None
        except Exception:  # any parser failure on untrusted input is a refusal
            raise ImageRejected("The image file is damaged and could not be read.") from None
        with img:
            fmt = (img.format or "").upper()
            if fmt not in ALLOWED_FORMATS:
                raise ImageRejected(f"{fmt or 'This'} images are not supported.")
            check_dimensions(*img.size)
            try:
                img.seek(0)  # first frame of animated GIF/WebP/TIFF/MPO
                img.load()
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise ImageRejected(
                    f"The image has too many pixels; the limit is {MAX_PIXELS:,}."
                ) from None
            except MemoryError:
                raise ImageRejected("The image is too large to decode.") from None
            except Exception:  # truncated/corrupt data raises many types
                raise ImageRejected(
                    "The image file is truncated or damaged and could not be decoded."
                ) from None
            try:
                oriented = ImageOps.exif_transpose(img)
            except Exception:  # broken EXIF should not block the picture
                oriented = img
            check_dimensions(*oriented.size)
            pixels = _to_array(oriented)
    height, width = pixels.shape[:2]
    return DecodedImage(pixels=pixels, format=fmt, width=width, height=height)


def to_pil(pixels: np.ndarray) -> Image.Image:
    """A Pillow image (L or RGB) of uint8 pixels H x W, H x W x 1 or H x W x 3."""
    arr = np.asarray(pixels)
    if arr.dtype != np.uint8:
        raise ValueError(f"pixels must be uint8, got {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim == 2:
        return Image.fromarray(np.ascontiguousarray(arr), mode="L")
    if arr.ndim == 3 and arr.shape[2] == 3:
        return Image.fromarray(np.ascontiguousarray(arr), mode="RGB")
    raise ValueError(f"pixels must be H x W, H x W x 1 or H x W x 3, got {arr.shape}")


def encode_png(pixels: np.ndarray) -> bytes:
    """Encode uint8 pixels as a PNG with no metadata (no EXIF, GPS or text chunks)."""
    buf = io.BytesIO()
    # A fresh image from an array carries no info dict, so nothing but pixels is written.
    to_pil(pixels).save(buf, format="PNG", optimize=False)
    return buf.getvalue()


def thumbnail_png(pixels: np.ndarray, max_side: int = 256) -> bytes:
    """PNG no larger than ``max_side`` on its longer side (never upscaled), no metadata."""
    img = to_pil(pixels)
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()
