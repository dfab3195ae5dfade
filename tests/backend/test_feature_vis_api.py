"""Feature visualisation through the API, with the real task body run in-process."""

import copy
import io

import numpy as np
import pytest
from PIL import Image

from backend.features.models import FeatureVis, FeatureVisResult
from tests.backend.test_analyses_api import payload_bytes

pytestmark = pytest.mark.django_db

FEW_STEPS = 8


def done(api, body: dict, run_queued) -> dict:
    response = api.post("/api/feature-vis/", body, format="json")
    assert response.status_code == 202, response.content
    run_queued()
    result = api.get(f"/api/feature-vis/{response.json()['id']}/").json()
    assert result["job"]["status"] == "succeeded", result["job"]["message"]
    return result


def test_one_image_per_filter_then_the_stored_result(api, other_api, zoo, run_queued, queued):
    network = zoo["tiny-vgg"]
    body = {"network": network.pk, "layer": "conv_2_2", "filters": [3, 1], "steps": FEW_STEPS}
    result = done(api, body, run_queued)
    assert result["kind"] == "filters" and result["layer"] == "conv_2_2"
    assert result["filters"] == [1, 3] and result["targets"] == [1, 3]
    assert result["params"] == {
        "steps": FEW_STEPS, "seed": 0, "images_per_filter": 1, "diversity": 0.0,
    }  # fmt: skip
    assert len(result["activations"]) == 2 and len(result["image_urls"]) == 2
    height, width, channels = network.input_spec["height"], network.input_spec["width"], 1
    assert result["image_shape"] == [2, height, width, channels]

    images = api.get(result["images_url"])
    assert images.status_code == 200 and images["Content-Type"] == "application/octet-stream"
    array = np.load(io.BytesIO(payload_bytes(images)), allow_pickle=False)
    assert array.dtype == np.uint8 and array.shape == (2, height, width, channels)
    png = api.get(result["image_urls"][1])
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    pixels = np.asarray(Image.open(io.BytesIO(payload_bytes(png))))
    assert (pixels == array[1, ..., 0]).all()
    assert api.get(f"/api/feature-vis/{result['id']}/images/2/").status_code == 404

    # The same request again, by another user: answered at once, nothing computed.
    again = other_api.post("/api/feature-vis/", {**body, "filters": [1, 3]}, format="json")
    assert again.status_code == 202
    assert again.json()["job"]["status"] == "succeeded" and queued == []
    assert again.json()["activations"] == result["activations"]
    assert FeatureVisResult.objects.count() == 1 and FeatureVis.objects.count() == 2
    # Each user lists their own request only, and reaches no one else's.
    mine = api.get("/api/feature-vis/", {"network": network.pk, "layer": "conv_2_2"}).json()
    ids = [item["id"] for item in mine]
    assert ids == [result["id"]]
    assert other_api.get(f"/api/feature-vis/{result['id']}/").status_code == 404
    assert other_api.get(result["images_url"]).status_code == 404
    # A different seed is a different result.
    other_seed = other_api.post("/api/feature-vis/", {**body, "seed": 1}, format="json")
    assert other_seed.json()["job"]["status"] == "queued" and len(queued) == 1


def test_all_filters_by_default_with_images_per_filter(api, zoo, run_queued):
    network = zoo["tiny-vgg"]
    body = {"network": network.pk, "layer": "conv_1_1", "steps": 4, "images_per_filter": 2,
            "diversity": 1.0}  # fmt: skip
    result = done(api, body, run_queued)
    count = next(x for x in network.layers if x["name"] == "conv_1_1")["output_shape"][-1]
    assert result["filters"] == list(range(count))
    assert result["targets"] == [f for f in range(count) for _ in range(2)]
    assert result["image_shape"][0] == 2 * count == len(result["activations"])


