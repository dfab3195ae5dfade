"""The analysis path through the API, with the real task body run in-process."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.analyses.models import Analysis, AnalysisResult
from backend.jobs.models import Job
from tests.fixtures.images import fashion_sample_png

pytestmark = pytest.mark.django_db


def payload_bytes(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def upload_sample(api, index: int = 0) -> int:
    data, _ = fashion_sample_png(index)
    response = api.post(
        "/api/images/", {"file": SimpleUploadedFile("s.png", data)}, format="multipart"
    )
    assert response.status_code == 201
    return response.json()["id"]


def test_datasets_and_networks_listed(api, zoo):
    datasets = {d["name"]: d for d in api.get("/api/datasets/").json()}
    assert {"fashion-mnist", "digits"} <= set(datasets)
    assert datasets["fashion-mnist"]["splits"] == {"train": 60000, "test": 10000}
    assert (
        datasets["fashion-mnist"]["network_count"] == 2 and datasets["digits"]["network_count"] == 0
    )
    samples = api.get("/api/datasets/fashion-mnist/samples/").json()
    assert len(samples) >= 10 and {s["label_name"] for s in samples} >= {"Trouser", "Bag"}
    png = api.get(samples[0]["image_url"])
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    networks = api.get("/api/networks/", {"dataset": "fashion-mnist"}).json()
    assert {"tiny-vgg", "deep-bn"} <= {n["name"] for n in networks}
    tiny = next(n for n in networks if n["name"] == "tiny-vgg")
    detail = api.get(f"/api/networks/{tiny['id']}/").json()
    assert detail["layers"][0]["name"] == "conv_1_1"
    conv = detail["layers"][0]
    kernel = np.load(io.BytesIO(payload_bytes(api.get(conv["kernel_url"]))))
    assert kernel.shape[:2] == (3, 3) and kernel.shape[-1] == conv["output_shape"][-1]


def test_analysis_runs_and_serves_every_layer(api, zoo, queued, run_queued):
    network = zoo["tiny-vgg"]
    image_id = upload_sample(api, 0)
    response = api.post("/api/analyses/", {"network": network.pk, "image": image_id}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["job"]["status"] == "queued" and body["prediction"] == []
    assert queued == [{"job_id": body["job"]["id"]}]

    run_queued()
    job = api.get(f"/api/jobs/{body['job']['id']}/").json()
    assert job["status"] == "succeeded" and job["progress"] == 1.0
    assert job["result_url"] == f"/api/analyses/{body['id']}/"
    result = api.get(job["result_url"]).json()
    probabilities = [row["probability"] for row in result["prediction"]]
    assert len(probabilities) == 10 and probabilities == sorted(probabilities, reverse=True)
    assert abs(sum(probabilities) - 1) < 1e-4
    assert [layer["name"] for layer in result["layers"]] == [
        layer["name"] for layer in network.layers
    ]
    for layer in result["layers"]:
        array = np.load(io.BytesIO(payload_bytes(api.get(layer["url"]))))
        assert list(array.shape) == layer["shape"] and array.dtype == np.float32
    from backend.analyses.bundle import read_bundle

    bundle = read_bundle(payload_bytes(api.get(result["activations_url"])))
    assert list(bundle) == [layer["name"] for layer in result["layers"]]
    for layer in result["layers"]:
        single = np.load(io.BytesIO(payload_bytes(api.get(layer["url"]))))
        assert bundle[layer["name"]].dtype == np.float16
        np.testing.assert_array_equal(bundle[layer["name"]], single.astype(np.float16))
    exact = read_bundle(payload_bytes(api.get(result["activations_url"] + "?dtype=float32")))
    assert all(array.dtype == np.float32 for array in exact.values())
    seen = np.load(io.BytesIO(payload_bytes(api.get(result["input"]["url"]))))
    assert seen.shape == (28, 28, 1) and list(seen.shape) == result["input"]["shape"]
    assert seen.min() >= 0.0 and seen.max() <= 1.0  # the zoo scales pixels by 1/255
    half = np.load(
        io.BytesIO(payload_bytes(api.get(result["layers"][0]["url"] + "?dtype=float16")))
    )
    assert half.dtype == np.float16


def test_sample_analysis_knows_true_label(api, zoo, queued, run_queued):
    body = api.post(
        "/api/analyses/",
        {"network": zoo["tiny-vgg"].pk, "sample": {"dataset": "fashion-mnist", "index": 1}},
        format="json",
    ).json()
    run_queued()
    result = api.get(f"/api/analyses/{body['id']}/").json()
    from datasets.registry import get_dataset

    dataset = get_dataset("fashion-mnist")
    assert result["true_label"] == dataset.manifest["classes"][dataset.sample(1)[1]]


def test_identical_request_reuses_result(api, other_api, zoo, queued, run_queued):
    network = zoo["tiny-vgg"]
    first = api.post(
        "/api/analyses/", {"network": network.pk, "image": upload_sample(api, 3)}, format="json"
    )
    run_queued()
    # Another user with the same pixels: no new computation, a job that is already done.
    second = other_api.post(
        "/api/analyses/",
        {"network": network.pk, "image": upload_sample(other_api, 3)},
        format="json",
    )
    assert second.status_code == 202
    assert second.json()["job"]["status"] == "succeeded"
    assert queued == []
    assert AnalysisResult.objects.count() == 1
    assert (
        second.json()["prediction"]
        == api.get(f"/api/analyses/{first.json()['id']}/").json()["prediction"]
    )


def test_redelivered_message_does_not_run_twice(api, zoo, queued):
    from backend.jobs.runner import run_job

    body = api.post(
        "/api/analyses/",
        {"network": zoo["tiny-vgg"].pk, "image": upload_sample(api, 5)},
        format="json",
    ).json()
    job_id = queued[0]["job_id"]
    run_job(job_id)
    finished = Job.objects.get(pk=job_id).finished_at
    run_job(job_id)  # the broker delivers the same message again
    job = Job.objects.get(pk=job_id)
    assert job.deliveries == 1 and job.finished_at == finished and job.status == "succeeded"
    assert Analysis.objects.get(pk=body["id"]).result is not None


def test_failure_is_readable_and_worker_goes_on(api, zoo, queued, run_queued):
    network = zoo["tiny-vgg"]
    image_id = upload_sample(api, 7)
    body = api.post("/api/analyses/", {"network": network.pk, "image": image_id}, format="json")
    Analysis.objects.get(pk=body.json()["id"]).image.path.unlink()  # the file vanished
    run_queued()
    job = api.get(f"/api/jobs/{body.json()['job']['id']}/").json()
    assert job["status"] == "failed" and "missing" in job["message"]
    ok = api.post(
        "/api/analyses/", {"network": network.pk, "image": upload_sample(api, 8)}, format="json"
    )
    run_queued()
    assert api.get(f"/api/jobs/{ok.json()['job']['id']}/").json()["status"] == "succeeded"


def test_cancel_queued_job(api, zoo, queued, run_queued):
    body = api.post(
        "/api/analyses/",
        {"network": zoo["tiny-vgg"].pk, "image": upload_sample(api, 9)},
        format="json",
    ).json()
    response = api.post(f"/api/jobs/{body['job']['id']}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    run_queued()
    assert api.get(f"/api/jobs/{body['job']['id']}/").json()["status"] == "cancelled"
    assert api.post(f"/api/jobs/{body['job']['id']}/cancel/").status_code == 409


def test_broker_down_answers_503_and_fails_job(api, zoo, monkeypatch):
    from backend.analyses import tasks

    def unreachable(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_analysis, "apply_async", unreachable)
    response = api.post(
        "/api/analyses/",
        {"network": zoo["tiny-vgg"].pk, "image": upload_sample(api, 2)},
        format="json",
    )
    assert response.status_code == 503
    assert "queue" in response.json()["detail"]
    assert Job.objects.get().status == "failed"


def test_foreign_ids_answer_404(api, other_api, zoo, queued, run_queued):
    body = api.post(
        "/api/analyses/",
        {"network": zoo["tiny-vgg"].pk, "image": upload_sample(api, 4)},
        format="json",
    ).json()
    run_queued()
    analysis = api.get(f"/api/analyses/{body['id']}/").json()
    for url in [
        f"/api/analyses/{body['id']}/",
        analysis["layers"][0]["url"],
        f"/api/jobs/{body['job']['id']}/",
        f"/api/images/{body['image']['id']}/",
        f"/api/images/{body['image']['id']}/file/",
        analysis["input"]["url"],
        analysis["activations_url"],
    ]:
        assert other_api.get(url).status_code == 404, url
    assert other_api.post(f"/api/jobs/{body['job']['id']}/cancel/").status_code == 404
    # Using someone else's image in one's own analysis is refused the same way.
    response = other_api.post(
        "/api/analyses/",
        {"network": zoo["tiny-vgg"].pk, "image": body["image"]["id"]},
        format="json",
    )
    assert response.status_code == 404
    assert other_api.get("/api/analyses/").json() == []


def test_private_network_hidden_from_others(api, other_api, zoo, user):
    network = zoo["tiny-vgg"]
    network.pk = None
    network.name, network.public, network.owner, network.source = "mine", False, user, "upload"
    network.save()
    assert api.get(f"/api/networks/{network.pk}/").status_code == 200
    assert other_api.get(f"/api/networks/{network.pk}/").status_code == 404
    image = upload_sample(other_api, 0)
    response = other_api.post(
        "/api/analyses/", {"network": network.pk, "image": image}, format="json"
    )
    assert response.status_code == 404


def test_anonymous_is_refused(anon_api, zoo):
    for url in ["/api/datasets/", "/api/networks/", "/api/analyses/", "/api/jobs/", "/api/images/"]:
        assert anon_api.get(url).status_code == 401, url


def test_bad_analysis_requests(api, zoo):
    assert (
        api.post("/api/analyses/", {"network": zoo["tiny-vgg"].pk}, format="json").status_code
        == 400
    )
    assert (
        api.post("/api/analyses/", {"network": 9999, "image": 1}, format="json").status_code == 404
    )
    response = api.post(
        "/api/analyses/",
        {"network": zoo["tiny-vgg"].pk, "sample": {"dataset": "fashion-mnist", "index": 10**6}},
        format="json",
    )
    assert response.status_code == 404


def test_login_flow_and_csrf(client, user):
    me = client.get("/api/auth/me/")
    assert me.json()["authenticated"] is False and "csrftoken" in me.cookies
    bad = client.post(
        "/api/auth/login/",
        {"username": "alice", "password": "nope"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "do not match" in bad.json()["detail"]
    good = client.post(
        "/api/auth/login/",
        {"username": "alice", "password": "pw-alice"},
        content_type="application/json",
    )
    assert good.status_code == 200 and good.json()["username"] == "alice"
    assert client.get("/api/datasets/").status_code == 200


def test_openapi_schema_is_valid_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert "/api/analyses/{id}/activations/{index}/" in (tmp_path / "s.yml").read_text()


def test_openapi_schema_lists_endpoints(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    for path in ["/api/analyses/", "/api/jobs/{id}/", "/api/images/", "/api/networks/{id}/"]:
        assert path in text


def test_every_stored_weight_of_a_layer_has_a_url(api, zoo):
    """Batch normalisation's four numbers are served like kernels, for the detail views."""
    detail = api.get(f"/api/networks/{zoo['deep-bn'].pk}/").json()
    layers = {layer["name"]: layer for layer in detail["layers"]}
    bn = layers["bn_1_1"]["weight_urls"]
    assert set(bn) == {"gamma", "beta", "moving_mean", "moving_variance"}
    variance = np.load(io.BytesIO(payload_bytes(api.get(bn["moving_variance"]))))
    assert variance.shape == (24,) and (variance > 0).all()
    assert set(layers["conv_1_1"]["weight_urls"]) == {"kernel"}  # no bias: batch norm follows
    assert set(layers["output"]["weight_urls"]) == {"kernel", "bias"}
    assert layers["relu_1_1"]["weight_urls"] == {}
    assert layers["relu_1_1"]["config"] == {
        "max_value": None,
        "negative_slope": 0.0,
        "threshold": 0.0,
    }
