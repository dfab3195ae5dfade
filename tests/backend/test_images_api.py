"""Uploads: every format accepted, every refusal clear, nothing stored on refusal, private."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backend.uploads.models import UploadedImage
from tests.fixtures.images import image_bytes, jpeg_with_exif_gps, png_with_header_size

pytestmark = pytest.mark.django_db


def upload(api, data: bytes, name: str = "image.png"):
    return api.post("/api/images/", {"file": SimpleUploadedFile(name, data)}, format="multipart")


def stored_files(media_root) -> list:
    uploads = media_root / "uploads"
    return sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []


RGB = (np.random.default_rng(1).random((40, 30, 3)) * 255).astype(np.uint8)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF"])
def test_accepts_common_formats(api, fmt):
    response = upload(api, image_bytes(RGB, fmt), f"x.{fmt.lower()}")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["width"], body["height"]) == (30, 40)
    assert body["format"] == fmt
    stored = Image.open(UploadedImage.objects.get(pk=body["id"]).path)
    assert stored.format == "PNG"


def test_stored_copy_has_no_metadata(api):
    response = upload(api, jpeg_with_exif_gps(), "photo.jpg")
    assert response.status_code == 201
    image = UploadedImage.objects.get(pk=response.json()["id"])
    stored = Image.open(image.path)
    assert not stored.getexif()
    assert "exif" not in stored.info and not stored.text
    assert b"SecretCamera" not in image.path.read_bytes()


def test_sixteen_bit_and_palette_modes(api):
    deep = (np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 16).astype(np.uint16)
    buffer = io.BytesIO()
    Image.fromarray(deep).save(buffer, format="PNG")
    assert upload(api, buffer.getvalue()).status_code == 201
    palette = Image.fromarray(RGB).convert("P")
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG")
    assert upload(api, buffer.getvalue()).status_code == 201


REFUSALS = {
    "not an image": b"hello, this is text and not a picture",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>',
    "eps": b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",
    "truncated png": image_bytes(RGB, "PNG")[:200],
    "truncated jpeg": image_bytes(RGB, "JPEG")[:300],
    "side over 16384": png_with_header_size(20_000, 10),
    "over 40 megapixels": png_with_header_size(8_000, 6_000),
    "empty": b"",
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_store_nothing(api, media_root, case, queued):
    before_rows, before_files = UploadedImage.objects.count(), stored_files(media_root)
    response = upload(api, REFUSALS[case])
    assert response.status_code == 400, (case, response.status_code)
    detail = response.json()["detail"]
    assert isinstance(detail, str) and 10 < len(detail) < 300
    assert UploadedImage.objects.count() == before_rows
    assert stored_files(media_root) == before_files
    assert queued == []


def test_over_20_megabytes_is_413(api, media_root):
    before = stored_files(media_root)
    response = upload(api, b"\x89PNG\r\n\x1a\n" + b"\0" * (20 * 1024 * 1024 + 1))
    assert response.status_code == 413
    assert "20 MB" in response.json()["detail"]
    assert stored_files(media_root) == before
    assert UploadedImage.objects.count() == 0


def test_missing_file_field(api):
    response = api.post("/api/images/", {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["detail"]


def test_images_are_private(api, other_api, anon_api):
    image_id = upload(api, image_bytes(RGB)).json()["id"]
    assert api.get(f"/api/images/{image_id}/file/").status_code == 200
    assert other_api.get(f"/api/images/{image_id}/").status_code == 404
    assert other_api.get(f"/api/images/{image_id}/file/").status_code == 404
    assert other_api.get("/api/images/").json() == []
    assert anon_api.get(f"/api/images/{image_id}/file/").status_code == 401


def test_image_file_headers(api):
    image_id = upload(api, image_bytes(RGB)).json()["id"]
    response = api.get(f"/api/images/{image_id}/file/")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