def test_class_visualisations_of_the_output(api, zoo, run_queued):
    network = zoo["tiny-vgg"]
    body = {"network": network.pk, "kind": "classes", "filters": [0, 9], "steps": FEW_STEPS}
    result = done(api, body, run_queued)
    assert result["kind"] == "classes" and result["layer"] is None
    assert result["labels"] == [network.labels[0], network.labels[9]]
    assert result["image_shape"][0] == 2


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"layer": "flatten"}, "no spatial"),
        ({"layer": "no-such-layer"}, "no spatial"),
        ({}, "Choose a layer"),
        ({"layer": "conv_2_2", "filters": [32]}, "outside 0..31"),
        ({"layer": "conv_2_2", "filters": []}, "non-empty"),
        ({"layer": "conv_2_2", "filters": ["a"]}, "whole numbers"),
        ({"layer": "conv_2_2", "steps": 0}, "steps"),
        ({"layer": "conv_2_2", "images_per_filter": 5}, "images_per_filter"),
        ({"layer": "conv_2_2", "diversity": -1}, "diversity"),
        ({"layer": "conv_2_2", "kind": "classes"}, "leave"),
        ({"kind": "classes", "filters": [10]}, "outside 0..9"),
    ],
)
def test_bad_requests_are_refused_with_a_sentence(api, zoo, queued, body, words):
    response = api.post("/api/feature-vis/", {"network": zoo["tiny-vgg"].pk, **body}, format="json")
    assert response.status_code == 400, response.content
    assert words in str(response.json()), response.json()
    assert queued == [] and FeatureVis.objects.count() == 0


def test_a_network_you_cannot_see_is_not_found(api, zoo, make_user, queued):
    from tests.fixtures.networks import private_network

    hidden = private_network(make_user("bob"), zoo["tiny-vgg"], "bobs-vgg")
    response = api.post(
        "/api/feature-vis/", {"network": hidden.pk, "layer": "conv_2_2"}, format="json"
    )
    assert response.status_code == 404 and queued == []


def test_large_inputs_are_optimised_at_a_reduced_side(zoo):
    """Networks with inputs above 128 px get images optimised at 128 px (resized for the
    network); smaller ones keep the input size and the keys of their stored results."""
    from backend.features.services import OPTIMISE_SIDE, clean_request

    network = zoo["tiny-vgg"]
    body = {"layer": "conv_2_2", "filters": [0]}
    assert "size" not in clean_request(network, body)["params"]
    network.input_spec = {**network.input_spec, "height": 224, "width": 224}
    assert clean_request(network, body)["params"]["size"] == OPTIMISE_SIDE == 128


def test_large_layers_are_asked_for_a_page_at_a_time(api, zoo, run_queued):
    """Without "filters": the whole layer up to 32 filters (or classes), else the first 16;
    the next pages, or all, by listing them. The answer says how many the layer has."""
    from backend.features.services import PAGE_SIZE, WHOLE_LAYER, clean_request

    network = zoo["tiny-vgg"]
    assert clean_request(network, {"layer": "conv_2_2"})["filters"] == list(range(32))
    network.layers = copy.deepcopy(network.layers)  # the session's zoo rows stay as they are
    conv = next(x for x in network.layers if x["name"] == "conv_2_2")
    conv["output_shape"] = [*conv["output_shape"][:-1], 128]
    assert (PAGE_SIZE, WHOLE_LAYER) == (16, 32)
    assert clean_request(network, {"layer": "conv_2_2"})["filters"] == list(range(16))
    every = clean_request(network, {"layer": "conv_2_2", "filters": list(range(128))})
    assert every["filters"] == list(range(128))
    network.labels = [f"class {i}" for i in range(100)]
    assert clean_request(network, {"kind": "classes"})["filters"] == list(range(16))

    body = {"network": network.pk, "layer": "conv_2_2", "filters": [0, 1], "steps": 2}
    result = done(api, body, run_queued)
    assert result["filter_count"] == 32 and result["filters"] == [0, 1]
    classes = done(api, {"network": network.pk, "kind": "classes", "steps": 2}, run_queued)
    assert classes["filter_count"] == 10 and classes["filters"] == list(range(10))
