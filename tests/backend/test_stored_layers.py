"""Per-layer storage on a real-size network (ResNet50 at 64×64) with a small budget: layers not
on disk answer 202 with one job, which computes and stores them; then 200 with Keras's values.
And the retention policy (prune_results) on the zoo network."""

import io
from datetime import timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.utils import timezone

from backend.analyses.models import Analysis, AnalysisResult, LayerRequest
from tests.backend.test_analyses_api import payload_bytes, upload_sample

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def resnet_fields(media_root) -> dict:
    """A ResNet50 (64×64, random weights) as network row values, its kernels exported once."""
    from backend.networks.models import Network
    from backend.networks.weights import attach_weight_files, export_weights, file_sha256
    from tests.fixtures.real_size import real_size_model_file
    from worker.runtime.introspection import describe_layers
    from worker.runtime.model_loading import load_keras_model

    path = real_size_model_file("resnet50")
    model = load_keras_model(path)
    exported = export_weights(path, Network(name="resnet-storage", version=1).weights_dir)
    return {
        "name": "resnet-storage",
        "version": 1,
        "public": True,
        "source": "zoo",
        "model_file": str(path),  # absolute: Network.model_path reads it as it is
        "weights_sha256": file_sha256(path),
        "labels": [f"class {i}" for i in range(10)],
        "input_spec": {
            "height": 64,
            "width": 64,
            "channels": 3,
            "scale": 1 / 127.5,
            "mean": [1.0],
            "std": [1.0],
            "resize": "stretch",
        },  # fmt: skip
        "layers": attach_weight_files(describe_layers(model), exported),
        "params": int(model.count_params()),
    }


@pytest.fixture
def resnet(db, resnet_fields):
    from backend.networks.models import Network

    return Network.objects.create(**resnet_fields)


def keras_output(network, image_id: int, name: str) -> np.ndarray:
    """Keras's own output of one layer for the uploaded image, computed directly."""
    import keras

    from backend.uploads.models import UploadedImage
    from worker.inputs.images import decode_image
    from worker.runtime.model_loading import load_keras_model

    handle = network.compute_handle()
    pixels = decode_image(UploadedImage.objects.get(pk=image_id).path.read_bytes()).pixels
    x = handle.preprocess(pixels)[np.newaxis]
    model = load_keras_model(network.model_path)
    return np.asarray(keras.Model(model.inputs, model.get_layer(name).output)(x))[0]


def load(response) -> np.ndarray:
    assert response.status_code == 200, response.content[:300]
    return np.load(io.BytesIO(payload_bytes(response)), allow_pickle=False)


def test_budget_path_on_resnet50(api, resnet, queued, run_queued, settings):
    settings.ANALYSIS_STORE_BUDGET_BYTES = 1_000_000
    image_id = upload_sample(api, 0)
    created = api.post("/api/analyses/", {"network": resnet.pk, "image": image_id}, "json")
    run_queued()
    body = api.get(f"/api/analyses/{created.json()['id']}/").json()
    assert body["job"]["status"] == "succeeded" and len(body["layers"]) == 176
    result = AnalysisResult.objects.get()
    on_disk = {p.name for p in result.path.iterdir()}
    assert 1 < len(on_disk) < 177  # some layers kept (and probabilities.npy), not all
    assert (
        body["disk_bytes"]
        == result.disk_bytes
        == sum(p.stat().st_size for p in result.path.iterdir())
    )
    # the layers within the budget; beside them the probabilities and the overview's previews
    extras = sum(
        (result.path / name).stat().st_size for name in ("probabilities.npy", "previews.csb")
    )
    assert result.disk_bytes <= 1_000_000 + extras

    # The whole bundle is refused with a sentence saying what to use.
    bundle = api.get(body["activations_url"])
    assert bundle.status_code == 409 and "one at a time" in bundle.json()["detail"]

    # The first convolution (the largest layer) is not stored: 202 and one job, however often
    # it is asked for.
    layer = next(item for item in body["layers"] if item["name"] == "conv1_conv")
    assert f"layer{layer['index']:03d}.npy" not in on_disk
    first = api.get(layer["url"] + "?dtype=float16")
    assert first.status_code == 202
    assert first.json()["detail"] == "This layer is being computed."
    job_id = first.json()["job"]
    again = api.get(layer["url"] + "?dtype=float16")
    assert again.status_code == 202 and again.json()["job"] == job_id
    assert queued == [{"job_id": job_id}] and LayerRequest.objects.count() == 1
    run_queued()
    job = api.get(f"/api/jobs/{job_id}/").json()
    assert job["status"] == "succeeded", job["message"]
    assert job["result_url"] == layer["url"]
    half = load(api.get(layer["url"] + "?dtype=float16"))
    assert half.dtype == np.float16 and list(half.shape) == layer["shape"]
    expected = keras_output(resnet, image_id, "conv1_conv")
    scale = np.abs(expected).max()
    np.testing.assert_allclose(half.astype(np.float32), expected, rtol=1e-3, atol=1e-3 * scale)
    grown = api.get(f"/api/analyses/{body['id']}/").json()["disk_bytes"]
    assert grown == body["disk_bytes"] + 128 + half.size * 2

    # Exact values of a float16 layer: computed and kept as float32, equal to Keras's.
    pending = api.get(layer["url"])
    assert pending.status_code == 202 and pending.json()["job"] != job_id
    run_queued()
    exact = load(api.get(layer["url"]))
    assert exact.dtype == np.float32
    np.testing.assert_allclose(exact, expected, rtol=1e-5, atol=1e-5 * scale)

    # The conv intermediate view needs its input exactly: computed first the same way.
    conv = next(item for item in resnet.layers if item["name"] == "conv2_block1_1_conv")
    url = f"/api/analyses/{body['id']}/activations/{conv['index']}/intermediate/?channel=3"
    waiting = api.get(url)
    assert waiting.status_code == 202 and waiting.json()["job"]
    run_queued()
    parts = load(api.get(url))
    bias = np.load(resnet.weights_file(conv["weights"]["bias"]))
    output = keras_output(resnet, image_id, "conv2_block1_1_conv")[..., 3]
    np.testing.assert_allclose(
        parts.sum(axis=0) + bias[3], output, rtol=1e-4, atol=1e-4 * np.abs(output).max()
    )


