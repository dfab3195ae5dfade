"""A long feature visualisation on a real-size network (ResNet50 at 64×64), cancelled through
the API while the real Celery worker optimises: the worker stops within seconds (the loop runs in
~1 s chunks and checks for a cancel between them) and stores nothing."""

import time

import pytest

from tests.e2e.test_real_size_overview import register
from tests.integration.test_analysis_over_http import login, wait_job

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_cancelled_feature_vis_stops_the_worker(live_server, celery_worker, zoo, user, tmp_path):
    from backend.features.models import FeatureVisResult
    from backend.jobs.models import Job

    network = register("resnet50", tmp_path)
    session = login(live_server, "alice", "pw-alice")
    # long enough to be cancelled while it runs, short enough for the cost estimate to accept
    body = {
        "network": network.pk,
        "layer": "conv3_block2_2_conv",
        "filters": list(range(32)),
        "steps": 256,
    }
    created = session.post(f"{live_server.url}/api/feature-vis/", json=body)
    assert created.status_code == 202, created.text
    job_url = f"{live_server.url}/api/jobs/{created.json()['job']['id']}/"
    # Wait until the optimisation itself reports progress (the network is loaded and traced).
    deadline = time.monotonic() + 120
    while True:
        job = session.get(job_url).json()
        if job["status"] == "running" and job["progress"] > 0:
            break
        assert job["status"] in ("queued", "running"), job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)

    cancelled_at = time.monotonic()
    answer = session.post(f"{job_url}cancel/")
    assert answer.status_code == 200, answer.text
    assert wait_job(session, job_url, timeout=5)["status"] == "cancelled"
    # The worker (one process) is free again within seconds: a small job queued now starts soon.
    small = session.post(
        f"{live_server.url}/api/feature-vis/",
        json={"network": zoo["tiny-vgg"].pk, "layer": "conv_1_1", "filters": [0], "steps": 1},
    )
    small_job = small.json()["job"]["id"]
    deadline = cancelled_at + 10
    while Job.objects.get(pk=small_job).started_at is None:
        assert time.monotonic() < deadline, "the worker did not stop the cancelled job"
        time.sleep(0.05)
    freed_after = time.monotonic() - cancelled_at
    print(f"worker free {freed_after:.2f} s after the cancel")
    assert freed_after < 5, freed_after
    assert wait_job(session, f"{live_server.url}/api/jobs/{small_job}/")["status"] == "succeeded"
    assert Job.objects.get(pk=created.json()["job"]["id"]).status == "cancelled"
    assert not FeatureVisResult.objects.filter(network=network).exists()
