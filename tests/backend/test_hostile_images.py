"""A hostile image corpus against POST /api/images/ (issue 9 item 6), made by the test itself.

Every file must be either refused with a 4xx and a plain reason, or stored as a clean PNG of
the expected size that the worker can preprocess for a network. Never a server error, never
Ghostscript or any other program started, no file left behind by a refusal (the media root
and the temporary folder are compared before and after), nothing of the original bytes kept.
"""

from __future__ import annotations

import io
import struct
import subprocess
import tempfile
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backend.uploads.models import UploadedImage
from tests.fixtures.dicom import dicom_bytes
from tests.fixtures.images import image_bytes, png_with_header_size
from worker.inputs.images import decode_image
from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import preprocess

pytestmark = pytest.mark.django_db

RNG = np.random.default_rng(9)
RGB = (RNG.random((24, 32, 3)) * 255).astype(np.uint8)
GREY = (RNG.random((24, 32)) * 255).astype(np.uint8)
SECRET = b"CONVSCOPE-HOSTILE-PAYLOAD"


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(width: int, height: int, raw: bytes, *, colour: int = 0, extra: bytes = b"") -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def png_bomb() -> bytes:
    """A real 8,000×6,000 greyscale PNG (48 Mpx) of zeros: ~50 kB on disk."""
    width, height = 8000, 6000
    compressor = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


def png_text_bomb() -> bytes:
    """A 4×4 PNG whose zTXt chunk inflates to 64 MB (a text-chunk bomb)."""
    text = b"Comment\x00\x00" + zlib.compress(b"A" * (64 * 1024 * 1024), 9)
    return png(4, 4, b"\x00\x00\x00\x00\x00" * 4, extra=chunk(b"zTXt", text))


def png_bad_crc() -> bytes:
    data = bytearray(image_bytes(RGB))
    data[29] ^= 0xFF  # inside IHDR's CRC
    return bytes(data)


def gif_bomb() -> bytes:
    """A 1×1 GIF whose screen and frame claim 65,535×65,535 pixels."""
    data = bytearray(image_bytes(np.zeros((1, 1), np.uint8), "GIF"))
    data[6:10] = struct.pack("<HH", 65535, 65535)
    descriptor = data.index(b"\x2c")
    data[descriptor + 5 : descriptor + 9] = struct.pack("<HH", 65535, 65535)
    return bytes(data)


def tiff_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A hand-written TIFF whose header claims ``width``×``height`` with 16 bytes of data."""
    entries = [
        (256, 4, 1, width),  # ImageWidth
        (257, 4, 1, height),  # ImageLength
        (258, 3, 1, 8),  # BitsPerSample
        (259, 3, 1, 1),  # Compression: none
        (262, 3, 1, 1),  # Photometric: black is zero
        (273, 4, 1, 8),  # StripOffsets
        (277, 3, 1, 1),  # SamplesPerPixel
        (278, 4, 1, height),  # RowsPerStrip
        (279, 4, 1, 16),  # StripByteCounts
    ]
    ifd_offset = 8 + 16
    ifd = struct.pack("<H", len(entries))
    for tag, kind, count, value in entries:
        packed = struct.pack("<HI", value, 0)[:4] if kind == 3 else struct.pack("<I", value)
        ifd += struct.pack("<HHI", tag, kind, count) + packed
    ifd += struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", ifd_offset) + b"\x00" * 16 + ifd


def jpeg_cmyk() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(RGB).convert("CMYK").save(buffer, format="JPEG")
    return buffer.getvalue()


def jpeg_polyglot() -> bytes:
    """A JPEG with a script in its comment and an HTML page after its end."""
    buffer = io.BytesIO()
    Image.fromarray(RGB).save(buffer, format="JPEG", comment=b"<script>alert(1)</script>" + SECRET)
    return buffer.getvalue() + b"<html><body><script>alert(document.cookie)</script></body></html>"


def with_zip(image: bytes) -> bytes:
    """An image followed by a zip archive (PNG+ZIP; a GIF+JAR is a GIFAR)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n" + SECRET)
        archive.writestr("Evil.class", b"\xca\xfe\xba\xbe" + SECRET)
    return image + buffer.getvalue()


def palette_with_transparency() -> bytes:
    image = Image.fromarray(RGB).convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=0)
    return buffer.getvalue()


def frames(fmt: str, count: int = 3, **args) -> bytes:
    images = [Image.fromarray(np.roll(RGB, i * 5, axis=1)) for i in range(count)]
    buffer = io.BytesIO()
    images[0].save(buffer, format=fmt, save_all=True, append_images=images[1:], **args)
    return buffer.getvalue()