def analyse(api, network, index: int, queued, run_queued) -> Analysis:
    created = api.post(
        "/api/analyses/", {"network": network.pk, "image": upload_sample(api, index)}, "json"
    ).json()
    run_queued()
    return Analysis.objects.select_related("result").get(pk=created["id"])


def layer_names(result) -> set[str]:
    return {p.name for p in result.path.iterdir() if p.name.startswith("layer")}


def test_prune_results_age_quota_dry_run_and_recompute(
    api, user, zoo, queued, run_queued, settings
):
    network = zoo["tiny-vgg"]
    old, middle, new = (analyse(api, network, i, queued, run_queued) for i in range(3))
    now = timezone.now()
    for analysis, days in ((old, 40), (middle, 10), (new, 1)):
        AnalysisResult.objects.filter(pk=analysis.result_id).update(
            used_at=now - timedelta(days=days)
        )
    sizes = {
        a.pk: AnalysisResult.objects.get(pk=a.result_id).disk_bytes for a in (old, middle, new)
    }
    assert all(size > 0 for size in sizes.values())
    storage = api.get("/api/analyses/storage/").json()
    assert storage["disk_bytes"] == sum(sizes.values())
    assert storage["quota_bytes"] == settings.RESULT_QUOTA_BYTES_PER_USER
    full = layer_names(old.result)
    first = np.load(old.result.path / old.result.layers[0]["file"])

    # Age 30 days, quota big enough for two whole results and one pruned.
    settings.RESULT_MAX_AGE_DAYS = 30
    settings.RESULT_QUOTA_BYTES_PER_USER = sizes[old.pk] + sizes[middle.pk] + 1
    out = io.StringIO()
    call_command("prune_results", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "would free" in text and f"result {old.result_id}" in text and "age" in text
    assert f"result {middle.result_id}" in text and "quota of alice" in text
    assert f"result {new.result_id}" not in text
    assert all(layer_names(a.result) == full for a in (old, middle, new))  # nothing changed
    assert [AnalysisResult.objects.get(pk=a.result_id).disk_bytes for a in (old, middle, new)] == [
        sizes[a.pk] for a in (old, middle, new)
    ]

    out = io.StringIO()
    call_command("prune_results", stdout=out)
    assert "freed" in out.getvalue()
    assert layer_names(old.result) == set() and layer_names(middle.result) == set()
    assert layer_names(new.result) == full  # the newest kept: within the quota now
    assert (old.result.path / "probabilities.npy").is_file()  # the row and summary kept
    pruned = AnalysisResult.objects.get(pk=old.result_id)
    assert pruned.disk_bytes == (old.result.path / "probabilities.npy").stat().st_size
    total = api.get("/api/analyses/storage/").json()["disk_bytes"]
    assert total <= settings.RESULT_QUOTA_BYTES_PER_USER
    body = api.get(f"/api/analyses/{old.pk}/").json()
    assert body["disk_bytes"] == pruned.disk_bytes and body["prediction"]

    # A second run finds nothing more to free.
    out = io.StringIO()
    call_command("prune_results", stdout=out)
    assert "0 result(s)" in out.getvalue()

    # A pruned layer is computed again on request, with the same values.
    url = body["layers"][0]["url"]
    waiting = api.get(url)
    assert waiting.status_code == 202
    run_queued()
    np.testing.assert_array_equal(load(api.get(url)), first)
    assert api.get(f"/api/analyses/{old.pk}/").json()["disk_bytes"] > pruned.disk_bytes


def test_shared_results_keep_their_files(api, user, zoo, queued, run_queued, settings):
    from backend.sharing.models import ShareLink

    shared = analyse(api, zoo["tiny-vgg"], 0, queued, run_queued)
    ShareLink.objects.create(owner=user, analysis=shared, token_hash="0" * 64)
    AnalysisResult.objects.update(used_at=timezone.now() - timedelta(days=400))
    settings.RESULT_QUOTA_BYTES_PER_USER = 0
    before = layer_names(shared.result)
    call_command("prune_results", stdout=io.StringIO())
    assert layer_names(shared.result) == before and before
