"""Registering a dataset from a zip of class folders (issue 7 part 6): checks before anything is
extracted, every unreadable file named, a stratified seeded split stored as .npz with
thumbnails, and the dataset usable at once (samples, analyses, evaluation)."""

import io
import zipfile

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from backend.datasets.models import Dataset
from backend.networks.models import Network
from tests.fixtures.models import save_model

CLASSES = ("circle", "square", "stripes")


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def class_image(kind: str, seed: int, size: int = 16) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:size, :size]
    if kind == "circle":
        base = ((x - size / 2) ** 2 + (y - size / 2) ** 2 < (size / 3) ** 2) * 200
    elif kind == "square":
        base = ((abs(x - size / 2) < size / 4) & (abs(y - size / 2) < size / 4)) * 200
    else:
        base = (x % 4 < 2) * 200
    return np.clip(base + rng.integers(0, 40, (size, size)), 0, 255).astype(np.uint8)


def make_zip(extra: dict | None = None, per_class: int = 6, prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for c, kind in enumerate(CLASSES):
            for i in range(per_class):
                zf.writestr(f"{prefix}{kind}/{i}.png", png(class_image(kind, 10 * c + i)))
        zf.writestr(f"{prefix}README.txt", b"three kinds of picture")
        for name, data in (extra or {}).items():
            if isinstance(data, zipfile.ZipInfo):
                zf.writestr(data, b"target")
            else:
                zf.writestr(name, data)
    return buffer.getvalue()


def post(api, content: bytes, **fields):
    data = {"file": SimpleUploadedFile("shapes.zip", content), "name": "shapes"}
    data.update(fields)
    return api.post("/api/datasets/", data, format="multipart")


def register(api, run_queued, content: bytes, **fields) -> dict:
    response = post(api, content, **fields)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["job"]["kind"] == "dataset-registration"
    run_queued()
    return api.get(f"/api/jobs/{body['job']['id']}/").json()


def no_leftovers(media_root) -> bool:
    """Nothing staged, and no stored dataset called "shapes" (nor a half-written one)."""
    staging = media_root / "staging" / "datasets"
    stored = media_root / "datasets"
    return not (staging.exists() and any(staging.iterdir())) and not (
        stored.exists()
        and any(p.name == "shapes" or p.name.startswith(".") for p in stored.iterdir())
    )


def test_good_zip_registers_and_is_usable(
    api, other_api, zoo, user, queued, run_queued, media_root
):
    job = register(api, run_queued, make_zip(prefix="shapes-folder/"), title="Shapes")
    assert job["status"] == "succeeded", job["message"]
    checks = job["result"]["checks"]
    assert [c["name"] for c in checks] == ["archive", "layout", "images", "size", "split", "store"]
    assert all(c["status"] == "passed" and c["detail"] for c in checks)
    assert job["result_url"] == "/api/datasets/shapes/"
    assert job["result"]["warnings"]  # README.txt was ignored, and said so

    dataset = Dataset.objects.get(name="shapes")
    assert not dataset.builtin and dataset.owner == user and not dataset.public
    manifest = dataset.manifest
    assert manifest["classes"] == list(CLASSES)
    assert manifest["image_shape"] == [16, 16, 1]
    assert manifest["splits"] == {"train": 15, "test": 3}  # 20 % of 6 = 1 per class
    from datasets.base import MANIFEST_KEYS

    assert sorted(manifest) == sorted(MANIFEST_KEYS)  # PostgreSQL's jsonb keeps no key order
    folder = media_root / "datasets" / "shapes"
    assert (folder / "train.npz").is_file() and (folder / "test.npz").is_file()
    assert len(list((folder / "thumbnails").glob("*.png"))) == 3
    assert not any((media_root / "staging" / "datasets").iterdir())

    # The split is stratified and seeded: the same zip gives the same test images.
    from datasets.registry import get_dataset

    images, labels = get_dataset("shapes").load("test")
    assert sorted(labels.tolist()) == [0, 1, 2] and images.shape == (3, 16, 16, 1)

    listed = api.get("/api/datasets/").json()
    shapes = next(item for item in listed if item["name"] == "shapes")
    assert shapes["title"] == "Shapes" and shapes["available"] and shapes["can_delete"]
    assert shapes["splits"] == {"train": 15, "test": 3} and shapes["owner"] == "alice"
    samples = api.get("/api/datasets/shapes/samples/").json()
    assert [s["label_name"] for s in samples] == list(CLASSES)
    image = api.get(samples[0]["image_url"])
    assert image.status_code == 200 and image["Content-Type"] == "image/png"

    # Private: another user sees nothing of it.
    assert "shapes" not in {item["name"] for item in other_api.get("/api/datasets/").json()}
    assert other_api.get("/api/datasets/shapes/").status_code == 404
    assert other_api.get("/api/datasets/shapes/samples/").status_code == 404
    assert other_api.delete("/api/datasets/shapes/").status_code == 404
    refused = other_api.post(
        "/api/analyses/",
        {"network": zoo["tiny-vgg"].pk, "sample": {"dataset": "shapes", "index": 0}},
        format="json",
    )
    assert refused.status_code == 404
    assert api.delete("/api/datasets/shapes/").status_code == 204
    assert not folder.exists()


def shapes_model(path):
    import keras

    model = keras.Sequential(
        [
            keras.Input((16, 16, 1)),
            keras.layers.Conv2D(4, 3, activation="relu", name="conv"),
            keras.layers.MaxPooling2D(2, name="pool"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(3, activation="softmax", name="output"),
        ]
    )
    return save_model(model, path)


def test_network_for_a_registered_dataset_analyses_and_evaluates(
    api, zoo, queued, run_queued, tmp_path
):
    job = register(api, run_queued, make_zip())
    assert job["status"] == "succeeded", job["message"]
    model = shapes_model(tmp_path / "shapes.keras").read_bytes()
    response = api.post(
        "/api/networks/",
        {"file": SimpleUploadedFile("shapes.keras", model), "name": "shapes-net",
         "dataset": "shapes"},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 202, response.content
    run_queued()
    job = api.get(f"/api/jobs/{response.json()['job']['id']}/").json()
    assert job["status"] == "succeeded", job["message"]
    network = Network.objects.get(name="shapes-net")
    assert network.labels == list(CLASSES) and network.dataset.name == "shapes"

    analysis = api.post(
        "/api/analyses/",
        {"network": network.pk, "sample": {"dataset": "shapes", "index": 0}},
        format="json",
    )
    assert analysis.status_code == 202, analysis.content
    evaluation = api.post("/api/evaluations/", {"network": network.pk}, format="json")
    assert evaluation.status_code == 202, evaluation.content
    run_queued()
    result = api.get(f"/api/analyses/{analysis.json()['id']}/").json()
    assert result["job"]["status"] == "succeeded" and len(result["prediction"]) == 3
    done = api.get(f"/api/evaluations/{evaluation.json()['id']}/").json()
    assert done["job"]["status"] == "succeeded", done["job"]["message"]
    examples = api.get(f"/api/evaluations/{evaluation.json()['id']}/examples/").json()
    items = examples["results"] if isinstance(examples, dict) else examples
    assert items and api.get(items[0]["image_url"]).status_code == 200

    # Deleting the dataset removes its files; the network stays, without a dataset.
    assert api.delete("/api/datasets/shapes/").status_code == 204
    network.refresh_from_db()
    assert network.dataset is None and not Dataset.objects.filter(name="shapes").exists()
    assert api.get("/api/datasets/shapes/").status_code == 404


def test_corrupt_file_is_named_in_the_failure(api, zoo, queued, run_queued, media_root):
    content = make_zip({"square/broken.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 50,
                        "circle/notes.jpg": b"just text"})  # fmt: skip
    job = register(api, run_queued, content)
    assert job["status"] == "failed"
    assert "square/broken.png" in job["message"] and "circle/notes.jpg" in job["message"]
    assert sorted(name.split(":")[0] for name in job["result"]["unreadable"]) == [
        "circle/notes.jpg",
        "square/broken.png",
    ]
    statuses = {c["name"]: c["status"] for c in job["result"]["checks"]}
    assert statuses["images"] == "failed" and statuses["store"] == "skipped"
    assert not Dataset.objects.filter(name="shapes").exists()
    assert no_leftovers(media_root)


def test_zip_slip_member_is_refused(api, zoo, queued, run_queued, media_root):
    job = register(api, run_queued, make_zip({"../evil.png": png(class_image("circle", 1))}))
    assert job["status"] == "failed" and "unsafe entry name '../evil.png'" in job["message"]
    assert job["result"]["checks"][0]["status"] == "failed"
    assert no_leftovers(media_root) and not (media_root.parent / "evil.png").exists()

    link = zipfile.ZipInfo("circle/link.png")
    link.external_attr = 0o120777 << 16  # a symbolic link
    job = register(api, run_queued, make_zip({"circle/link.png": link}))
    assert job["status"] == "failed" and "symbolic link" in job["message"]


def test_zip_bomb_is_refused_before_extraction(api, zoo, queued, run_queued, media_root,
                                                monkeypatch):  # fmt: skip
    import worker.inputs.dataset_archive as archive

    read = []
    monkeypatch.setattr(archive, "_read", lambda *args: read.append(args) or b"")
    content = make_zip({"circle/bomb.png": b"\x00" * (30 * 1024 * 1024)})
    assert len(content) < 200 * 1024
    job = register(api, run_queued, content)
    assert job["status"] == "failed" and "zip bomb" in job["message"]
    assert "circle/bomb.png" in job["message"]
    assert read == []  # refused from the zip's directory: nothing was read
    assert no_leftovers(media_root)


def test_total_size_limit(api, zoo, queued, run_queued, settings):
    settings.CONVSCOPE_DATASET_MAX_UNCOMPRESSED_BYTES = 4096
    job = register(api, run_queued, make_zip())
    assert job["status"] == "failed" and "unpacks to more than" in job["message"]


def test_too_few_images_or_classes(api, zoo, queued, run_queued):
    job = register(api, run_queued, make_zip(per_class=1))
    assert job["status"] == "failed" and "at least 2 images" in job["message"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for i in range(3):
            zf.writestr(f"only/{i}.png", png(class_image("circle", i)))
    job = register(api, run_queued, buffer.getvalue())
    assert job["status"] == "failed" and "at least two classes" in job["message"]


def test_given_split_size_and_channels(api, zoo, queued, run_queued):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for split, count in (("train", 4), ("test", 2)):
            for kind in CLASSES[:2]:
                for i in range(count):
                    zf.writestr(f"{split}/{kind}/{i}.png", png(class_image(kind, i, size=20)))
    job = register(api, run_queued, buffer.getvalue(), image_size="12x10", channels=3)
    assert job["status"] == "succeeded", job["message"]
    manifest = Dataset.objects.get(name="shapes").manifest
    assert manifest["splits"] == {"train": 8, "test": 4}
    assert manifest["image_shape"] == [12, 10, 3]


def test_form_checks(api, admin_client_api, zoo, queued):
    assert post(api, make_zip(), name="fashion-mnist").status_code == 400
    assert post(api, make_zip(), test_fraction=0.9).status_code == 400
    assert post(api, make_zip(), image_size="huge").status_code == 400
    not_zip = api.post(
        "/api/datasets/", {"file": SimpleUploadedFile("x.tar", b"x"), "name": "x"},
        format="multipart",
    )  # fmt: skip
    assert not_zip.status_code == 400
    refused = post(api, make_zip(), public=True)
    assert refused.status_code == 403 and "administrators" in refused.json()["detail"]
    assert post(admin_client_api, make_zip(), public=True).status_code == 202


def test_oversized_zip_is_413(api, zoo, queued, settings):
    settings.CONVSCOPE_MAX_DATASET_UPLOAD_BYTES = 1024
    response = post(api, make_zip())
    assert response.status_code == 413 and "larger than" in response.json()["detail"]
    assert queued == []


@pytest.fixture
def admin_client_api(make_user):
    from rest_framework.test import APIClient

    from backend.core.roles import set_role

    admin = make_user("root")
    set_role(admin, "admin")
    client = APIClient()
    client.force_authenticate(admin)
    return client
