"""The one job runner (backend/jobs/runner.py): every job kind has a declaration, and every
kind's job answers a result URL that serves its result. Each job is created through the API and
run in-process by the real task body."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.jobs.models import Job, JobKind
from backend.jobs.runner import declaration_for, declared_kinds
from tests.backend.test_analyses_api import upload_sample
from tests.backend.test_dataset_registration_api import make_zip
from tests.fixtures.models import build_tiny_vgg_64_rgb, save_model

pytestmark = pytest.mark.django_db

LABELS = "\n".join(f"class {i}" for i in range(10))


def test_every_job_kind_has_one_declaration():
    assert declared_kinds() == sorted(JobKind.values)
    for kind in JobKind.values:
        assert kind in declaration_for(kind).kinds


def requests_for_every_kind(api, zoo, tmp_path) -> dict[str, tuple[str, dict, str]]:
    """kind → (API route, request body, body format)."""
    network = zoo["tiny-vgg"].pk
    image = upload_sample(api, 2)
    model = save_model(build_tiny_vgg_64_rgb(seed=3), tmp_path / "good.keras")
    analysis = api.post("/api/analyses/", {"network": network, "image": image}, format="json")
    return {
        "analysis": ("analyses", {"network": network, "image": image}, "json"),
        "explanation": (
            "explanations",
            {"network": network, "image": image, "method": "gradient"},
            "json",
        ),
        "trust-check": (
            "trust-checks",
            {"network": network, "image": image, "method": "gradient"},
            "json",
        ),  # fmt: skip
        "evaluation": ("evaluations", {"network": network}, "json"),
        "embedding": ("embeddings", {"network": network, "method": "pca", "subset": 100}, "json"),
        "top-activations": (
            "top-activations",
            {"network": network, "layer": "conv_2_2", "k": 2},
            "json",
        ),
        "filter-ranking": (
            "filter-rankings",
            {"network": network, "layer": "conv_2_1", "subset": 100},
            "json",
        ),
        "comparison": (
            "comparisons",
            {"kind": "test-split", "network_a": network, "network_b": network, "epoch_a": 1},
            "json",
        ),
        "training": (
            "training-runs",
            {"dataset": "digits", "layers": [{"type": "flatten"}], "epochs": 1, "images": 200},
            "json",
        ),
        "neighbourhood": (
            "neighbourhoods",
            {"network": network, "index": 3, "neighbours": 20},
            "json",
        ),
        "filter-attribution": (
            "filter-attributions",
            {"analysis": analysis.json()["id"], "layer": "conv_1_1"},
            "json",
        ),
        "feature-vis": (
            "feature-vis",
            {"network": network, "layer": "conv_2_2", "filters": [1], "steps": 4},
            "json",
        ),
        "network-registration": (
            "networks",
            {
                "file": SimpleUploadedFile("m.keras", model.read_bytes()),
                "name": "walked-vgg",
                "labels": LABELS,
                "input_height": 64,
                "input_width": 64,
                "channels": 3,
                "scale": 1 / 255,
                "mean": "0",
                "std": "1",
                "resize": "stretch",
            },
            "multipart",
        ),
        "dataset-registration": (
            "datasets",
            {"file": SimpleUploadedFile("shapes.zip", make_zip()), "name": "walked-shapes"},
            "multipart",
        ),
        # after the registration above: it trains the VAE of the dataset registered there
        "vae-training": ("vaes", {"dataset": "walked-shapes"}, "json"),
    }


def test_every_kind_answers_a_result_url_that_serves_the_result(
    api, zoo, queued, run_queued, tmp_path
):
    requests = requests_for_every_kind(api, zoo, tmp_path)
    assert sorted(requests) == declared_kinds()
    for kind, (route, body, body_format) in requests.items():
        response = api.post(f"/api/{route}/", body, format=body_format)
        assert response.status_code == 202, (kind, response.content)
        run_queued()
        job_id = response.json()["job"]["id"]
        job = api.get(f"/api/jobs/{job_id}/").json()
        assert job["kind"] == kind and job["status"] == "succeeded", (kind, job["message"])
        assert job["result_url"], kind
        result = api.get(job["result_url"])
        assert result.status_code == 200, (kind, job["result_url"], result.content[:200])
    assert Job.objects.filter(status="succeeded").count() >= len(requests)
