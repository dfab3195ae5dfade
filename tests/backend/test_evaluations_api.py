"""Dataset-level views through the API, with the real task body run in-process."""

import io
import json

import numpy as np
import pytest
from django.core.management import call_command

from backend.evaluations.models import DatasetView, DatasetViewResult
from backend.jobs.models import Job
from tests.backend.test_analyses_api import payload_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def fashion_test():
    from datasets.registry import get_dataset

    return get_dataset("fashion-mnist").load("test")


def done(api, route: str, body: dict, run_queued) -> dict:
    response = api.post(f"/api/{route}/", body, format="json")
    assert response.status_code == 202, response.content
    run_queued()
    result = api.get(f"/api/{route}/{response.json()['id']}/").json()
    assert result["job"]["status"] == "succeeded", result["job"]["message"]
    return result


def test_evaluation_matches_scikit_learn_and_the_manifest(api, zoo, run_queued, queued):
    from sklearn.metrics import confusion_matrix

    network = zoo["tiny-vgg"]
    result = done(api, "evaluations", {"network": network.pk}, run_queued)
    summary = result["summary"]
    assert result["dataset"] == "fashion-mnist" and summary["count"] == 10000
    assert summary["accuracy"] == pytest.approx(network.test_accuracy, abs=1e-4)
    confusion = np.array(summary["confusion"])
    assert confusion.sum() == 10000
    assert np.trace(confusion) / 10000 == pytest.approx(summary["accuracy"])
    # The stored predictions give scikit-learn's matrix.
    view = DatasetView.objects.get(pk=result["id"])
    truth = np.load(view.result.path / "labels.npy")
    predicted = np.load(view.result.path / "predictions.npy")
    assert (confusion_matrix(truth, predicted) == confusion).all()
    # Asking again reuses the stored result.
    again = api.post("/api/evaluations/", {"network": network.pk}, format="json").json()
    assert again["job"]["status"] == "succeeded" and queued == []
    assert DatasetViewResult.objects.count() == 1


def test_examples_behind_a_confusion_cell(api, zoo, run_queued):
    network = zoo["tiny-vgg"]
    result = done(api, "evaluations", {"network": network.pk}, run_queued)
    confusion = result["summary"]["confusion"]
    shirt, tshirt = network.labels.index("Shirt"), network.labels.index("T-shirt/top")
    url = f"/api/evaluations/{result['id']}/examples/"
    page = api.get(url, {"true": shirt, "predicted": tshirt, "limit": 500}).json()
    assert page["count"] == confusion[shirt][tshirt] > 0
    rows = page["results"]
    assert all(r["true"] == shirt and r["predicted"] == tshirt for r in rows)
    assert [r["probability"] for r in rows] == sorted((r["probability"] for r in rows),
                                                      reverse=True)  # fmt: skip
    assert api.get(rows[0]["image_url"])["Content-Type"] == "image/png"
    detail = api.get(f"{url}{rows[0]['index']}/").json()
    assert detail["predicted"] == tshirt and len(detail["probabilities"]) == 10
    assert sum(detail["probabilities"]) == pytest.approx(1, abs=1e-4)
    assert max(detail["probabilities"]) == pytest.approx(rows[0]["probability"])
    wrong = api.get(url, {"misclassified": 1, "limit": 5}).json()
    assert wrong["count"] == 10000 - np.trace(np.array(confusion))
    assert api.get(url, {"true": 10}).status_code == 400
    assert api.get(f"{url}10000/").status_code == 404


def test_embedding_pca_of_a_subset(api, zoo, run_queued, fashion_test):
    network = zoo["tiny-vgg"]
    body = {"network": network.pk, "method": "pca", "subset": 300}
    result = done(api, "embeddings", body, run_queued)
    assert result["layer"] == "flatten" and result["summary"]["count"] == 300
    coords = np.load(io.BytesIO(payload_bytes(api.get(result["coords_url"]))))
    points = np.load(io.BytesIO(payload_bytes(api.get(result["points_url"]))))
    assert coords.shape == (300, 2) and coords.dtype == np.float32
    assert points.shape == (300, 3) and points.dtype == np.int32
    _, labels = fashion_test
    assert (points[:, 1] == labels[points[:, 0]]).all()
    assert len(set(points[:, 0])) == 300 and (np.diff(points[:, 0]) > 0).all()
    # Another subset size is another result; the same request is cached.
    again = api.post("/api/embeddings/", body, format="json").json()
    assert again["job"]["status"] == "succeeded"