def exif_rotated() -> bytes:
    """A 32×24 JPEG whose EXIF says "rotate 90°": it must be stored 24×32."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = SECRET.decode()
    return image_bytes(RGB, "JPEG", exif=exif.tobytes())


def sixteen_bit() -> bytes:
    deep = (np.arange(24 * 32, dtype=np.uint16).reshape(24, 32) * 80).astype(np.uint16)
    return image_bytes(deep, "PNG")


def float_tiff() -> bytes:
    return image_bytes(GREY.astype(np.float32) / 255.0, "TIFF")


def ico() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(RGB).save(buffer, format="ICO", sizes=[(16, 16)])
    return buffer.getvalue()


def bogus_bmp() -> bytes:
    """BMP magic and a header claiming 2,000,000×2,000,000 pixels, 32 bytes of data."""
    info = struct.pack("<IiiHHIIiiII", 40, 2_000_000, 2_000_000, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 14 + 40 + 32, 0, 0, 54) + info + b"\x00" * 32


def bmp_negative_header() -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, -7, 0, 1, 24, 0, 0, 0, 0, 0, 0)
    return b"BM" + struct.pack("<IHHI", 100, 0, 0, 54) + info + b"\xff" * 46


def dicom_garbage() -> bytes:
    return b"\x00" * 128 + b"DICM" + RNG.bytes(2048)


def dicom_without_pixels() -> bytes:
    return dicom_bytes(None)


SVG = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
)
SVG_BARE = b'  <svg onload="alert(1)" xmlns="http://www.w3.org/2000/svg"></svg>'
EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"
    b"(/etc/passwd) (r) file 100 string readstring pop print\nshowpage\n"
)
DOS_EPS = b"\xc5\xd0\xd3\xc6" + struct.pack("<IIIIII", 30, len(EPS), 0, 0, 0, 0) + b"\xff\xff" + EPS
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@dataclass
class Case:
    data: bytes
    filename: str
    expect: str  # "refused", or "stored" with the size it must have
    words: tuple[str, ...] = ()
    size: tuple[int, int] | None = None  # (width, height) of the stored image
    content_type: str = "application/octet-stream"


def corpus() -> dict[str, Case]:
    good_png = image_bytes(RGB)
    good_jpeg = image_bytes(RGB, "JPEG")
    good_gif = image_bytes(RGB, "GIF")
    refused = "refused"
    stored = "stored"
    return {
        # Decompression bombs and absurd dimensions: refused from the header.
        "png bomb header (100k×100k)": Case(
            png_with_header_size(100_000, 100_000), "bomb.png", refused, ("pixels",)
        ),
        "png bomb with real data (48 Mpx)": Case(png_bomb(), "bomb.png", refused, ("pixels",)),
        "png zTXt text bomb": Case(png_text_bomb(), "text.png", "either"),
        "gif bomb (65535×65535)": Case(gif_bomb(), "bomb.gif", refused, ("pixels",)),
        "tiff bomb (100k×100k)": Case(tiff_bomb(), "bomb.tiff", refused),
        "too wide (20000×1)": Case(
            png(20_000, 1, b"\x00" * 20_001), "wide.png", refused, ("at most",)
        ),
        "zero width": Case(png_with_header_size(0, 10), "zero.png", refused),
        "bmp with bogus header": Case(bogus_bmp(), "bogus.bmp", refused),
        "bmp with negative width": Case(bmp_negative_header(), "negative.bmp", refused),
        # Broken files.
        "truncated png": Case(good_png[: len(good_png) // 2], "cut.png", refused),
        "truncated jpeg": Case(good_jpeg[: len(good_jpeg) // 2], "cut.jpg", refused),
        "png with a bad crc": Case(png_bad_crc(), "crc.png", refused),
        "empty file": Case(b"", "empty.png", refused, ("empty",)),
        "random bytes": Case(RNG.bytes(4096), "noise.png", refused, ("not an image",)),
        "text named .png": Case(b"hello, world\n" * 10, "hello.png", refused),
        "html named .jpg": Case(b"<html><script>alert(1)</script></html>", "x.jpg", refused),
        "dicom magic then garbage": Case(dicom_garbage(), "scan.dcm", refused),
        "dicom without pixel data": Case(dicom_without_pixels(), "scan.dcm", refused),
        # Formats refused by name, before any decoder (Ghostscript never runs).
        "svg with a script": Case(SVG, "x.svg", refused, ("SVG",), content_type="image/svg+xml"),
        "bare svg named .png": Case(SVG_BARE, "x.png", refused, ("SVG",)),
        "eps (PostScript)": Case(EPS, "x.eps", refused, ("PostScript",)),
        "eps named .png": Case(EPS, "x.png", refused, ("PostScript",), content_type="image/png"),
        "dos eps binary": Case(DOS_EPS, "x.eps", refused, ("EPS",)),
        "pdf": Case(PDF, "x.pdf", refused, ("PDF",), content_type="application/pdf"),
        "ico": Case(ico(), "favicon.ico", refused, ("ICO",)),
        "psd magic": Case(b"8BPS\x00\x01" + b"\x00" * 200, "x.psd", refused, ("Photoshop",)),
        "jpeg 2000": Case(b"\x00\x00\x00\x0cjP  \r\n\x87\n" + b"\x00" * 64, "x.jp2", refused),
        "heic": Case(b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "x.heic", refused, ("HEIC",)),
        "ppm (not allowed)": Case(b"P6\n4 4\n255\n" + b"\x80" * 48, "x.ppm", refused),
        # Polyglots: stored as pixels only; the hidden payload is not kept.
        "png+zip polyglot": Case(with_zip(good_png), "poly.png", stored, size=(32, 24)),
        "gifar (gif+jar)": Case(with_zip(good_gif), "poly.gif", stored, size=(32, 24)),
        "jpeg+html/js polyglot": Case(jpeg_polyglot(), "poly.jpg", stored, size=(32, 24)),
        # Unusual but valid: converted.
        "png named .jpg as image/jpeg": Case(
            good_png, "photo.jpg", stored, size=(32, 24), content_type="image/jpeg"
        ),
        "1×1 png": Case(image_bytes(np.zeros((1, 1, 3), np.uint8)), "dot.png", stored, size=(1, 1)),
        "16-bit png": Case(sixteen_bit(), "deep.png", stored, size=(32, 24)),
        "cmyk jpeg": Case(jpeg_cmyk(), "cmyk.jpg", stored, size=(32, 24)),
        "palette png with transparency": Case(
            palette_with_transparency(), "p.png", stored, size=(32, 24)
        ),
        "animated gif": Case(frames("GIF", duration=50, loop=0), "anim.gif", stored, size=(32, 24)),
        "animated webp": Case(frames("WEBP", duration=50), "anim.webp", stored, size=(32, 24)),
        "multi-page tiff": Case(frames("TIFF"), "pages.tiff", stored, size=(32, 24)),
        "exif orientation 6": Case(exif_rotated(), "rot.jpg", stored, size=(24, 32)),
        "webp": Case(image_bytes(RGB, "WEBP"), "x.webp", stored, size=(32, 24)),
        "float tiff": Case(float_tiff(), "f.tiff", stored, size=(32, 24)),
        "interlaced png": Case(
            image_bytes(RGB, "PNG", interlace=1), "i.png", "either", size=(32, 24)
        ),
        "progressive jpeg": Case(
            image_bytes(RGB, "JPEG", progressive=True), "p.jpg", stored, size=(32, 24)
        ),
        "grey+alpha png": Case(
            image_bytes(np.dstack([GREY, GREY // 2]), "PNG"), "la.png", stored, size=(32, 24)
        ),
    }


CORPUS = corpus()


def files_under(root) -> set[str]:
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


@pytest.fixture
def no_programs(monkeypatch):
    """Fail if anything tries to start a program (Pillow runs Ghostscript for EPS)."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a program was started: {args[:1]}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    from PIL import EpsImagePlugin

    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", refuse)


