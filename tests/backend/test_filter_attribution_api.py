"""What made each filter fire: the API (202 + job, arrays, reuse), its refusals (unknown or
non-conv layer, bad rule, another user's analysis, a real-size layer too slow for the worker)."""

import io

import numpy as np
import pytest

from backend.explanations import filter_services
from backend.jobs import costs
from tests.backend.test_analyses_api import payload_bytes, upload_sample
from tests.backend.test_job_costs import resnet224, resnet224_layers  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
URL = "/api/filter-attributions/"


def _analysis(api, network, run_queued, index: int = 3) -> int:
    image_id = upload_sample(api, index)
    created = api.post("/api/analyses/", {"network": network.pk, "image": image_id}, format="json")
    run_queued()
    return created.json()["id"]


def _npy(api, url, **params) -> np.ndarray:
    response = api.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return np.load(io.BytesIO(payload_bytes(response)), allow_pickle=False)


def test_every_filter_explained_and_reused(api, zoo, run_queued, queued):
    network = zoo["tiny-vgg"]
    analysis = _analysis(api, network, run_queued)
    body = {"analysis": analysis, "layer": "conv_2_2"}
    created = api.post(URL, body, format="json")
    assert created.status_code == 202, created.content
    assert created.json()["job"]["status"] == "queued"
    run_queued()
    done = api.get(f"{URL}{created.json()['id']}/").json()
    assert done["job"]["status"] == "succeeded", done["job"]
    summary = done["summary"]
    assert summary["filters"] == 32 and summary["rule"] == "max"
    assert summary["shape"] == [28, 28]
    guided = _npy(api, done["guided_url"])
    gradient = _npy(api, done["gradient_url"], dtype="float32")
    assert guided.dtype == np.float16 and guided.shape == (32, 28, 28)
    assert gradient.dtype == np.float32 and gradient.shape == (32, 28, 28)
    assert float(guided.min()) >= 0 and float(guided.max()) > 0
    assert np.isclose(float(np.abs(gradient).max()), summary["gradient_absmax"], rtol=1e-6)
    # the same (network version, image, layer, rule) again: no new job, the stored result
    again = api.post(URL, body, format="json")
    assert again.status_code == 202
    assert again.json()["job"]["status"] == "succeeded" and not queued
    assert again.json()["summary"] == summary
    # the sum rule is another result
    other = api.post(URL, {**body, "rule": "sum"}, format="json")
    assert other.json()["job"]["status"] == "queued"


def test_bad_requests_are_4xx(api, other_api, zoo, run_queued):
    network = zoo["tiny-vgg"]
    analysis = _analysis(api, network, run_queued)
    for layer, words in (("conv_9_9", "no layer"), ("max_pool_1", "not a convolutional")):
        response = api.post(URL, {"analysis": analysis, "layer": layer}, format="json")
        assert response.status_code == 400
        assert words in response.json()["detail"]
    response = api.post(URL, {"analysis": analysis, "layer": "conv_1_1", "rule": "mean"},
                        format="json")  # fmt: skip
    assert response.status_code == 400
    # another user's analysis, and another user's result, are not found
    foreign = other_api.post(URL, {"analysis": analysis, "layer": "conv_1_1"}, format="json")
    assert foreign.status_code == 404
    mine = api.post(URL, {"analysis": analysis, "layer": "conv_1_1"}, format="json").json()
    run_queued()
    assert other_api.get(f"{URL}{mine['id']}/").status_code == 404
    assert other_api.get(f"{URL}{mine['id']}/guided/").status_code == 404
    assert other_api.get(URL).json() == []


def test_too_slow_refused_with_what_to_change(api, zoo, run_queued, resnet224, settings):  # noqa: F811
    task = filter_services.TASK_NAME
    assert costs.check_filter_attribution(resnet224, "conv1_conv", 64, task).seconds < 60
    last = filter_services.layer_filters(resnet224, "conv5_block3_3_conv")
    assert last == 2048
    with pytest.raises(costs.TooCostly, match="Choose a layer nearer the input"):
        costs.check_filter_attribution(resnet224, "conv5_block3_3_conv", last, task)
    # through the API: a server far too slow refuses before anything is queued
    analysis = _analysis(api, zoo["tiny-vgg"], run_queued)
    settings.CONVSCOPE_COMPUTE_MACS = 1e3
    response = api.post(URL, {"analysis": analysis, "layer": "conv_2_2"}, format="json")
    assert response.status_code == 400
    assert "32 filters of conv_2_2" in response.json()["detail"]
