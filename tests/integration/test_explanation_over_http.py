"""Explanations and trust checks over HTTP → Django → Redis → a real Celery worker."""

import io

import numpy as np
import pytest

from tests.fixtures.images import fashion_sample_png
from tests.integration.test_analysis_over_http import login, wait_job

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_worker_explains_and_checks_trust(live_server, celery_worker, zoo, user):
    session = login(live_server, "alice", "pw-alice")
    network = zoo["deep-bn"]  # the branching network: skip connections and batch norm
    data, label = fashion_sample_png(4)
    image = session.post(f"{live_server.url}/api/images/", files={"file": ("x.png", data)})
    assert image.status_code == 201, image.text
    body = {"network": network.pk, "image": image.json()["id"], "method": "integrated-gradients"}

    created = session.post(f"{live_server.url}/api/explanations/", json=body)
    assert created.status_code == 202, created.text
    job = wait_job(session, f"{live_server.url}/api/jobs/{created.json()['job']['id']}/")
    assert job["status"] == "succeeded", job
    result = session.get(f"{live_server.url}{job['result_url']}").json()
    summary = result["summary"]
    assert result["target"]["label"] == network.labels[label]  # the predicted (right) class
    assert summary["completeness_error"] < 0.05  # 64 Gauss-Legendre steps by default
    heat = np.load(io.BytesIO(session.get(f"{live_server.url}{result['map_url']}").content))
    assert heat.shape == (28, 28)
    assert heat.sum() == pytest.approx(summary["attribution_sum"], rel=1e-4, abs=1e-4)

    # Occlusion: on this image hiding what it marks hurts the prediction far more than chance
    # (integrated gradients' deletion curve is no better than random here: a real finding).
    body["method"] = "occlusion"
    trust = session.post(f"{live_server.url}/api/trust-checks/", json=body)
    assert trust.status_code == 202, trust.text
    job = wait_job(session, f"{live_server.url}/api/jobs/{trust.json()['job']['id']}/")
    assert job["status"] == "succeeded", job
    report = session.get(f"{live_server.url}{job['result_url']}").json()["summary"]
    assert len(report["randomisation"]["layers"]) == 13  # every layer with weights
    assert report["faithfulness"]["deletion"]["auc"] < report["random_baseline"]["deletion"]["auc"]
