"""Training history (issue 8 part 4): analyses and layer weights of a zoo network as it was
after each training epoch, from its checkpoints (history_network: Tiny VGG trained quickly
with three checkpoints, see tests/conftest.py)."""

import io

import numpy as np
import pytest

from backend.analyses.models import AnalysisResult

pytestmark = pytest.mark.django_db

SAMPLE = {"dataset": "fashion-mnist", "index": 0}


def payload_bytes(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def analyse(api, run_queued, network, **extra) -> dict:
    response = api.post(
        "/api/analyses/", {"network": network.pk, "sample": SAMPLE, **extra}, format="json"
    )
    assert response.status_code == 202, response.json()
    run_queued()
    result = api.get(f"/api/analyses/{response.json()['id']}/").json()
    assert result["job"]["status"] == "succeeded", result["job"]
    return result


def probabilities(result: dict) -> np.ndarray:
    out = np.zeros(len(result["prediction"]))
    for row in result["prediction"]:
        out[row["index"]] = row["probability"]
    return out


def test_zoo_registration_lists_the_checkpoints(api, zoo, history_network):
    detail = api.get(f"/api/networks/{history_network.pk}/").json()
    assert detail["checkpoint_epochs"] == [1, 2, 3]
    for row in detail["history"]:
        assert row["checkpoint"].endswith(f"checkpoints/epoch_{row['epoch']:02d}.weights.h5")
        assert 0.3 < row["test_accuracy"] <= 1
    assert detail["history"][-1]["test_accuracy"] == detail["test_accuracy"]
    # Both zoo networks ship a checkpoint per epoch of their recipes.
    tiny = api.get(f"/api/networks/{zoo['tiny-vgg'].pk}/").json()
    assert tiny["checkpoint_epochs"] == [1, 2, 3, 4]
    assert tiny["history"][-1]["test_accuracy"] == tiny["test_accuracy"]
    deep = api.get(f"/api/networks/{zoo['deep-bn'].pk}/").json()
    assert deep["checkpoint_epochs"] == list(range(1, 13))
    assert deep["history"][-1]["test_accuracy"] == deep["test_accuracy"]


def test_analysis_at_an_early_epoch_differs_from_the_trained_network(
    api, history_network, run_queued
):
    network = history_network
    trained = analyse(api, run_queued, network)
    early = analyse(api, run_queued, network, epoch=1)
    last = analyse(api, run_queued, network, epoch=3)
    assert trained["epoch"] is None and early["epoch"] == 1
    assert last["epoch"] is None  # the last epoch is the trained network: one stored result
    assert not np.allclose(probabilities(early), probabilities(trained), atol=1e-3)
    np.testing.assert_array_equal(probabilities(last), probabilities(trained))
    # activations differ too, and each (network, image, epoch) is stored once
    first_early = np.load(io.BytesIO(payload_bytes(api.get(early["layers"][0]["url"]))))
    first_trained = np.load(io.BytesIO(payload_bytes(api.get(trained["layers"][0]["url"]))))
    assert first_early.shape == first_trained.shape
    assert not np.array_equal(first_early, first_trained)
    again = analyse(api, run_queued, network, epoch=1)
    assert again["job"]["message"] == "Reused a stored result."
    assert probabilities(again).tolist() == probabilities(early).tolist()
    assert sorted(AnalysisResult.objects.values_list("epoch", flat=True)) == [0, 1]


def test_conv_intermediate_uses_the_epoch_kernel(api, history_network, run_queued):
    network = history_network
    early = analyse(api, run_queued, network, epoch=2)
    conv = next(layer for layer in network.layers if layer["type"] == "Conv2D")
    url = f"/api/analyses/{early['id']}/activations/{conv['index']}/intermediate/?channel=0"
    parts = np.load(io.BytesIO(payload_bytes(api.get(url))))
    activation = np.load(io.BytesIO(payload_bytes(api.get(early["layers"][0]["url"]))))
    bias = np.load(
        io.BytesIO(
            payload_bytes(
                api.get(f"/api/networks/{network.pk}/layers/{conv['index']}/bias/?epoch=2")
            )
        )
    )
    # relu(sum of the parts + bias) is that epoch's stored activation
    rebuilt = np.maximum(parts.sum(axis=0) + bias[0], 0)
    np.testing.assert_allclose(
        rebuilt, activation.reshape(activation.shape[-3:])[..., 0], atol=1e-4
    )


@pytest.mark.parametrize(
    ("name", "epoch", "sentence"),
    [
        ("tiny-vgg-history", 0, "Choose an epoch from 1 to 3."),
        ("tiny-vgg-history", 4, "Choose an epoch from 1 to 3."),
        ("tiny-vgg", 5, "Choose an epoch from 1 to 4."),
        ("deep-bn", 13, "Choose an epoch from 1 to 12."),
        ("no-history", 1, "This network has no training history"),
    ],
)
def test_bad_epoch_is_refused(api, zoo, history_network, queued, name, epoch, sentence):
    if name == "no-history":  # a network trained elsewhere: no checkpoints
        network = zoo["deep-bn"]
        network.history = [{k: v for k, v in row.items() if k != "checkpoint"}
                           for row in network.history]  # fmt: skip
        network.save()
    else:
        network = history_network if name == history_network.name else zoo[name]
    response = api.post(
        "/api/analyses/",
        {"network": network.pk, "sample": SAMPLE, "epoch": epoch},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["epoch"][0].startswith(sentence)
    assert sentence in response.json()["detail"]
    assert queued == []


def test_layer_weights_per_epoch(api, history_network):
    network = history_network
    base = f"/api/networks/{network.pk}/layers/0/kernel/"
    trained = np.load(io.BytesIO(payload_bytes(api.get(base))))
    early = np.load(io.BytesIO(payload_bytes(api.get(base + "?epoch=1"))))
    last = np.load(io.BytesIO(payload_bytes(api.get(base + "?epoch=3"))))
    assert early.shape == trained.shape and not np.array_equal(early, trained)
    np.testing.assert_array_equal(last, trained)
    from keras import saving  # the exported file is the checkpoint's kernel

    model = saving.load_model(network.model_path, compile=False, safe_mode=True)
    model.load_weights(str(network.checkpoint_path(1)))
    np.testing.assert_array_equal(early, model.get_layer("conv_1_1").get_weights()[0])
    for bad in ("0", "9", "x"):
        response = api.get(base + f"?epoch={bad}")
        assert response.status_code == 400 and "epoch" in response.json()["errors"]
