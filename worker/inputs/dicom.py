"""Decoding uploaded DICOM files into display pixels, keeping nothing else.

Django-free and TensorFlow-free (the web process validates uploads with it). Only the pixel
values leave this module: no attribute of the dataset (patient name, IDs, dates, ...) is
returned, logged or put into an error message, because DICOM files routinely carry patient
data.

Only uncompressed transfer syntaxes are decoded. Compressed ones (JPEG, JPEG 2000, RLE, ...)
and deflated ones are refused by name: decoding them would run extra codecs on untrusted
input, and a deflated dataset is inflated whole by pydicom before anything can be checked
(a 20 MB upload could expand a thousandfold).
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from collections.abc import Sequence

import numpy as np
from pydicom import config as pydicom_config
from pydicom import dcmread
from pydicom import uid as pydicom_uid
from pydicom.filereader import _read_file_meta_info, read_preamble

from worker.inputs.images import MAX_BYTES, DecodedImage, ImageRejected, check_dimensions

# pydicom's log and warning messages may quote element values (a malformed PatientBirthDate,
# say). They must never reach the application's logs, so its logger goes nowhere.
_pydicom_logger = logging.getLogger("pydicom")
_pydicom_logger.addHandler(logging.NullHandler())
_pydicom_logger.propagate = False
# Nor are malformed values reported at all: only the few pixel attributes are read, and a bad
# one is treated as missing. (Global, but nothing else in ConvScope uses pydicom.)
pydicom_config.settings.reading_validation_mode = pydicom_config.IGNORE

FORMAT = "DICOM"
_MAGIC_OFFSET = 128
_MAGIC = b"DICM"
_PHOTOMETRIC = {"MONOCHROME1", "MONOCHROME2", "RGB"}
# Values from the file are quoted to the user only when they are the standard's own terms or a
# UID (digits and dots), never free text that could be patient data.
_KNOWN_PHOTOMETRIC = {
    "PALETTE COLOR", "YBR_FULL", "YBR_FULL_422", "YBR_PARTIAL_422", "YBR_PARTIAL_420",
    "YBR_ICT", "YBR_RCT", "HSV", "ARGB", "CMYK", "XYB",
}  # fmt: skip
_UID = re.compile(r"^[0-9.]{1,64}$")


def looks_like_dicom(data: bytes) -> bool:
    """True when the bytes carry the DICOM Part 10 magic ("DICM" after a 128-byte preamble)."""
    return len(data) >= _MAGIC_OFFSET + len(_MAGIC) and (
        data[_MAGIC_OFFSET : _MAGIC_OFFSET + len(_MAGIC)] == _MAGIC
    )


_UNCOMPRESSED = {
    pydicom_uid.ImplicitVRLittleEndian,
    pydicom_uid.ExplicitVRLittleEndian,
    pydicom_uid.ExplicitVRBigEndian,
}


def _check_transfer_syntax(data: bytes) -> None:
    """Refuse anything but uncompressed pixel data, reading only the file meta group first."""
    stream = io.BytesIO(data)
    try:
        read_preamble(stream, False)
        # Private in pydicom (pinned): the public read_file_meta_info only takes a path, and
        # the transfer syntax must be known before dcmread inflates a deflated dataset.
        meta = _read_file_meta_info(stream)
        syntax = meta.get("TransferSyntaxUID")
    except Exception:  # any parser failure on untrusted input is a refusal
        raise ImageRejected("This DICOM file is damaged and could not be read.") from None
    if syntax is None:
        raise ImageRejected(
            "This DICOM file is damaged or incomplete: it does not say how its pixels are stored."
        )
    syntax = pydicom_uid.UID(str(syntax).strip("\x00 "))
    if syntax in _UNCOMPRESSED:
        return
    if syntax.is_transfer_syntax:
        name = syntax.name
    elif _UID.match(str(syntax)):
        name = f"unknown transfer syntax {syntax}"
    else:
        name = "unknown transfer syntax"
    raise ImageRejected(
        f"This DICOM file is compressed ({name}); save it uncompressed and upload again."
    )


def _attribute_number(ds, keyword: str) -> float | None:
    """First value of a numeric attribute (multi-valued window settings give several)."""
    try:
        value = ds.get(keyword)
        if isinstance(value, Sequence) and not isinstance(value, str | bytes):  # MultiValue
            value = value[0] if len(value) else None
        if value is None or value == "":
            return None
        number = float(value)
    except Exception:  # a malformed value counts as absent
        return None
    return number if np.isfinite(number) else None


def apply_window(values: np.ndarray, center: float, width: float, function: str = "LINEAR"):
    """VOI windowing to 0..255 as float64 (DICOM PS3.3 C.11.2.1.2).

    LINEAR (the default, C.11.2.1.2.1):
        x <= c - 0.5 - (w - 1) / 2 -> 0;  x > c - 0.5 + (w - 1) / 2 -> 255;
        otherwise ((x - (c - 0.5)) / (w - 1) + 0.5) * 255.
    LINEAR_EXACT (C.11.2.1.3.2): ((x - c) / w + 0.5) * 255, clipped.
    SIGMOID (C.11.2.1.3.1): 255 / (1 + exp(-4 (x - c) / w)).
    """
    x = values.astype(np.float64)
    if function == "SIGMOID":
        return 255.0 / (1.0 + np.exp(-4.0 * (x - center) / width))
    if function == "LINEAR_EXACT":
        return np.clip(((x - center) / width + 0.5) * 255.0, 0.0, 255.0)
    low = center - 0.5 - (width - 1.0) / 2.0
    high = center - 0.5 + (width - 1.0) / 2.0
    if width <= 1.0:  # a width of 1 is a threshold at c - 0.5 (the formula divides by zero)
        return np.where(x <= low, 0.0, 255.0)
    y = ((x - (center - 0.5)) / (width - 1.0) + 0.5) * 255.0
    return np.where(x <= low, 0.0, np.where(x > high, 255.0, y))


def _min_max(values: np.ndarray) -> np.ndarray:
    x = values.astype(np.float64)
    lo, hi = float(x.min()), float(x.max())
    if hi <= lo:
        return np.zeros_like(x)
    return (x - lo) * (255.0 / (hi - lo))


def _to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(np.nan_to_num(values)), 0, 255).astype(np.uint8)


def _greyscale(ds, stored: np.ndarray, photometric: str) -> np.ndarray:
    """Modality LUT (rescale), then the file's window or min-max, then MONOCHROME1 inverted."""
    slope = _attribute_number(ds, "RescaleSlope")
    intercept = _attribute_number(ds, "RescaleIntercept")
    values = stored.astype(np.float64) * (1.0 if slope is None else slope) + (intercept or 0.0)
    center = _attribute_number(ds, "WindowCenter")
    width = _attribute_number(ds, "WindowWidth")
    function = str(ds.get("VOILUTFunction", "LINEAR") or "LINEAR").strip().upper()
    if center is not None and width is not None and width > 0:
        if function not in ("LINEAR", "LINEAR_EXACT", "SIGMOID"):
            function = "LINEAR"
        display = apply_window(values, center, width, function)
    else:  # no usable window in the file: stretch what is there
        display = _min_max(values)
    grey = _to_uint8(display)
    if photometric == "MONOCHROME1":  # lowest value is white there; bright = dense on screen
        grey = 255 - grey
    return grey[:, :, np.newaxis]