@pytest.fixture
def private_tmp(tmp_path, monkeypatch, settings):
    """Temporary files (Django's upload spool, anything using tempfile) go to a private
    folder, so a test can see whether any are left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # spool every upload but the tiniest to disk
    return folder


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 30
    assert sum(case.expect == "refused" for case in CORPUS.values()) >= 20


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_hostile_image(api, media_root, private_tmp, no_programs, name):
    case = CORPUS[name]
    before = files_under(media_root)
    upload = SimpleUploadedFile(case.filename, case.data, content_type=case.content_type)
    response = api.post("/api/images/", {"file": upload}, format="multipart")
    status = response.status_code
    assert status < 500, (name, status, response.content[:300])
    assert not list(private_tmp.iterdir()), f"temporary files left: {list(private_tmp.iterdir())}"
    added = files_under(media_root) - before
    removed = before - files_under(media_root)
    assert not removed

    if status != 201:
        assert case.expect in ("refused", "either"), (name, status, response.json())
        assert 400 <= status < 500
        assert response["Content-Type"].startswith("application/json")
        detail = response.json()["detail"]
        print(f"{name}: {status} {detail}")
        assert isinstance(detail, str) and detail.endswith(".") and len(detail) > 10, detail
        for word in case.words:
            assert word.lower() in detail.lower(), (name, detail)
        assert not added, f"a refused upload left files: {added}"
        assert not UploadedImage.objects.exists()
        return

    assert case.expect in ("stored", "either"), (name, response.json())
    body = response.json()
    print(f"{name}: 201 {body['format']} {body['width']}×{body['height']}×{body['channels']}")
    image = UploadedImage.objects.get(pk=body["id"])
    assert added == {str(image.path.relative_to(media_root))}, added
    stored = image.path.read_bytes()
    assert stored.startswith(b"\x89PNG\r\n\x1a\n")
    for needle in (SECRET, b"<script", b"PK\x03\x04", b"<html"):
        assert needle not in stored, (name, needle)
    decoded = decode_image(stored)
    assert decoded.format == "PNG" and decoded.pixels.dtype == np.uint8
    assert decoded.pixels.shape[2] in (1, 3)
    if case.size:
        assert (body["width"], body["height"]) == case.size
        assert (decoded.width, decoded.height) == case.size
    # Analysable: preprocessing for a 28×28 grey and a 64×64 colour network works.
    for spec in (InputSpec(28, 28, 1), InputSpec(64, 64, 3, resize="center-crop")):
        batch = preprocess(decoded.pixels, spec)
        assert batch.shape[-3:] == (spec.height, spec.width, spec.channels)
        assert np.isfinite(batch).all()
    assert api.get(body["url"]).status_code == 200