def test_top_activating_examples_are_the_maxima(api, zoo, run_queued, fashion_test):
    from worker.runtime.model_loading import load_keras_model

    network = zoo["tiny-vgg"]
    body = {"network": network.pk, "layer": "conv_2_2", "k": 3}
    summary = done(api, "top-activations", body, run_queued)["summary"]
    shape = next(layer["output_shape"] for layer in network.layers if layer["name"] == "conv_2_2")
    assert summary["layer"] == "conv_2_2" and summary["shape"] == shape
    assert len(summary["filters"]) == shape[-1]
    assert all(len(row["examples"]) == 3 for row in summary["filters"])
    import keras

    model = load_keras_model(network.model_path)
    probe = keras.Model(model.inputs, model.get_layer("conv_2_2").output)
    images, _ = fashion_test
    for row in summary["filters"][:3]:
        for example in row["examples"]:
            x = images[example["index"]][np.newaxis].astype(np.float32) / 255
            activation = probe([x]).numpy()[0, :, :, row["filter"]]
            assert activation.max() == pytest.approx(example["value"], rel=1e-4, abs=1e-5)
            assert activation[example["y"], example["x"]] == pytest.approx(example["value"])
            top, left, bottom, right = example["box"]
            assert 0 <= top < bottom <= 28 and 0 <= left < right <= 28
            assert example["image_url"].endswith(f"/{example['index']}/image/")


@pytest.mark.parametrize(
    ("route", "body", "fragment"),
    [
        ("embeddings", {"method": "mds"}, "method"),
        ("embeddings", {"method": "pca", "layer": "nope"}, "no layer"),
        ("embeddings", {"method": "tsne", "params": {"perplexity": 0}}, "perplexity"),
        ("embeddings", {"method": "pca", "subset": 3}, "subset"),
        ("top-activations", {"layer": "flatten"}, "no spatial output"),
        ("top-activations", {"layer": "conv_1_1", "k": 0}, "k"),
    ],
)
def test_bad_requests_get_a_400_and_store_nothing(api, zoo, queued, route, body, fragment):
    response = api.post(f"/api/{route}/", {"network": zoo["tiny-vgg"].pk, **body}, format="json")
    assert response.status_code == 400
    assert fragment in json.dumps(response.json())
    assert DatasetView.objects.count() == 0 and Job.objects.count() == 0 and queued == []


def test_a_network_without_a_dataset_is_refused(api, zoo, queued):
    network = zoo["tiny-vgg"]
    network.dataset = None
    network.save()
    response = api.post("/api/evaluations/", {"network": network.pk}, format="json")
    assert response.status_code == 400 and "dataset" in response.json()["detail"]


def test_requests_are_private(api, other_api, zoo, run_queued):
    result = done(api, "evaluations", {"network": zoo["tiny-vgg"].pk}, run_queued)
    assert other_api.get(f"/api/evaluations/{result['id']}/").status_code == 404
    assert other_api.get(f"/api/evaluations/{result['id']}/examples/").status_code == 404
    assert other_api.get("/api/evaluations/").json() == []


def test_evaluate_command_prints_json(zoo, capsys):
    call_command("evaluate", network="tiny-vgg", json=True)
    output = json.loads(capsys.readouterr().out)
    assert set(output) >= {"network", "accuracy", "labels", "confusion"}
    assert output["network"] == "tiny-vgg" and len(output["labels"]) == 10
    confusion = np.array(output["confusion"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10000
    assert output["accuracy"] == pytest.approx(np.trace(confusion) / 10000)
    call_command("evaluate", network="tiny-vgg")
    assert "accuracy 0.90" in capsys.readouterr().out


def test_embed_command_saves_coordinates(zoo, capsys, tmp_path):
    out = tmp_path / "emb" / "tiny.npy"
    call_command("embed", network="tiny-vgg", method="pca", subset=200, out=out)
    output = json.loads(capsys.readouterr().out)
    assert output["layer"] == "flatten" and output["count"] == 200
    assert np.load(out).shape == (200, 2) and np.load(output["points_npy"]).shape == (200, 3)
