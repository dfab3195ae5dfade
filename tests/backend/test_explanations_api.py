"""Explanations and trust checks through the API, with the real task body run in-process."""

import io

import numpy as np
import pytest

from backend.explanations.models import Explanation, ExplanationResult
from backend.jobs.models import Job
from tests.backend.test_analyses_api import payload_bytes, upload_sample

pytestmark = pytest.mark.django_db


def explain(api, network, image_id, method, route="explanations", **extra):
    body = {"network": network.pk, "image": image_id, "method": method, **extra}
    return api.post(f"/api/{route}/", body, format="json")


def load_npy(api, url, **params) -> np.ndarray:
    response = api.get(url, params)
    assert response.status_code == 200, response.content[:200]
    content = payload_bytes(response)
    assert b"'fortran_order': False" in content[:128]  # the browser reads row-major only
    return np.load(io.BytesIO(content), allow_pickle=False)


def test_methods_are_listed_with_cards_and_params(api):
    methods = api.get("/api/attribution-methods/").json()
    assert [m["name"] for m in methods] == [
        "gradient",
        "gradient-x-input",
        "smoothgrad",
        "guided-backprop",
        "integrated-gradients",
        "gradcam",
        "gradcam++",
        "occlusion",
    ]
    for method in methods:
        assert method["shows"] and method["how_to_read"] and method["caveats"] and method["paper"]
    by_name = {m["name"]: m for m in methods}
    assert "randomis" in by_name["guided-backprop"]["caveats"]
    assert "window" in by_name["occlusion"]["caveats"]
    assert {p["name"] for p in by_name["smoothgrad"]["params"]} == {"samples", "noise", "seed"}
    baseline = next(p for p in by_name["integrated-gradients"]["params"] if p["name"] == "baseline")
    assert baseline["choices"] == ["black", "blurred", "noise"]


def test_map_job_serves_the_map_and_reuses_it(api, zoo, queued, run_queued):
    network = zoo["tiny-vgg"]
    image_id = upload_sample(api, 0)
    response = explain(api, network, image_id, "gradcam")
    assert response.status_code == 202
    body = response.json()
    assert body["job"]["status"] == "queued" and body["map_url"] is None
    assert body["layer"] == "max_pool_2"  # the default: last spatial layer before flattening
    run_queued()
    done = api.get(f"/api/explanations/{body['id']}/").json()
    assert done["job"]["status"] == "succeeded", done["job"]["message"]
    assert done["target"] == {"index": 9, "label": "Ankle boot"}  # the predicted class
    heat = load_npy(api, done["map_url"])
    assert heat.shape == (28, 28) and heat.dtype == np.float32
    small = load_npy(api, done["layer_map_url"], dtype="float16")
    assert small.shape == (7, 7) and small.dtype == np.float16
    assert done["summary"]["layer_shape"] == [7, 7] and done["summary"]["max"] == heat.max()
    assert api.get(f"/api/jobs/{body['job']['id']}/").json()["result_url"] == (
        f"/api/explanations/{body['id']}/"
    )

    # Same network, pixels, method, target and parameters: no new computation.
    again = explain(api, network, image_id, "gradcam", target="Ankle boot").json()
    assert again["job"]["status"] == "succeeded" and queued == []
    assert ExplanationResult.objects.count() == 1
    assert np.array_equal(load_npy(api, again["map_url"]), heat)
    # Another class is another result.
    other = explain(api, network, image_id, "gradcam", target=7).json()
    assert other["job"]["status"] == "queued"
    run_queued()
    assert ExplanationResult.objects.count() == 2


def test_every_method_runs_for_both_zoo_networks(api, zoo, run_queued):
    image_id = upload_sample(api, 1)
    created = []
    for network in (zoo["tiny-vgg"], zoo["deep-bn"]):
        for method in [m["name"] for m in api.get("/api/attribution-methods/").json()]:
            response = explain(api, network, image_id, method, target=2)
            assert response.status_code == 202, response.content
            created.append(response.json()["id"])
    run_queued()
    for pk in created:
        body = api.get(f"/api/explanations/{pk}/").json()
        assert body["job"]["status"] == "succeeded", (body["method"], body["job"]["message"])
        heat = load_npy(api, body["map_url"])
        assert heat.shape == (28, 28) and np.isfinite(heat).all()
        assert body["target"]["index"] == 2