def _rgb(ds, stored: np.ndarray) -> np.ndarray:
    if stored.dtype == np.uint8:
        return np.ascontiguousarray(stored)
    bits = int(ds.get("BitsStored") or ds.get("BitsAllocated") or 16)
    scale = 255.0 / float(2 ** max(1, min(bits, 32)) - 1)
    return _to_uint8(stored.astype(np.float64) * scale)


def decode_dicom(data: bytes) -> DecodedImage:
    """Decode an uploaded DICOM file to uint8 pixels (H x W x 1 greyscale or H x W x 3 RGB).

    The first frame of a multi-frame file is used. Greyscale pixels get Rescale Slope and
    Intercept, then the file's first Window Center/Width (or a min-max stretch without one);
    MONOCHROME1 is inverted so dense tissue is bright as usual.

    Raises:
        ImageRejected: with a plain-words reason that quotes nothing from the file.
    """
    if len(data) > MAX_BYTES:
        raise ImageRejected(
            f"The file is {len(data) / 1048576:.1f} MB; the limit is {MAX_BYTES // 1048576} MB."
        )
    _check_transfer_syntax(data)
    with warnings.catch_warnings():
        # Warnings about malformed elements may quote their values (patient data): drop them.
        warnings.simplefilter("ignore")
        try:
            ds = dcmread(io.BytesIO(data), force=False)
            has_pixels = "PixelData" in ds
        except Exception:  # any parser failure on untrusted input is a refusal
            raise ImageRejected("This DICOM file is damaged and could not be read.") from None
        if not has_pixels:
            raise ImageRejected("This DICOM file holds no image.")
        try:
            photometric = str(ds.get("PhotometricInterpretation", "")).strip().upper()
            rows, columns = int(ds.Rows), int(ds.Columns)
            samples = int(ds.get("SamplesPerPixel", 1) or 1)
        except Exception:
            raise ImageRejected("This DICOM file is damaged and could not be read.") from None
        if photometric not in _PHOTOMETRIC:
            shown = f" ({photometric})" if photometric in _KNOWN_PHOTOMETRIC else ""
            raise ImageRejected(
                f"This DICOM file's colour model{shown} is not supported; "
                "only MONOCHROME1, MONOCHROME2 and RGB images can be read."
            )
        if samples != (3 if photometric == "RGB" else 1):
            raise ImageRejected("This DICOM file is damaged and could not be read.")
        check_dimensions(columns, rows)
        try:
            ds.pixel_array_options(index=0)  # the first frame only, whatever the frame count
            stored = ds.pixel_array
        except MemoryError:
            raise ImageRejected("The image is too large to decode.") from None
        except Exception:  # short or inconsistent pixel data
            raise ImageRejected(
                "This DICOM file's pixel data is truncated or damaged and could not be decoded."
            ) from None
        if stored.shape[:2] != (rows, columns):
            raise ImageRejected("This DICOM file is damaged and could not be read.")
        pixels = _rgb(ds, stored) if photometric == "RGB" else _greyscale(ds, stored, photometric)
    return DecodedImage(
        pixels=np.ascontiguousarray(pixels, dtype=np.uint8),
        format=FORMAT,
        width=columns,
        height=rows,
    )
