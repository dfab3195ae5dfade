"""Dataset-level views over HTTP → Django → Redis (cpu_heavy queue) → a real Celery worker."""

import io

import numpy as np
import pytest

from tests.integration.test_analysis_over_http import login, wait_job

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_worker_evaluates_and_embeds(live_server, celery_worker, zoo, user):
    session = login(live_server, "alice", "pw-alice")
    network = zoo["deep-bn"]
    created = session.post(f"{live_server.url}/api/evaluations/", json={"network": network.pk})
    assert created.status_code == 202, created.text
    job = wait_job(session, f"{live_server.url}/api/jobs/{created.json()['job']['id']}/", 120)
    assert job["status"] == "succeeded", job
    summary = session.get(f"{live_server.url}{job['result_url']}").json()["summary"]
    assert summary["accuracy"] == pytest.approx(network.test_accuracy, abs=1e-4)

    body = {"network": network.pk, "method": "pca", "subset": 500}
    created = session.post(f"{live_server.url}/api/embeddings/", json=body)
    assert created.status_code == 202, created.text
    job = wait_job(session, f"{live_server.url}/api/jobs/{created.json()['job']['id']}/", 120)
    assert job["status"] == "succeeded", job
    result = session.get(f"{live_server.url}{job['result_url']}").json()
    coords = np.load(io.BytesIO(session.get(f"{live_server.url}{result['coords_url']}").content))
    assert coords.shape == (500, 2) and np.isfinite(coords).all()
