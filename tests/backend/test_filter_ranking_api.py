"""Filter ranking through the API: a cached, job-backed dataset view of one conv layer."""

import numpy as np
import pytest
from rest_framework.test import APIClient

from backend.evaluations.models import DatasetViewResult
from tests.fixtures.networks import private_network

pytestmark = pytest.mark.django_db


def start(api, body: dict):
    return api.post("/api/filter-rankings/", body, format="json")


def test_ranking_rows_and_reuse(api, zoo, queued, run_queued):
    network = zoo["tiny-vgg"]
    response = start(api, {"network": network.pk, "layer": "conv_2_1", "subset": 200})
    assert response.status_code == 202, response.content
    assert response.json()["job"]["status"] == "queued" and response.json()["summary"] is None
    run_queued()
    result = api.get(f"/api/filter-rankings/{response.json()['id']}/").json()
    assert result["job"]["status"] == "succeeded", result["job"]["message"]
    summary = result["summary"]
    assert summary["layer"] == "conv_2_1" and summary["subset_size"] == 200
    assert summary["sample_size"] == 500 and summary["filters"] == len(summary["rows"])
    assert [row["filter"] for row in summary["rows"]] == list(range(summary["filters"]))
    row = summary["rows"][0]
    assert set(row) == {
        "filter", "kernel_norm", "mean_activation", "max_activation", "active_fraction",
        "dead", "ablation_accuracy", "ablation_drop",
    }  # fmt: skip
    drops = [r["ablation_drop"] for r in summary["rows"]]
    accuracies = [r["ablation_accuracy"] for r in summary["rows"]]
    assert np.allclose(np.array(drops) + accuracies, summary["baseline_accuracy"])
    assert summary["baseline_accuracy"] > 0.8
    # The same request again is answered from the stored result, with no new job queued.
    again = start(api, {"network": network.pk, "layer": "conv_2_1", "subset": 200})
    assert again.json()["job"]["status"] == "succeeded" and queued == []
    assert again.json()["summary"]["rows"] == summary["rows"]
    assert DatasetViewResult.objects.filter(kind="filter-ranking").count() == 1
    listed = api.get(f"/api/filter-rankings/?network={network.pk}").json()
    assert {item["id"] for item in listed} == {result["id"], again.json()["id"]}
    assert api.get("/api/evaluations/").json() == []  # kinds do not mix


@pytest.mark.parametrize(
    "body, message",
    [
        ({"layer": "max_pool_1"}, "convolution layer"),
        ({"layer": "nope"}, "convolution layer"),
        ({"layer": "conv_2_1", "subset": 5}, "subset"),
        ({}, "layer"),
    ],
)
def test_bad_requests_are_refused(api, zoo, queued, body, message):
    response = start(api, {"network": zoo["tiny-vgg"].pk, **body})
    assert response.status_code == 400
    assert message in str(response.json())
    assert queued == []


def test_others_cannot_see_rankings_or_private_networks(api, zoo, make_user, queued):
    owner = make_user("owner")
    tiny = zoo["tiny-vgg"]
    hidden = private_network(owner, tiny, "owners-vgg", dataset=tiny.dataset)
    assert start(api, {"network": hidden.pk, "layer": "conv_2_1"}).status_code == 404
    mine = APIClient()
    mine.force_authenticate(owner)
    created = start(mine, {"network": hidden.pk, "layer": "conv_2_1"}).json()
    assert api.get(f"/api/filter-rankings/{created['id']}/").status_code == 404
    assert api.get("/api/filter-rankings/").json() == []
    assert APIClient().get("/api/filter-rankings/").status_code == 401
