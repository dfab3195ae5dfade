"""Build & train over the API: the live recipe check, starting a run within the limits and the
quota, the run trained in-process by the real task body, and the network it makes (private,
with its epochs, opened by the analyses like any network's)."""

import threading
import time
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from backend.jobs.models import Job
from backend.networks.models import Network
from backend.training.models import TrainingRun
from tests.backend.test_analyses_api import upload_sample

pytestmark = pytest.mark.django_db

TINY = [
    {"type": "conv", "filters": 4, "kernel": 3, "padding": "same"},
    {"type": "max_pool", "pool": 2},
    {"type": "flatten"},
    {"type": "dense", "units": 16},
]
VGG = [
    {"type": "conv", "filters": 16, "kernel": 3, "padding": "same"},
    {"type": "conv", "filters": 16, "kernel": 3, "padding": "same"},
    {"type": "max_pool", "pool": 2},
    {"type": "conv", "filters": 32, "kernel": 3, "padding": "same"},
    {"type": "conv", "filters": 32, "kernel": 3, "padding": "same"},
    {"type": "max_pool", "pool": 2},
    {"type": "flatten"},
]


def start(api, **overrides):
    body = {
        "dataset": "digits",
        "layers": TINY,
        "epochs": 2,
        "batch_size": 32,
        "images": 600,
        "title": "Digits net",
        **overrides,
    }
    return api.post("/api/training-runs/", body, format="json")