def test_params_are_checked_and_part_of_the_cache_key(api, zoo, queued, run_queued):
    network = zoo["tiny-vgg"]
    image_id = upload_sample(api, 2)
    first = explain(api, network, image_id, "occlusion", target=1, params={"window": 6}).json()
    assert first["params"] == {"window": 6, "stride": 2}
    run_queued()
    same = explain(api, network, image_id, "occlusion", target=1, params={"window": 6}).json()
    assert same["job"]["status"] == "succeeded"
    other = explain(api, network, image_id, "occlusion", target=1, params={"window": 3}).json()
    assert other["job"]["status"] == "queued"
    run_queued()
    a = load_npy(api, api.get(f"/api/explanations/{first['id']}/").json()["map_url"])
    b = load_npy(api, api.get(f"/api/explanations/{other['id']}/").json()["map_url"])
    assert not np.array_equal(a, b)


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ({"method": "nope"}, "method"),
        ({"method": "smoothgrad", "params": {"samples": 0}}, "at least 1"),
        ({"method": "smoothgrad", "params": {"samples": "many"}}, "number"),
        ({"method": "smoothgrad", "params": {"bogus": 1}}, "no parameter bogus"),
        ({"method": "integrated-gradients", "params": {"baseline": "grey"}}, "one of"),
        ({"method": "gradient", "target": "Spaceship"}, "no class"),
        ({"method": "gradient", "target": 10}, "outside"),
        ({"method": "gradient", "layer": "conv_1_1"}, "does not use a layer"),
        ({"method": "gradcam", "layer": "flatten"}, "no spatial output"),
    ],
)
def test_bad_requests_get_a_clear_400_and_store_nothing(api, zoo, queued, extra, fragment):
    image_id = upload_sample(api, 0)
    body = {"network": zoo["tiny-vgg"].pk, "image": image_id, **extra}
    response = api.post("/api/explanations/", body, format="json")
    assert response.status_code == 400
    assert fragment in str(response.json())
    assert Explanation.objects.count() == 0 and Job.objects.count() == 0 and queued == []


def test_foreign_images_and_results_are_private(api, other_api, zoo, run_queued):
    network = zoo["tiny-vgg"]
    image_id = upload_sample(api, 0)
    assert explain(other_api, network, image_id, "gradient").status_code == 404
    body = explain(api, network, image_id, "gradient").json()
    run_queued()
    done = api.get(f"/api/explanations/{body['id']}/").json()
    for url in (f"/api/explanations/{body['id']}/", done["map_url"]):
        assert other_api.get(url).status_code == 404
    assert other_api.get("/api/explanations/").json() == []
    assert other_api.get(f"/api/trust-checks/{body['id']}/").status_code == 404


def test_anonymous_requests_are_refused(anon_api, zoo):
    assert anon_api.get("/api/attribution-methods/").status_code == 401
    assert anon_api.post("/api/explanations/", {}, format="json").status_code == 401


def test_samples_can_be_explained_without_uploading(api, zoo, run_queued):
    body = {
        "network": zoo["tiny-vgg"].pk,
        "sample": {"dataset": "fashion-mnist", "index": 3},
        "method": "smoothgrad",
        "params": {"samples": 8},
    }
    response = api.post("/api/explanations/", body, format="json")
    assert response.status_code == 202
    run_queued()
    done = api.get(f"/api/explanations/{response.json()['id']}/").json()
    assert done["job"]["status"] == "succeeded" and done["image"]["true_label"]


