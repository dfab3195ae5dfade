"""DICOM through the API: stored as re-encoded pixels only, no patient data anywhere (rows,
files, logs), refusals clean, and the image usable for an analysis."""

import io
import logging

import numpy as np
import pytest
from django.apps import apps
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pydicom.uid import JPEG2000Lossless

from backend.uploads.models import UploadedImage
from tests.fixtures.dicom import PATIENT, dicom_bytes
from worker.inputs.dicom import decode_dicom

pytestmark = pytest.mark.django_db

# Every spelling of the patient data that could leak (the name's parts too).
SECRETS = [*PATIENT.values(), "Doe", "Jane", "1970-03-21"]


def upload(api, data: bytes, name: str = "scan.dcm"):
    file = SimpleUploadedFile(name, data, content_type="application/dicom")
    return api.post("/api/images/", {"file": file}, format="multipart")


def stored_files(media_root) -> list:
    uploads = media_root / "uploads"
    return sorted(p for p in uploads.rglob("*") if p.is_file()) if uploads.exists() else []


def assert_no_patient_data(media_root, log_text: str) -> None:
    for model in apps.get_models():  # every table, every row, every column
        dump = serializers.serialize("json", model._default_manager.all())
        for secret in SECRETS:
            assert secret not in dump, (model.__name__, secret)
    files = [p for p in media_root.rglob("*") if p.is_file()]
    assert files
    for path in files:
        content = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in content, (path, secret)
    for secret in SECRETS:
        assert secret not in log_text


def ct_like_pixels() -> np.ndarray:
    """A 28 x 28 16-bit "scan": a bright disc on a dark ground, with a ramp."""
    yy, xx = np.mgrid[0:28, 0:28]
    disc = ((yy - 14) ** 2 + (xx - 14) ** 2 < 60).astype(np.int32)
    return (1000 + 800 * disc + 4 * xx).astype(np.uint16)


def test_dicom_round_trip_keeps_no_patient_data(
    api, zoo, media_root, queued, run_queued, caplog, capfd
):
    caplog.set_level(logging.DEBUG)
    data = dicom_bytes(
        ct_like_pixels(),
        bits_stored=12,
        RescaleSlope=1,
        RescaleIntercept=-1024,
        WindowCenter=300,
        WindowWidth=1000,
        InstitutionName="Jane Doe Memorial",
        ReferringPhysicianName="Doe^Jane",
    )
    response = upload(api, data)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["format"] == "DICOM"
    assert (body["width"], body["height"]) == (28, 28)
    image = UploadedImage.objects.get(pk=body["id"])
    assert image.original_format == "DICOM" and image.channels == 1

    # What is kept is a plain PNG of the windowed pixels, nothing else.
    served = api.get(f"/api/images/{image.pk}/file/")
    png = Image.open(io.BytesIO(b"".join(served.streaming_content)))
    assert png.format == "PNG" and png.mode == "L" and not png.info.get("dicom")
    np.testing.assert_array_equal(np.asarray(png), decode_dicom(data).pixels[..., 0])
    assert image.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The image is usable: an analysis runs on it.
    network = zoo["tiny-vgg"]
    started = api.post("/api/analyses/", {"network": network.pk, "image": image.pk}, format="json")
    assert started.status_code == 202, started.json()
    run_queued()
    result = api.get(f"/api/analyses/{started.json()['id']}/").json()
    assert result["job"]["status"] == "succeeded"
    probabilities = [row["probability"] for row in result["prediction"]]
    assert len(probabilities) == 10 and abs(sum(probabilities) - 1) < 1e-4

    out, err = capfd.readouterr()
    assert_no_patient_data(media_root, caplog.text + out + err)


def test_plain_content_type_and_extension_also_work(api):
    data = dicom_bytes(np.arange(12, dtype=np.uint8).reshape(3, 4))
    file = SimpleUploadedFile("IMG0001", data, content_type="application/octet-stream")
    response = api.post("/api/images/", {"file": file}, format="multipart")
    assert response.status_code == 201 and response.json()["format"] == "DICOM"


REFUSALS = {
    "jpeg 2000": (
        dicom_bytes(ct_like_pixels(), syntax=JPEG2000Lossless, encapsulated=[b"garbage" * 9]),
        "JPEG 2000",
    ),
    "no pixel data": (dicom_bytes(None), "holds no image"),
    "random bytes after the preamble": (
        b"\x00" * 128 + b"DICM" + np.random.default_rng(5).bytes(4000),
        "DICOM",
    ),
    "truncated pixel data": (dicom_bytes(ct_like_pixels())[:-200], "truncated"),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_refusals_store_nothing(api, media_root, case, caplog):
    caplog.set_level(logging.DEBUG)
    data, words = REFUSALS[case]
    before_rows, before_files = UploadedImage.objects.count(), stored_files(media_root)
    response = upload(api, data)
    assert response.status_code == 400, (case, response.status_code)
    detail = response.json()["detail"]
    assert words in detail and 10 < len(detail) < 300
    assert UploadedImage.objects.count() == before_rows
    assert stored_files(media_root) == before_files
    for secret in SECRETS:
        assert secret not in detail and secret not in caplog.text
