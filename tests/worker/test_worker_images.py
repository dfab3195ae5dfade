"""Decoding untrusted uploads, metadata stripping and preprocessing."""

from __future__ import annotations

import io
import struct
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from worker.inputs.images import (
    ALLOWED_FORMATS,
    MAX_BYTES,
    ImageRejected,
    decode_image,
    encode_png,
    thumbnail_png,
)
from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import preprocess

RGB = np.random.default_rng(0).integers(0, 256, (12, 10, 3), dtype=np.uint8)


def _save(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG claiming width x height, with one tiny IDAT (never a full image)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 100))
        + _png_chunk(b"IEND", b"")
    )


def test_imports_no_tensorflow():
    import subprocess

    code = "import worker.inputs.images, sys; print('tensorflow' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=str(__import__("pathlib").Path(__file__).parents[2]),
        check=True,
    )
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("fmt", "kwargs", "exact"),
    [
        ("PNG", {}, True),
        ("BMP", {}, True),
        ("TIFF", {}, True),
        ("WEBP", {"lossless": True}, True),
        ("JPEG", {"quality": 95}, False),
        # A one-frame MPO is saved as plain JPEG: add a second frame (e.g. stereo pair).
        (
            "MPO",
            {"quality": 95, "save_all": True, "append_images": [Image.new("RGB", (10, 12))]},
            False,
        ),
    ],
)
def test_colour_formats_round_trip(fmt, kwargs, exact):
    data = _save(Image.fromarray(RGB), fmt, **kwargs)
    decoded = decode_image(data)
    assert decoded.format == fmt
    assert (decoded.width, decoded.height) == (10, 12)
    assert decoded.pixels.dtype == np.uint8 and decoded.pixels.shape == (12, 10, 3)
    if exact:
        np.testing.assert_array_equal(decoded.pixels, RGB)
    else:
        smooth = np.full((12, 10, 3), (200, 60, 30), np.uint8)
        kwargs = {k: v for k, v in kwargs.items() if k != "append_images"}
        if fmt == "MPO":
            kwargs["append_images"] = [Image.new("RGB", (10, 12))]
        close = decode_image(_save(Image.fromarray(smooth), fmt, **kwargs)).pixels
        assert np.abs(close.astype(int) - smooth).max() <= 6


def test_all_allowed_formats_covered():
    assert {"PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF", "MPO"} == ALLOWED_FORMATS


def test_gif_animated_first_frame_greyscale_palette():
    frames = [Image.new("L", (6, 5), v).convert("P") for v in (40, 200)]
    data = _save(frames[0], "GIF", save_all=True, append_images=frames[1:])
    decoded = decode_image(data)
    assert decoded.format == "GIF"
    assert decoded.pixels.shape == (5, 6, 1)
    assert (decoded.pixels == 40).all()


def test_palette_colour_png():
    img = Image.fromarray(RGB).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    decoded = decode_image(_save(img, "PNG"))
    np.testing.assert_array_equal(decoded.pixels, np.asarray(img.convert("RGB")))


def test_greyscale_png_stays_one_channel():
    grey = RGB[..., 0]
    decoded = decode_image(_save(Image.fromarray(grey), "PNG"))
    assert decoded.pixels.shape == (12, 10, 1)
    np.testing.assert_array_equal(decoded.pixels[..., 0], grey)


def test_16bit_png_scaled_by_257():
    values = np.array([[0, 257, 65535], [1000, 30000, 65535 - 257]], dtype=np.uint16)
    img = Image.fromarray(values)
    assert img.mode == "I;16"
    decoded = decode_image(_save(img, "PNG"))
    assert decoded.pixels.shape == (2, 3, 1)
    np.testing.assert_array_equal(decoded.pixels[..., 0], np.rint(values / 257).astype(np.uint8))


def test_float_tiff_stretched():
    values = np.array([[-1.0, 0.0], [1.0, 3.0]], dtype=np.float32)
    decoded = decode_image(_save(Image.fromarray(values, mode="F"), "TIFF"))
    np.testing.assert_array_equal(decoded.pixels[..., 0], [[0, 64], [128, 255]])


def test_rgba_and_la_composited_on_white():
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = (255, 0, 0, 0)  # fully transparent red -> white
    rgba[0, 1] = (0, 0, 0, 255)  # opaque black
    rgba[1, 0] = (0, 0, 0, 128)  # half black over white -> ~127
    rgba[1, 1] = (0, 255, 0, 255)
    decoded = decode_image(_save(Image.fromarray(rgba, "RGBA"), "PNG"))
    assert decoded.pixels.shape == (2, 2, 3)
    assert tuple(decoded.pixels[0, 0]) == (255, 255, 255)
    assert tuple(decoded.pixels[0, 1]) == (0, 0, 0)
    assert abs(int(decoded.pixels[1, 0, 0]) - 127) <= 1
    assert tuple(decoded.pixels[1, 1]) == (0, 255, 0)
    la = Image.fromarray(np.array([[[0, 0], [0, 255]]], np.uint8), "LA")
    decoded = decode_image(_save(la, "PNG"))
    assert decoded.pixels.shape == (1, 2, 1)
    assert list(decoded.pixels[0, :, 0]) == [255, 0]


def test_cmyk_jpeg_becomes_rgb():
    img = Image.new("CMYK", (8, 8), (0, 255, 255, 0))  # red
    decoded = decode_image(_save(img, "JPEG", quality=95))
    assert decoded.pixels.shape == (8, 8, 3)
    r, g, b = decoded.pixels[4, 4].astype(int)
    assert r > 200 and g < 60 and b < 60