def test_trust_check_reports_curves_and_randomisation_maps(api, zoo, run_queued):
    network = zoo["tiny-vgg"]
    image_id = upload_sample(api, 0)
    response = explain(api, network, image_id, "gradient", route="trust-checks")
    assert response.status_code == 202 and response.json()["kind"] == "trust"
    run_queued()
    done = api.get(f"/api/trust-checks/{response.json()['id']}/").json()
    assert done["job"]["status"] == "succeeded", done["job"]["message"]
    summary = done["summary"]
    weighted = ["output", "conv_2_2", "conv_2_1", "conv_1_2", "conv_1_1"]
    assert summary["randomisation"]["layers"] == weighted
    assert len(summary["randomisation"]["correlations"]) == len(weighted)
    assert summary["randomisation"]["passes"] is True and summary["verdict"]
    # Each check's verdict, its rule (with the thresholds) and the reason, from the worker.
    from worker.techniques.attribution import trust_rules

    randomisation, faithfulness = summary["randomisation"], summary["faithfulness"]
    assert randomisation["verdict"] == "pass"
    assert randomisation["similarity"] < trust_rules.RANDOMISATION_MAX_SIMILARITY
    assert randomisation["judged_after"] == "conv_2_1"
    assert f"{trust_rules.RANDOMISATION_MAX_SIMILARITY:.2f}" in randomisation["rule"]
    assert faithfulness["verdict"] in ("pass", "fail") and faithfulness["reason"]
    assert f"{trust_rules.FAITHFULNESS_MARGIN:.2f}" in faithfulness["rule"]
    assert faithfulness["margin"] == trust_rules.FAITHFULNESS_MARGIN
    baseline, margin = summary["random_baseline"], trust_rules.FAITHFULNESS_MARGIN
    assert len(baseline["deletion_aucs"]) == baseline["maps"] == trust_rules.RANDOM_MAPS
    beats = faithfulness["deletion"]["auc"] <= min(baseline["deletion_aucs"]) - margin or (
        faithfulness["insertion"]["auc"] >= max(baseline["insertion_aucs"]) + margin
    )
    assert (faithfulness["verdict"] == "pass") == beats
    faith = summary["faithfulness"]
    deletion, insertion = faith["deletion"], faith["insertion"]
    assert deletion["fractions"][0] == 0 and deletion["fractions"][-1] == 1
    assert deletion["probabilities"][0] == pytest.approx(summary["probability"], rel=1e-4)
    assert faith["score"] == pytest.approx(insertion["auc"] - deletion["auc"])
    assert "deletion" in summary["random_baseline"]
    maps = load_npy(api, done["randomisation_maps_url"])
    assert maps.shape == (1 + len(weighted), 28, 28)
    assert np.allclose(maps[0], load_npy(api, done["map_url"]))
    # The checks randomised a scratch copy: a map computed afterwards is the original one.
    later = explain(api, network, image_id, "gradient").json()
    run_queued()
    later = api.get(f"/api/explanations/{later['id']}/").json()
    assert np.allclose(load_npy(api, later["map_url"]), maps[0], atol=1e-6)


def test_a_missing_network_file_fails_the_job_with_a_reason(api, zoo, run_queued, tmp_path):
    network = zoo["tiny-vgg"]
    network.model_file = str(tmp_path / "gone.keras")
    network.save()
    image_id = upload_sample(api, 0)
    body = explain(api, network, image_id, "gradient", target=0).json()
    run_queued()
    job = api.get(f"/api/jobs/{body['job']['id']}/").json()
    assert job["status"] == "failed" and job["message"]
    assert ExplanationResult.objects.count() == 0


@pytest.mark.parametrize(
    ("builder", "size", "extra"),
    [
        # Separate Activation("relu") layers, softmax fused into the last Dense, RGB.
        ("build_tiny_vgg_64_rgb", (64, 64), {}),
        # ReLU layers, batch norm, odd sizes, global pooling, raw logits, normalised input.
        ("build_bn_strided", (31, 29), {"mean": [0.5], "std": [0.25]}),
    ],
)
def test_every_method_and_check_works_for_a_registered_network(
    api, zoo, tmp_path, run_queued, builder, size, extra
):
    from django.core.management import call_command

    from backend.networks.models import Network
    from tests.fixtures import models
    from tests.fixtures.images import image_bytes

    model = getattr(models, builder)(seed=5)
    classes = int(model.outputs[0].shape[-1])
    path = models.save_model(model, tmp_path / f"{builder}.keras")
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(f"class {i}" for i in range(classes)))
    call_command(
        "register_network", file=path, name="theirs", labels=labels,
        input_size=f"{size[0]}x{size[1]}", channels=3, public=True, **extra,
    )  # fmt: skip
    network = Network.objects.get(name="theirs")
    pixels = (np.random.default_rng(1).random((40, 50, 3)) * 255).astype(np.uint8)
    image = api.post(
        "/api/images/", {"file": io.BytesIO(image_bytes(pixels))}, format="multipart"
    ).json()["id"]
    ids = [explain(api, network, image, m["name"]).json()["id"] for m in (
        api.get("/api/attribution-methods/").json())]  # fmt: skip
    trust_ids = [
        explain(api, network, image, method, route="trust-checks").json()["id"]
        for method in ("gradcam", "guided-backprop")
    ]
    run_queued()
    for pk in ids:
        body = api.get(f"/api/explanations/{pk}/").json()
        assert body["job"]["status"] == "succeeded", (body["method"], body["job"]["message"])
        heat = load_npy(api, body["map_url"])
        assert heat.shape == size and np.isfinite(heat).all()
        if body["method"] == "integrated-gradients":
            assert body["summary"]["completeness_error"] < 0.05
    for pk in trust_ids:
        body = api.get(f"/api/trust-checks/{pk}/").json()
        assert body["job"]["status"] == "succeeded", body["job"]["message"]
        layers = body["summary"]["randomisation"]["layers"]
        assert layers[0] == network.layers[-1]["name"]  # from the output down
        assert load_npy(api, body["randomisation_maps_url"]).shape == (1 + len(layers), *size)