def test_the_check_answers_each_layer_and_the_problems_in_words(api, zoo):
    answer = api.post(
        "/api/training-runs/check/", {"dataset": "fashion-mnist", "layers": VGG}, format="json"
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["ok"] and body["problems"] == []
    shapes = [row["output_shape"] for row in body["rows"]]
    assert shapes == [
        [28, 28, 16],
        [28, 28, 16],
        [14, 14, 16],
        [14, 14, 32],
        [14, 14, 32],
        [7, 7, 32],
        [1568],
        [10],
    ]
    # the zoo's Tiny VGG is this very stack: the same parameter count as Keras gave it
    assert body["params"] == zoo["tiny-vgg"].params
    assert body["estimated_seconds"] > 0 and body["quota"]["networks"] == 0

    shrinking = [{"type": "conv", "filters": 8, "kernel": 5, "padding": "valid"}] * 7
    body = api.post(
        "/api/training-runs/check/",
        {"dataset": "fashion-mnist", "layers": shrinking},
        format="json",
    ).json()
    assert not body["ok"]
    # 28 → 24 → 20 → 16 → 12 → 8 → 4: the seventh 5×5 kernel does not fit 4×4 maps
    assert body["problems"] == [
        {
            "layer": 7,
            "message": "Layer 7 (convolution): a 5×5 kernel does "
            "not fit the 4×4 maps it receives; use a smaller kernel or 'same' "
            "padding.",
        }
    ]
    assert [row["output_shape"] for row in body["rows"]][-1] == [4, 4, 8]

    unknown = api.post(
        "/api/training-runs/check/", {"dataset": "nope", "layers": []}, format="json"
    )
    assert unknown.status_code == 400


def test_refusals_name_the_limit(api, zoo):
    wide = [{"type": "conv", "filters": 256, "kernel": 3, "padding": "same"}] * 4 + [
        {"type": "global_avg_pool"}
    ]
    memory = start(api, dataset="fashion-mnist", layers=wide, batch_size=512)
    assert memory.status_code == 400
    assert "the memory limit is 1,024 MB" in memory.json()["detail"]
    slow = start(api, dataset="fashion-mnist", layers=VGG, epochs=50, images=60000)
    assert slow.status_code == 400
    detail = slow.json()["detail"]
    assert "the time limit for training is 15 minutes" in detail and "at most" in detail
    big = start(
        api,
        dataset="fashion-mnist",
        layers=[{"type": "flatten"}, {"type": "dense", "units": 4096}] * 1
        + [{"type": "dense", "units": 4096}],
    )
    assert big.status_code == 400 and "the limit is 2,000,000 parameters" in big.json()["detail"]
    too_many = start(api, dataset="digits", layers=[{"type": "batch_norm"}] * 21)
    assert "the limit is 20 layers" in too_many.json()["detail"]
    assert not Job.objects.exists()


def test_a_run_trains_and_makes_a_private_network_with_its_epochs(
    api, other_api, user, zoo, queued, run_queued
):
    response = start(api)
    assert response.status_code == 202, response.content
    run = response.json()
    assert run["job"]["kind"] == "training" and run["network"] is None
    run_queued()
    run = api.get(f"/api/training-runs/{run['id']}/").json()
    assert run["job"]["status"] == "succeeded", run["job"]["message"]
    epochs = [p for p in run["history"] if p["kind"] == "epoch"]
    batches = [p for p in run["history"] if p["kind"] == "batch"]
    assert [p["epoch"] for p in epochs] == [1, 2]
    assert batches and all(0 < p["epoch"] < 2 for p in batches)  # the points within epochs
    assert run["seconds_used"] > 0

    network = Network.objects.get(pk=run["network"])
    assert network.owner == user and not network.public and network.source == "trained"
    assert network.checkpoint_epochs == [1, 2]
    assert network.checkpoint_path(1).is_file() and network.model_path.is_file()
    assert [layer["name"] for layer in network.layers] == [
        "conv_1",
        "max_pool_1",
        "flatten_1",
        "dense_1",
        "output",
    ]
    assert network.test_accuracy == pytest.approx(epochs[-1]["test_accuracy"])
    assert network.labels == [str(d) for d in range(10)]

    # Explore: the network at epoch 1 answers differently from the trained one
    assert api.get(f"/api/networks/{network.pk}/").status_code == 200
    conv = next(layer for layer in network.layers if layer["name"] == "conv_1")
    first = api.get(f"/api/networks/{network.pk}/layers/{conv['index']}/kernel/?epoch=1")
    last = api.get(f"/api/networks/{network.pk}/layers/{conv['index']}/kernel/")
    assert first.status_code == 200 and last.status_code == 200
    assert b"".join(first.streaming_content) != b"".join(last.streaming_content)
    image = upload_sample(api, 3)
    analysis = api.post(
        "/api/analyses/", {"network": network.pk, "image": image, "epoch": 1}, format="json"
    )
    assert analysis.status_code == 202, analysis.content
    run_queued()
    done = api.get(f"/api/analyses/{analysis.json()['id']}/").json()
    assert done["job"]["status"] == "succeeded", done["job"]["message"]

    # private: another user finds neither the run nor the network
    assert other_api.get(f"/api/training-runs/{run['id']}/").status_code == 404
    assert other_api.get(f"/api/networks/{network.pk}/").status_code == 404
    assert other_api.get("/api/training-runs/").json() == []


def test_the_quota_refuses_past_the_networks_and_the_time(api, zoo, queued, run_queued, settings):
    settings.CONVSCOPE_TRAINING_NETWORKS_PER_USER = 1
    assert start(api).status_code == 202
    refused = start(api)  # the first is still queued: it counts
    assert refused.status_code == 403
    assert "the most one user may keep (1)" in refused.json()["detail"]
    run_queued()
    settings.CONVSCOPE_TRAINING_NETWORKS_PER_USER = 5
    settings.CONVSCOPE_TRAINING_SECONDS_PER_USER = 2
    refused = start(api)
    assert refused.status_code == 403
    assert "of your training time is left (each user has 2 s in all)" in refused.json()["detail"]


def test_an_admin_makes_it_public_and_deleting_it_frees_the_quota(
    api, other_api, make_user, zoo, queued, run_queued, settings
):
    import json

    from django.forms.models import model_to_dict
    from django.test import Client

    settings.CONVSCOPE_TRAINING_NETWORKS_PER_USER = 1
    run = start(api).json()
    run_queued()
    network = Network.objects.get(pk=api.get(f"/api/training-runs/{run['id']}/").json()["network"])
    assert other_api.get(f"/api/networks/{network.pk}/").status_code == 404
    # the one way a network becomes public: an administrator ticks it in Django's admin
    admin = make_user("root", is_superuser=True, is_staff=True)
    browser = Client()
    browser.force_login(admin)
    change = f"/admin/networks/network/{network.pk}/change/"
    assert browser.get(change).status_code == 200
    form = {k: v for k, v in model_to_dict(network).items() if v is not None}
    for name in ("labels", "input_spec", "history", "ood", "calibration"):
        form[name] = json.dumps(form[name])
    form.pop("layers", None)
    form.update(public="on", _save="Save")
    answer = browser.post(change, form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    network.refresh_from_db()
    assert network.public and network.source == "trained"
    assert other_api.get(f"/api/networks/{network.pk}/").status_code == 200

    assert start(api).status_code == 403  # one network kept: the quota is full
    folder = Path(settings.MEDIA_ROOT) / TrainingRun.objects.get(pk=run["id"]).folder
    assert folder.is_dir()
    assert api.delete(f"/api/networks/{network.pk}/").status_code == 204
    assert not folder.exists()  # its checkpoints and model file went with it
    assert start(api).status_code == 202


def test_uploads_may_not_take_the_trained_names(api, zoo):
    from backend.networks.registration import RegistrationError, RegistrationRequest, check_request

    with pytest.raises(RegistrationError, match="kept for networks trained"):
        check_request(RegistrationRequest(file="m.keras", name="trained-1", labels=["a", "b"]))


@pytest.mark.django_db(transaction=True)
def test_cancel_stops_the_training_at_the_next_batch(api, zoo, queued):
    from backend.jobs.runner import run_job

    response = start(api, epochs=20, images=1400, batch_size=8)
    assert response.status_code == 202, response.content
    run_id, job_id = response.json()["id"], response.json()["job"]["id"]

    def work(job: int) -> None:
        from django.db import connection

        try:
            run_job(job)
        finally:
            connection.close()  # this thread's own: PostgreSQL must not keep it open

    worker = threading.Thread(target=work, args=(queued.pop(0)["job_id"],))
    worker.start()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not TrainingRun.objects.get(pk=run_id).history:
        time.sleep(0.05)
    assert api.post(f"/api/jobs/{job_id}/cancel/").status_code == 200
    cancelled = time.monotonic()
    worker.join(120)
    assert not worker.is_alive()
    assert time.monotonic() - cancelled < 10  # stopped within a batch, not at the run's end
    run = TrainingRun.objects.get(pk=run_id)
    assert run.job.status == "cancelled" and run.network is None
    assert max(p["epoch"] for p in run.history) < 20
    assert run.seconds_used > 0
    assert not (Path(settings.MEDIA_ROOT) / run.folder).exists()
    assert np.isfinite(run.seconds_used)
