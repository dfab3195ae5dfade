"""Comparing two networks through the API, with the real task body run in-process."""

import numpy as np
import pytest

from backend.comparisons.models import ComparisonResult
from backend.evaluations.models import DatasetViewResult

pytestmark = pytest.mark.django_db


def _copy(network, **changes):
    """Another row of the same network file (a private upload, another dataset, …)."""
    from backend.networks.models import Network

    fields = {f.name: getattr(network, f.name) for f in Network._meta.concrete_fields
              if f.name not in ("id", "created_at")}  # fmt: skip
    fields.update(name=network.name + "-copy", **changes)
    return Network.objects.create(**fields)


def run(api, body: dict, run_queued) -> dict:
    response = api.post("/api/comparisons/", body, format="json")
    assert response.status_code == 202, response.content
    run_queued()
    result = api.get(f"/api/comparisons/{response.json()['id']}/").json()
    assert result["job"]["status"] == "succeeded", result["job"]["message"]
    return result


def test_the_test_split_comparison_is_built_from_both_evaluations(api, zoo, run_queued, queued):
    a, b = zoo["tiny-vgg"], zoo["deep-bn"]
    body = {"kind": "test-split", "network_a": a.pk, "network_b": b.pk}
    result = run(api, body, run_queued)
    summary = result["summary"]
    assert summary["count"] == 10000 and result["dataset"] == "fashion-mnist"
    assert summary["accuracy_a"] == pytest.approx(a.test_accuracy, abs=1e-4)
    assert summary["accuracy_b"] == pytest.approx(b.test_accuracy, abs=1e-4)
    conf_a, conf_b = np.array(summary["confusion_a"]), np.array(summary["confusion_b"])
    assert (np.array(summary["confusion_difference"]) == conf_b - conf_a).all()
    assert np.diag(conf_a).tolist() == [
        round(r * s) for r, s in zip(summary["recall_a"], summary["support"], strict=True)
    ]
    # both evaluations were stored on the way (Evaluate reuses them)
    assert DatasetViewResult.objects.filter(kind="evaluation").count() == 2
    # net change on the diagonal = images only B gets right − images only A gets right
    assert np.trace(conf_b - conf_a) == summary["only_b_right"] - summary["only_a_right"]
    rows = summary["disagreements"]
    assert rows and all(r["predicted_a"] != r["predicted_b"] for r in rows)
    strength = [min(r["probability_a"], r["probability_b"]) for r in rows]
    assert strength == sorted(strength, reverse=True)
    assert rows[0]["image_url"].endswith(f"/samples/{rows[0]['index']}/image/")
    # a click on a cell: the images one network gets right and the other puts there
    shirt, tshirt = a.labels.index("Shirt"), a.labels.index("T-shirt/top")
    url = f"/api/comparisons/{result['id']}/examples/"
    page = api.get(url, {"true": shirt, "predicted": tshirt}).json()
    assert page["count"] > 0
    for row in page["results"]:
        assert row["true"] == shirt
        right, wrong = ("a", "b") if row["right"] == "a" else ("b", "a")
        assert row[f"predicted_{right}"] == shirt and row[f"predicted_{wrong}"] == tshirt
    diagonal = api.get(url, {"true": shirt, "predicted": shirt}).json()
    only = sum(1 for r in diagonal["results"] if r["right"] == "b")
    assert diagonal["count"] >= only
    assert api.get(url, {"true": 99, "predicted": 0}).status_code == 400
    # the same request again reuses the stored result
    queued.clear()
    again = api.post("/api/comparisons/", body, format="json").json()
    assert again["job"]["status"] == "succeeded" and queued == []
    assert ComparisonResult.objects.count() == 1


def test_layer_similarity_of_two_epochs(api, zoo, history_network, run_queued):
    layers = [layer["name"] for layer in history_network.layers]
    body = {"network_a": history_network.pk, "network_b": history_network.pk, "epoch_a": 1,
            "epoch_b": 2, "images": 100, "layers_a": layers[:3], "layers_b": layers}  # fmt: skip
    result = run(api, body, run_queued)
    summary = result["summary"]
    assert result["kind"] == "layer-similarity" and summary["images"] == 100
    assert summary["layers_a"] == layers[:3] and summary["layers_b"] == layers
    cka = np.array(summary["cka"])
    assert cka.shape == (3, len(layers))
    assert (cka <= 1 + 1e-6).all() and cka[0, 0] > 0.5
    assert summary["label_a"].endswith("(epoch 1)")


@pytest.mark.parametrize(
    "change, status, words",
    [
        ({"epoch_a": 9}, 400, "Choose an epoch"),
        ({"epoch_b": 1, "network_b": "same"}, 400, "two different"),
        ({"images": 5}, 400, "images"),
        ({"layers_b": ["no-such-layer"]}, 400, "no layer"),
        ({"network_b": "private"}, 404, "no such network"),
        ({"network_b": "other-dataset", "kind": "test-split"}, 400, "same dataset"),
    ],
)
def test_bad_requests_are_refused_with_a_sentence(
    api, zoo, history_network, other_user, change, status, words
):
    from backend.datasets.models import Dataset

    body = {"network_a": history_network.pk, "network_b": zoo["tiny-vgg"].pk, "epoch_a": 1}
    body.update(change)
    if body["network_b"] == "same":
        body["network_b"] = history_network.pk
    elif body["network_b"] == "private":
        body["network_b"] = _copy(zoo["tiny-vgg"], owner=other_user, public=False).pk
    elif body["network_b"] == "other-dataset":
        body["network_b"] = _copy(zoo["tiny-vgg"], dataset=Dataset.objects.get(name="digits")).pk
    response = api.post("/api/comparisons/", body, format="json")
    assert response.status_code == status, response.content
    assert words.lower() in response.content.decode().lower()


def test_a_comparison_too_large_for_the_time_limit_is_refused(api, zoo, settings):
    settings.CONVSCOPE_COMPUTE_MACS = 1e6  # a very slow server
    body = {"network_a": zoo["deep-bn"].pk, "network_b": zoo["tiny-vgg"].pk}
    response = api.post("/api/comparisons/", body, format="json")
    assert response.status_code == 400
    assert (
        "Compare on at most" in response.json()["detail"]
        or "too large" in response.content.decode()
    )


def test_another_users_comparison_is_not_theirs(api, other_api, zoo, history_network, run_queued):
    body = {"network_a": history_network.pk, "network_b": history_network.pk, "epoch_a": 1,
            "images": 20, "layers_a": [history_network.layers[0]["name"]]}  # fmt: skip
    result = run(api, body, run_queued)
    assert other_api.get(f"/api/comparisons/{result['id']}/").status_code == 404
