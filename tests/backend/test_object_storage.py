"""Shared object storage (STORAGE_URL): what one machine stores, another machine serves.

"Machine A" and "machine B" share the test database and one bucket on a real S3-compatible
server (moto in server mode) but each has its own, separate MEDIA_ROOT.
"""

import io

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.core import media
from tests.fixtures.images import fashion_sample_png

pytestmark = pytest.mark.django_db


def payload(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def keys(bucket, prefix: str = "") -> set[str]:
    return {item.key for item in bucket.objects.filter(Prefix=f"media/{prefix}")}


def test_one_machine_stores_another_serves(
    api, zoo, queued, run_queued, object_store, settings, tmp_path
):
    bucket = object_store
    machine_a, machine_b = tmp_path / "a", tmp_path / "b"

    # Machine A: the web process stores an upload, a worker runs the analysis.
    settings.MEDIA_ROOT = machine_a
    data, _ = fashion_sample_png(3)
    image = api.post("/api/images/", {"file": SimpleUploadedFile("x.png", data)}, "multipart")
    assert image.status_code == 201, image.content
    created = api.post(
        "/api/analyses/", {"network": zoo["tiny-vgg"].pk, "image": image.json()["id"]}, "json"
    ).json()
    run_queued()
    from backend.analyses.models import Analysis

    analysis = Analysis.objects.select_related("result", "image").get(pk=created["id"])
    result_dir = analysis.result.directory
    stored_png = (machine_a / analysis.image.file).read_bytes()
    local_layers = sorted(p.name for p in (machine_a / result_dir).iterdir())
    assert keys(bucket, analysis.image.file) == {f"media/{analysis.image.file}"}
    assert {key.rsplit("/", 1)[1] for key in keys(bucket, result_dir + "/")} == set(local_layers)

    # Machine B: nothing local; everything is fetched from the object store on first use.
    settings.MEDIA_ROOT = machine_b
    assert not machine_b.exists()
    png = api.get(f"/api/images/{analysis.image.pk}/file/")
    assert png.status_code == 200 and payload(png) == stored_png
    result = api.get(f"/api/analyses/{analysis.pk}/").json()
    assert result["prediction"] and len(result["layers"]) == len(zoo["tiny-vgg"].layers)
    layer = result["layers"][2]
    served = np.load(io.BytesIO(payload(api.get(layer["url"]))))
    expected = np.load(machine_a / result_dir / analysis.result.layers[2]["file"])
    np.testing.assert_array_equal(served, expected)
    assert (machine_b / result_dir / analysis.result.layers[2]["file"]).is_file()  # now cached
    assert not list(machine_b.rglob("*.part"))  # fetched to a temporary file, then renamed
    from backend.analyses.bundle import read_bundle

    bundle = read_bundle(payload(api.get(result["activations_url"] + "?dtype=float32")))
    np.testing.assert_array_equal(bundle[layer["name"]], expected)

    # B sees A's result as stored, so the same request is answered without a job.
    again = api.post(
        "/api/analyses/", {"network": zoo["tiny-vgg"].pk, "image": analysis.image.pk}, "json"
    ).json()
    assert again["job"]["status"] == "succeeded" and not queued

    # Deleting removes the local copies and the objects.
    assert api.delete(f"/api/images/{analysis.image.pk}/").status_code == 204
    assert not keys(bucket, analysis.image.file)
    assert not (machine_b / analysis.image.file).exists()
    media.remove(result_dir)
    assert not keys(bucket, result_dir) and not (machine_b / result_dir).exists()
    assert not media.exists(result_dir)


def test_paths_outside_the_media_folder_are_refused(object_store, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for bad in ("../secret", "uploads/../../secret", "/etc/passwd", "", ".", "~/x"):
        with pytest.raises(SuspiciousFileOperation):
            media.local_path(bad)
        with pytest.raises(SuspiciousFileOperation):
            media.remove(bad)
    assert media.local_path("uploads/./1/x.png") == tmp_path / "uploads/1/x.png"


def test_a_missing_file_is_missing_everywhere(object_store, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    path = media.local_path("uploads/1/none.png")
    assert path == tmp_path / "uploads/1/none.png" and not path.exists()
    assert not media.exists("uploads/1") and not (tmp_path / "uploads").exists()


def test_without_storage_url_media_root_is_the_only_copy(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert not media.enabled()
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "a.npy").write_bytes(b"x")
    media.publish("results")  # nothing to do, and nothing needed to do it
    assert media.local_path("results/a.npy") == tmp_path / "results" / "a.npy"
    assert media.exists("results") and not media.exists("results/b.npy")
    media.remove("results")
    assert not (tmp_path / "results").exists()


def test_storage_url_parsing():
    parsed = media.parse_storage_url(
        "s3://bucket/some/prefix/?endpoint_url=http://minio:9000&region=eu-west-1"
    )
    assert parsed["BACKEND"] == "storages.backends.s3.S3Storage"
    options = parsed["OPTIONS"]
    assert options["bucket_name"] == "bucket" and options["location"] == "some/prefix"
    assert options["endpoint_url"] == "http://minio:9000" and options["region_name"] == "eu-west-1"
    assert "access_key" not in options  # credentials come from the environment only
    for bad in ("http://bucket/x", "s3:///x", "s3://bucket?colour=blue"):
        with pytest.raises(ImproperlyConfigured):
            media.parse_storage_url(bad)
