"""Upload over HTTP → Django → Redis → a real Celery worker → job succeeded, right prediction."""

import time

import pytest
import requests

from tests.fixtures.images import fashion_sample_png

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def login(live_server, username: str, password: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{live_server.url}/api/auth/me/")
    response = session.post(
        f"{live_server.url}/api/auth/login/",
        json={"username": username, "password": password},
        headers={"X-CSRFToken": session.cookies["csrftoken"]},
    )
    assert response.status_code == 200, response.text
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    session.headers["Referer"] = live_server.url
    return session


def wait_job(session, url: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = session.get(url).json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job did not finish: {job}")


def test_upload_then_worker_predicts(live_server, celery_worker, zoo, user):
    session = login(live_server, "alice", "pw-alice")
    network = zoo["tiny-vgg"]
    hits = 0
    for index in range(5):
        data, label = fashion_sample_png(index)
        image = session.post(f"{live_server.url}/api/images/", files={"file": ("x.png", data)})
        assert image.status_code == 201, image.text
        created = session.post(
            f"{live_server.url}/api/analyses/",
            json={"network": network.pk, "image": image.json()["id"]},
        )
        assert created.status_code == 202, created.text
        job = wait_job(session, f"{live_server.url}/api/jobs/{created.json()['job']['id']}/")
        assert job["status"] == "succeeded", job
        result = session.get(f"{live_server.url}{job['result_url']}").json()
        top = result["prediction"][0]["label"]
        hits += top == network.labels[label]
        layer = session.get(f"{live_server.url}{result['layers'][0]['url']}")
        assert layer.status_code == 200 and layer.content[:6] == b"\x93NUMPY"
    assert hits >= 4  # the zoo network is ~90% accurate: the predictions are real


def test_worker_survives_a_failing_job(live_server, celery_worker, zoo, user):
    from backend.analyses.models import Analysis

    session = login(live_server, "alice", "pw-alice")
    data, _ = fashion_sample_png(11)
    image = session.post(f"{live_server.url}/api/images/", files={"file": ("x.png", data)}).json()
    from backend.uploads.models import UploadedImage

    UploadedImage.objects.get(pk=image["id"]).path.write_bytes(b"garbage")  # corrupted on disk
    created = session.post(
        f"{live_server.url}/api/analyses/",
        json={"network": zoo["tiny-vgg"].pk, "image": image["id"]},
    ).json()
    job = wait_job(session, f"{live_server.url}/api/jobs/{created['job']['id']}/")
    assert job["status"] == "failed" and job["message"]
    assert Analysis.objects.get(pk=created["id"]).result is None
    data, _ = fashion_sample_png(12)
    image = session.post(f"{live_server.url}/api/images/", files={"file": ("y.png", data)}).json()
    created = session.post(
        f"{live_server.url}/api/analyses/",
        json={"network": zoo["tiny-vgg"].pk, "image": image["id"]},
    ).json()
    assert (
        wait_job(session, f"{live_server.url}/api/jobs/{created['job']['id']}/")["status"]
        == "succeeded"
    )