def test_exif_orientation_applied_and_stripped():
    img = Image.fromarray(np.zeros((2, 4, 3), np.uint8))  # 4 wide, 2 high
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    exif[0x010E] = "secret description"
    decoded = decode_image(_save(img, "JPEG", exif=exif.tobytes()))
    assert (decoded.width, decoded.height) == (2, 4)
    png = encode_png(decoded.pixels)
    for chunk in (b"eXIf", b"tEXt", b"iTXt", b"zTXt", b"secret"):
        assert chunk not in png
    reopened = Image.open(io.BytesIO(png))
    assert "exif" not in reopened.info
    assert not reopened.getexif()
    assert set(reopened.info) <= {"dpi"}  # nothing but what PNG encoders add themselves


def test_encode_png_round_trip_and_thumbnail():
    png = encode_png(RGB)
    np.testing.assert_array_equal(np.asarray(Image.open(io.BytesIO(png))), RGB)
    big = np.zeros((600, 300, 1), np.uint8)
    thumb = Image.open(io.BytesIO(thumbnail_png(big, max_side=256)))
    assert thumb.size == (128, 256) and thumb.mode == "L"
    with pytest.raises(ValueError):
        encode_png(np.zeros((4, 4, 3), np.float32))


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nshowpage\n"


@pytest.mark.parametrize(
    ("data", "word"),
    [
        (b"", "empty"),
        (SVG, "SVG"),
        (EPS, "EPS"),
        (_save(Image.new("RGB", (8, 8)), "PDF"), "PDF"),
        (_save(Image.new("RGB", (16, 16)), "ICO"), "ICO"),
        (_save(Image.new("RGB", (8, 8)), "PPM"), "not an image"),
        (np.random.default_rng(1).bytes(4096), "not an image"),
    ],
    ids=["empty", "svg", "eps", "pdf", "ico", "ppm", "random"],
)
def test_refused_inputs(data, word):
    with pytest.raises(ImageRejected, match=f"(?i){word}"):
        decode_image(data)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_files_refused(fmt):
    noisy = np.random.default_rng(2).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    data = _save(Image.fromarray(noisy), fmt)
    with pytest.raises(ImageRejected, match="(?i)truncated|damaged"):
        decode_image(data[: len(data) // 2])


def test_huge_header_refused_before_decoding():
    # Pillow's own guard may answer first for this one; either way it is refused.
    with pytest.raises(ImageRejected, match="at most 16384|too many pixels"):
        decode_image(_png_header_only(20_000, 20_000))
    with pytest.raises(ImageRejected, match="at most 16384"):
        decode_image(_png_header_only(20_000, 10))
    with pytest.raises(ImageRejected, match="limit is 40,000,000"):
        decode_image(_png_header_only(10_000, 5_000))


def test_over_size_limit_refused():
    data = encode_png(RGB) + b"\x00" * (MAX_BYTES)
    with pytest.raises(ImageRejected, match="20 MB"):
        decode_image(data)


def test_preprocess_grey_hand_computed():
    pixels = np.array([[[0], [51]], [[102], [255]]], np.uint8)
    spec = InputSpec(2, 2, 1, scale=1 / 255, mean=(0.5,), std=(0.25,))
    x = preprocess(pixels, spec)
    assert x.dtype == np.float32 and x.shape == (2, 2, 1)
    np.testing.assert_allclose(x[..., 0], [[-2.0, -1.2], [-0.4, 2.0]], atol=1e-6)


def test_preprocess_rgb_to_grey_uses_601_luma():
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [100, 150, 200]]], np.uint8)
    x = preprocess(pixels, InputSpec(1, 4, 1, scale=1.0))
    # Pillow "L": (R*299 + G*587 + B*114) / 1000, rounded.
    np.testing.assert_allclose(x[0, :, 0], [76, 150, 29, 141], atol=0.5)


def test_preprocess_grey_to_rgb_per_channel_norm():
    pixels = np.full((3, 3, 1), 100, np.uint8)
    spec = InputSpec(3, 3, 3, scale=1.0, mean=(100, 50, 0), std=(1, 2, 4))
    x = preprocess(pixels, spec)
    np.testing.assert_allclose(x[0, 0], [0.0, 25.0, 25.0])


def test_preprocess_stretch_and_center_crop():
    pixels = np.zeros((2, 6, 1), np.uint8)
    pixels[:, 2:4] = 200  # middle third bright
    crop = preprocess(pixels, InputSpec(2, 2, 1, scale=1.0, resize="center-crop"))
    np.testing.assert_allclose(crop[..., 0], 200.0)
    stretch = preprocess(pixels, InputSpec(2, 2, 1, scale=1.0))
    assert stretch.shape == (2, 2, 1) and stretch.max() < 200
    up = preprocess(np.full((1, 1, 3), 7, np.uint8), InputSpec(5, 4, 3, scale=1.0))
    assert up.shape == (5, 4, 3)
    np.testing.assert_allclose(up, 7.0)


def test_input_spec_round_trip_and_validation():
    spec = InputSpec(64, 48, 3, mean=(0.1, 0.2, 0.3), std=(1.0, 2.0, 3.0), resize="center-crop")
    d = spec.to_dict()
    assert d == {
        "height": 64,
        "width": 48,
        "channels": 3,
        "scale": 1 / 255,
        "mean": [0.1, 0.2, 0.3],
        "std": [1.0, 2.0, 3.0],
        "resize": "center-crop",
    }
    assert InputSpec.from_dict(d) == spec
    for bad in (
        dict(d, channels=2),
        dict(d, mean=[0.0, 0.0]),
        dict(d, std=[0.0]),
        dict(d, resize="fit"),
        dict(d, height=0),
        {"height": 1},
    ):
        with pytest.raises(ValueError):
            InputSpec.from_dict(bad)
