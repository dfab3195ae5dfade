"""Chaos: real Redis, real Celery worker processes, killed mid-job; Redis killed and restarted.

Each test checks the outcome a user sees: the job finishes once (one stored result), a job that
keeps killing its worker ends FAILED, queued jobs survive a Redis restart, and while Redis is
down a new request gets a 503 within seconds instead of hanging.
"""

import os
import signal
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.chaos.conftest import children_of, holder_pid, sleep_until, wait_job
from tests.fixtures.images import fashion_sample_png

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

# Long enough to be killed mid-run; a few seconds on this machine.
LONG_FEATURE_VIS = {"kind": "filters", "layer": "conv_2_2", "filters": list(range(8)), "steps": 512}


def long_job(user, zoo):
    from backend.features.services import create_feature_vis

    return create_feature_vis(user, zoo["tiny-vgg"], LONG_FEATURE_VIS)


def running(job_id: int, timeout: float = 60):
    return wait_job(job_id, ("running", "succeeded", "failed"), timeout)


def upload(api, index: int) -> int:
    data, _ = fashion_sample_png(index)
    response = api.post(
        "/api/images/", {"file": SimpleUploadedFile("s.png", data)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_worker_child_killed_mid_job_finishes_once(start_worker, user, zoo):
    from backend.features.models import FeatureVisResult

    worker = start_worker("w1")
    vis = long_job(user, zoo)
    job = running(vis.job_id)
    assert job.status == "running", job.message
    child = holder_pid(job)
    assert child in children_of(worker.pid)
    # TensorFlow is not fork-safe: only the children load it, after the fork.
    child_maps = Path(f"/proc/{child}/maps")
    sleep_until(lambda: "tensorflow" in child_maps.read_text(), 60)
    assert "tensorflow" in child_maps.read_text()
    assert "tensorflow" not in Path(f"/proc/{worker.pid}/maps").read_text()
    os.kill(child, signal.SIGKILL)
    # The worker starts a new child; the message went back to the queue (reject on worker
    # lost) and the new child takes over the job of the dead one.
    job = wait_job(vis.job_id, ("succeeded", "failed"), 120)
    assert job.status == "succeeded", job.message
    assert job.deliveries == 2 and holder_pid(job) != child
    assert FeatureVisResult.objects.filter(network=zoo["tiny-vgg"]).count() == 1
    vis.refresh_from_db()
    assert vis.result is not None and vis.result.path.is_dir()
    assert worker.poll() is None


def test_whole_worker_killed_mid_job_finishes_on_another(start_worker, start_beat, user, zoo):
    from backend.features.models import FeatureVisResult

    first = start_worker("w1")
    second = start_worker("w2")
    start_beat()
    vis = long_job(user, zoo)
    job = running(vis.job_id)
    assert job.status == "running", job.message
    child = holder_pid(job)
    holder = first if child in children_of(first.pid) else second
    other = second if holder is first else first
    assert child in children_of(holder.pid)
    # Main process and child at once: nobody is left to put the message back; the sweeper
    # (beat) sees the job's process gone and sends it again, and the other worker runs it.
    os.kill(holder.pid, signal.SIGKILL)
    os.kill(child, signal.SIGKILL)
    holder.wait(10)
    job = wait_job(vis.job_id, ("succeeded", "failed"), 120)
    assert job.status == "succeeded", job.message
    assert job.deliveries == 2 and holder_pid(job) in children_of(other.pid)
    assert FeatureVisResult.objects.filter(network=zoo["tiny-vgg"]).count() == 1
    assert other.poll() is None


def test_poison_job_fails_after_three_deliveries(start_worker, user, zoo, api):
    from backend.jobs import services
    from backend.jobs.models import JobKind
    from tests.chaos.poison_app import kill_own_worker

    worker = start_worker("poisoned", app="tests.chaos.poison_app")
    job = services.create_job(user, JobKind.ANALYSIS)
    services.enqueue(job, kill_own_worker.name)
    job = wait_job(job.pk, ("failed", "succeeded"), 180)
    assert job.status == "failed" and job.deliveries == 3
    assert "stopped the worker running it 3 times" in job.message
    # The worker itself survived: it still runs ordinary jobs.
    assert worker.poll() is None
    created = api.post(
        "/api/analyses/", {"network": zoo["tiny-vgg"].pk, "image": upload(api, 0)}, format="json"
    )
    assert created.status_code == 202
    ok = wait_job(created.json()["job"]["id"], ("succeeded", "failed"), 120)
    assert ok.status == "succeeded", ok.message


def test_redis_restart_loses_no_queued_job_and_outage_answers_503(
    broker, start_worker, user, zoo, api
):
    from backend.jobs.models import Job

    network = zoo["tiny-vgg"]
    images = [upload(api, index) for index in range(6)]
    queued = []
    for image in images[:5]:  # no worker yet: they wait in Redis
        response = api.post(
            "/api/analyses/", {"network": network.pk, "image": image}, format="json"
        )
        assert response.status_code == 202, response.content
        queued.append(response.json()["job"]["id"])
    assert broker.queued_messages() == 5

    broker.kill()
    started = time.monotonic()
    response = api.post(
        "/api/analyses/", {"network": network.pk, "image": images[5]}, format="json"
    )
    waited = time.monotonic() - started
    assert response.status_code == 503 and waited < 5, (response.status_code, waited)
    assert "not reachable" in response.json()["detail"]
    # Nothing half-done: the refused job is FAILED with its reason, not left QUEUED.
    refused = Job.objects.order_by("-pk").first()
    assert refused.status == "failed" and "not reachable" in refused.message
    # Pages that do not need the queue still answer.
    assert api.get("/api/networks/").status_code == 200

    broker.start()  # same port and directory: the append-only file is read back
    assert broker.queued_messages() == 5
    start_worker("w1")
    for job_id in queued:
        job = wait_job(job_id, ("succeeded", "failed"), 120)
        assert job.status == "succeeded", job.message

    # A running worker rides out a Redis restart: it reconnects and takes new jobs.
    broker.kill()
    broker.start()
    response = api.post(
        "/api/analyses/", {"network": network.pk, "image": images[5]}, format="json"
    )
    assert response.status_code == 202, response.content
    job = wait_job(response.json()["job"]["id"], ("succeeded", "failed"), 120)
    assert job.status == "succeeded", job.message


def test_cancel_stops_a_running_job(start_worker, user, zoo, api):
    from backend.features.models import FeatureVisResult
    from backend.features.services import create_feature_vis
    from tests.fixtures.processes import wait_for

    worker = start_worker("w1")
    # Minutes of work if left alone.
    vis = create_feature_vis(
        user,
        zoo["tiny-vgg"],
        {"kind": "filters", "layer": "conv_2_2", "steps": 1024, "images_per_filter": 4},
    )
    job = running(vis.job_id)
    assert job.status == "running", job.message
    response = api.post(f"/api/jobs/{job.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    # The worker stops at its next progress report, not at the end of the work.
    wait_for(lambda: f"job {job.pk} was cancelled" in worker.log.read_text(), 120, "the stop")
    created = api.post(
        "/api/analyses/", {"network": zoo["tiny-vgg"].pk, "image": upload(api, 1)}, format="json"
    )
    ok = wait_job(created.json()["job"]["id"], ("succeeded", "failed"), 120)
    assert ok.status == "succeeded", ok.message
    assert not FeatureVisResult.objects.exists()
    assert wait_job(job.pk, ("cancelled",), 1).status == "cancelled"


def test_dead_redis_behind_the_shared_cache_answers_503_quickly(broker, settings, zoo, api):
    """Production shares rate-limit counters through Redis (CACHE_URL): when it is down, a
    request that counts against a limit gets a 503 within seconds, not a 500 or a hang."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": broker.url.rsplit("/", 1)[0] + "/1",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
    image = upload(api, 0)
    broker.kill()
    started = time.monotonic()
    response = api.post("/api/analyses/", {"network": zoo["tiny-vgg"].pk, "image": image})
    waited = time.monotonic() - started
    assert response.status_code == 503 and waited < 5, (response.status_code, waited)
    assert "not reachable" in response.json()["detail"]
