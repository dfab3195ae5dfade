"""Registering a Keras model through the API (issue 7 part 5): POST /api/networks/ stages the
upload and a job runs the same checks as `register_network`, reporting each one; refusals name
the problem and leave nothing behind; the registered network is explorable at once."""

import io
import json
import zipfile

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.jobs.models import Job
from backend.networks.models import Network
from tests.fixtures.images import image_bytes
from tests.fixtures.models import build_tiny_vgg_64_rgb, build_vector_model, save_model

LABELS = [f"class {i}" for i in range(10)]


@pytest.fixture(scope="module")
def model_files(tmp_path_factory) -> dict:
    """Every model file the tests upload, built once (TensorFlow is slow to start)."""
    import keras

    folder = tmp_path_factory.mktemp("models")
    good = save_model(build_tiny_vgg_64_rgb(seed=3), folder / "good.keras")
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Lambda(lambda t: t * 2, name="evil")(inputs)
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(x))
    lambda_file = save_model(keras.Model(inputs, outputs), folder / "lambda.keras")
    vector = save_model(build_vector_model(), folder / "vector.keras")
    traversal = folder / "traversal.keras"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(traversal, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("../../outside.txt", b"gotcha")
    random_bytes = folder / "random.keras"
    random_bytes.write_bytes(np.random.default_rng(0).bytes(4096))
    return {
        "good": good.read_bytes(),
        "lambda": lambda_file.read_bytes(),
        "vector": vector.read_bytes(),
        "traversal": traversal.read_bytes(),
        "random": random_bytes.read_bytes(),
    }


def form(content: bytes, filename: str = "model.keras", **fields) -> dict:
    data = {
        "file": SimpleUploadedFile(filename, content, content_type="application/octet-stream"),
        "name": "my-vgg",
        "labels": "\n".join(LABELS),
        "input_height": 64,
        "input_width": 64,
        "channels": 3,
        "scale": 1 / 255,
        "mean": "0",
        "std": "1",
        "resize": "stretch",
    }
    data.update(fields)
    return data


def leftovers(media_root) -> list[str]:
    """Files in the upload staging area and network folders (registrations' and weights)."""
    found = []
    for folder in (media_root / "staging" / "networks", media_root / "networks"):
        if folder.exists():
            found += [str(p.relative_to(media_root)) for p in folder.rglob("*") if p.is_file()]
    return sorted(found)


def register(api, run_queued, content: bytes, **fields) -> dict:
    response = api.post("/api/networks/", form(content, **fields), format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["job"]["kind"] == "network-registration" and body["job"]["status"] == "queued"
    names = [check["name"] for check in body["job"]["result"]["checks"]]
    assert names == ["file", "archive", "load", "image", "forward", "labels", "preprocessing",
                     "store"]  # fmt: skip
    run_queued()
    return api.get(f"/api/jobs/{body['job']['id']}/").json()


def test_good_model_registers_with_every_check_and_is_explorable(
    api, zoo, user, queued, run_queued, media_root, model_files
):
    job = register(api, run_queued, model_files["good"], dataset="")
    assert job["status"] == "succeeded", job["message"]
    checks = job["result"]["checks"]
    assert [check["status"] for check in checks] == ["passed"] * len(checks)
    assert all(check["detail"] for check in checks)
    assert "64×64×3" in next(c for c in checks if c["name"] == "image")["detail"]
    network = Network.objects.get(name="my-vgg")
    assert network.owner == user and not network.public and network.source == "upload"
    assert job["result"]["network_id"] == network.pk
    assert job["result_url"] == f"/api/networks/{network.pk}/"
    assert not list((media_root / "staging" / "networks").glob("*"))

    listed = api.get("/api/networks/").json()
    mine = next(item for item in listed if item["name"] == "my-vgg")
    assert mine["owner"] == "alice" and mine["can_delete"] and not mine["is_zoo"]
    assert not next(item for item in listed if item["is_zoo"])["can_delete"]
    detail = api.get(f"/api/networks/{network.pk}/").json()
    assert detail["layer_count"] == 12 and detail["layers"][0]["kernel_url"]

    # Explorable at once: an analysis of an image runs on it.
    pixels = (np.random.default_rng(1).random((64, 64, 3)) * 255).astype(np.uint8)
    upload = SimpleUploadedFile("photo.png", image_bytes(pixels), content_type="image/png")
    image = api.post("/api/images/", {"file": upload}, format="multipart").json()
    analysis = api.post(
        "/api/analyses/", {"network": network.pk, "image": image["id"]}, format="json"
    ).json()
    run_queued()
    result = api.get(f"/api/analyses/{analysis['id']}/").json()
    assert result["job"]["status"] == "succeeded"
    assert len(result["prediction"]) == 10
    assert [layer["name"] for layer in result["layers"]] == [
        layer["name"] for layer in network.layers
    ]


REFUSALS = {
    "lambda": ("lambda", {"labels": "a\nb", "input_height": 8, "input_width": 8, "channels": 1},
               "archive", "Lambda layer"),
    "not an image model": ("vector", {"labels": "a\nb\nc", "input_height": "", "input_width": "",
                                      "channels": ""}, "image", "image"),
    "zip with ../ members": ("traversal", {}, "archive", "unsafe entry name"),
    "random bytes": ("random", {}, "archive", "not a valid zip"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_bad_models_fail_with_a_reason_and_leave_nothing(
    api, zoo, queued, run_queued, media_root, model_files, case
):
    key, fields, failed_check, reason = REFUSALS[case]
    fields = {k: v for k, v in fields.items() if v != ""}
    data = form(model_files[key], **fields)
    for k, v in REFUSALS[case][1].items():
        if v == "":
            data.pop(k)
    before = leftovers(media_root)
    response = api.post("/api/networks/", data, format="multipart")
    assert response.status_code == 202, response.content
    run_queued()
    job = api.get(f"/api/jobs/{response.json()['job']['id']}/").json()
    assert job["status"] == "failed"
    assert reason.lower() in job["message"].lower(), job["message"]
    statuses = {check["name"]: check["status"] for check in job["result"]["checks"]}
    assert statuses[failed_check] == "failed"
    failed = next(c for c in job["result"]["checks"] if c["name"] == failed_check)
    assert failed["detail"] == job["message"]
    names = [c["name"] for c in job["result"]["checks"]]
    after = names[names.index(failed_check) + 1 :]
    assert all(statuses[name] == "skipped" for name in after)
    assert all(statuses[name] == "passed" for name in names[: names.index(failed_check)])
    assert not Network.objects.filter(name="my-vgg").exists()
    assert leftovers(media_root) == before
    assert not (media_root.parent / "outside.txt").exists()


def test_lambda_reason_is_plain(api, zoo, queued, run_queued, model_files):
    job = register(
        api, run_queued, model_files["lambda"], labels="a\nb", input_height=8, input_width=8,
        channels=1,
    )  # fmt: skip
    assert job["message"] == (
        "The model contains a Lambda layer ('evil'), which can run arbitrary code; "
        "ConvScope refuses it."
    )


def test_oversized_upload_is_refused_with_413(api, zoo, queued, settings, media_root):
    settings.CONVSCOPE_MAX_MODEL_UPLOAD_BYTES = 1024
    response = api.post("/api/networks/", form(b"PK\x03\x04" + b"x" * 4096), format="multipart")
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert queued == [] and not Job.objects.exists()
    assert not [p for p in leftovers(media_root) if p.startswith("staging")]


def test_form_mistakes_answer_400(api, zoo, queued, model_files):
    cases = [
        ({"name": "has spaces"}, "name"),
        ({"name": "tiny-vgg"}, "zoo network"),
        ({"labels": "only-one"}, "The labels you typed must name at least two classes"),
        ({"mean": "0.1, 0.2"}, "one per channel"),
        ({"std": "0"}, "above zero"),
        ({"dataset": "no-such-set"}, "no dataset"),
    ]
    for fields, words in cases:
        response = api.post(
            "/api/networks/", form(model_files["good"], **fields), format="multipart"
        )
        assert response.status_code == 400, fields
        assert words in response.json()["detail"], response.json()
    bad_type = api.post(
        "/api/networks/", form(model_files["good"], filename="model.pkl"), format="multipart"
    )
    assert bad_type.status_code == 400 and ".keras" in bad_type.json()["detail"]
    assert queued == []


def test_public_needs_an_admin(api, zoo, queued, run_queued, make_user, model_files):
    response = api.post(
        "/api/networks/", form(model_files["good"], public=True), format="multipart"
    )
    assert response.status_code == 403
    assert "Only administrators can make a network public" in response.json()["detail"]
    assert queued == []

    from rest_framework.test import APIClient

    from backend.core.roles import set_role

    admin = make_user("root")
    set_role(admin, "admin")
    client = APIClient()
    client.force_authenticate(admin)
    body = client.post(
        "/api/networks/", form(model_files["good"], name="shared-vgg", public=True),
        format="multipart",
    ).json()  # fmt: skip
    run_queued()
    assert client.get(f"/api/jobs/{body['job']['id']}/").json()["status"] == "succeeded"
    network = Network.objects.get(name="shared-vgg")
    assert network.public and network.owner == admin
    assert any(item["name"] == "shared-vgg" for item in api.get("/api/networks/").json())


def test_labels_file_and_dataset_classes(api, zoo, queued, run_queued, model_files):
    labels = SimpleUploadedFile("labels.json", json.dumps(LABELS).encode())
    data = form(model_files["good"], labels_file=labels)
    data.pop("labels")
    response = api.post("/api/networks/", data, format="multipart")
    assert response.status_code == 202
    run_queued()
    assert Network.objects.get(name="my-vgg").labels == LABELS

    # With a dataset and no labels, the dataset's classes are the labels (and must match).
    data = form(model_files["good"], name="fashion-vgg", dataset="fashion-mnist")
    data.pop("labels")
    job = api.post("/api/networks/", data, format="multipart").json()["job"]
    run_queued()
    job = api.get(f"/api/jobs/{job['id']}/").json()
    assert job["status"] == "succeeded", job["message"]
    network = Network.objects.get(name="fashion-vgg")
    assert network.dataset.name == "fashion-mnist" and network.labels[0] == "T-shirt/top"


def test_delete_own_network_removes_files(
    api, other_api, zoo, queued, run_queued, media_root, model_files, user
):
    register(api, run_queued, model_files["good"])
    network = Network.objects.get(name="my-vgg")
    folder = media_root / "networks" / "my-vgg-v1"
    assert (folder / "model.keras").is_file() and network.weights_dir.is_dir()

    assert other_api.delete(f"/api/networks/{network.pk}/").status_code == 404  # private
    assert api.delete(f"/api/networks/{zoo['tiny-vgg'].pk}/").status_code == 403
    assert api.delete(f"/api/networks/{network.pk}/").status_code == 204
    assert not Network.objects.filter(pk=network.pk).exists()
    assert not folder.exists()


def test_listing_stays_scoped(api, other_api, zoo, queued, run_queued, model_files):
    register(api, run_queued, model_files["good"])
    theirs = {item["name"] for item in other_api.get("/api/networks/").json()}
    assert "my-vgg" not in theirs and "tiny-vgg" in theirs
    body = other_api.post(
        "/api/networks/", form(model_files["good"]), format="multipart"
    )  # the name is alice's
    assert body.status_code == 400 and "taken by another user" in body.json()["detail"]


def test_register_command_still_works(zoo, tmp_path, model_files, capsys):
    from django.core.management import call_command

    path = tmp_path / "cli.keras"
    path.write_bytes(model_files["good"])
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(LABELS))
    call_command("register_network", file=path, name="cli-vgg", labels=labels)
    assert "Registered cli-vgg v1" in capsys.readouterr().out
    assert io  # (io is used by other modules' helpers; keep the import honest)
