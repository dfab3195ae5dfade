"""The out-of-distribution check on a real network (tiny-vgg, Fashion-MNIST): fitted once from
the training split with the threshold set on the test split, then every analysis says whether
its image is unlike what the network learned from. A Fashion-MNIST test image passes; a CT scan
(pydicom's own test file), a colour photo of a cat and noise are flagged. The model card is on
every analysis."""

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.backend.test_analyses_api import upload_sample
from tests.backend.test_job_costs import resnet224, resnet224_layers  # noqa: F401, F811 - fixtures
from tests.fixtures.images import image_bytes

pytestmark = pytest.mark.django_db


def analyse(api, run_queued, network, image_id) -> dict:
    response = api.post("/api/analyses/", {"network": network.pk, "image": image_id}, format="json")
    assert response.status_code == 202, response.content
    run_queued()
    return api.get(f"/api/analyses/{response.json()['id']}/").json()


def upload(api, name: str, data: bytes) -> int:
    response = api.post(
        "/api/images/", {"file": SimpleUploadedFile(name, data)}, format="multipart"
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_fitted_once_then_flags_what_is_unlike_fashion_mnist(api, zoo, queued, run_queued):
    from pydicom.data import get_testdata_file
    from skimage import data

    network = zoo["tiny-vgg"]
    inside = analyse(api, run_queued, network, upload_sample(api, 0))
    network.refresh_from_db()
    fitted = network.ood
    assert fitted["method"] == "mahalanobis" and len(fitted["layers"]) == 6
    from backend.networks import ood

    budget = ood.images_that_fit(network, fitted["layers"])
    assert fitted["train_images"] == min(ood.MAX_TRAIN_IMAGES, budget) >= 2000
    assert fitted["test_images"] == min(ood.MAX_TEST_IMAGES, budget // 2)
    assert fitted["threshold"] > 0
    check = inside["ood"]
    assert check["method"] == "mahalanobis" and check["flagged"] is False
    assert check["score"] <= check["threshold"] == pytest.approx(fitted["threshold"])

    ct = open(get_testdata_file("CT_small.dcm"), "rb").read()  # noqa: SIM115
    outside = {
        "ct-scan.dcm": ct,
        "cat.png": image_bytes(data.chelsea()),
        "noise.png": image_bytes(
            np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
        ),
    }
    for name, payload in outside.items():
        result = analyse(api, run_queued, network, upload(api, name, payload))
        assert result["ood"]["flagged"] is True, (name, result["ood"])
        assert result["ood"]["score"] > result["ood"]["threshold"]
        assert result["prediction"]  # the answer is still given, with the warning beside it
    network.refresh_from_db()
    assert network.ood == fitted  # fitted once, not per analysis

    # a light-background picture for a dark-background dataset: said, so the page can offer
    # to invert its colours
    assert inside["ood"]["polarity"]["training_background"] == "dark"
    assert inside["ood"]["polarity"]["opposite"] is False
    from datasets.registry import get_dataset

    pixels, _ = get_dataset("fashion-mnist").sample(0)
    inverted = analyse(
        api, run_queued, network, upload(api, "inverted.png", image_bytes(255 - pixels[:, :, 0]))
    )
    polarity = inverted["ood"]["polarity"]
    assert polarity["opposite"] is True and polarity["image_background"] == "light"
    assert polarity["training_border"] < 0.1 < 0.9 < polarity["image_border"]
    assert inverted["ood"]["flagged"] is True

    card = inside["model_card"]
    assert card["class_count"] == 10 and card["classes"][0] == "T-shirt/top"
    assert card["sentence"] == "It can only answer with one of these 10 classes."
    assert card["trained_on"]["dataset"] == "fashion-mnist"
    assert card["trained_on"]["images"] == 60000
    assert card["trained_on"]["image_kind"] == "greyscale images of 28×28 pixels"
    assert card["test_accuracy"] == pytest.approx(network.test_accuracy)


def test_without_a_dataset_the_energy_is_reported_unflagged(api, zoo, queued, run_queued):
    network = zoo["tiny-vgg"]
    network.dataset = None
    network.save()
    result = analyse(api, run_queued, network, upload_sample(api, 1))
    assert result["ood"]["method"] == "energy"
    assert result["ood"]["flagged"] is None and result["ood"]["threshold"] is None
    assert result["model_card"]["trained_on"] is None


def test_calibrated_confidence_beside_the_raw_softmax(api, zoo, queued, run_queued):
    """Temperature scaling fitted on the test split (once): every answer carries the calibrated
    probabilities beside the raw ones, and what its confidence meant in tests."""
    from worker.techniques import calibration

    network = zoo["tiny-vgg"]
    result = analyse(api, run_queued, network, upload_sample(api, 0))
    network.refresh_from_db()
    fitted = network.calibration
    assert fitted["images"] == 5000 and 0.05 < fitted["temperature"] < 20
    # calibration does not make it worse on the images it was fitted on
    assert fitted["after"]["ece"] <= fitted["before"]["ece"] + 1e-9
    assert fitted["after"]["accuracy"] == fitted["before"]["accuracy"]  # same argmax
    rows = result["prediction"]
    raw = np.array([row["probability"] for row in rows])
    adjusted = np.array([row["calibrated"] for row in rows])
    assert adjusted.sum() == pytest.approx(1.0, abs=1e-6)
    assert adjusted.argmax() == raw.argmax()
    expected = calibration.softmax(np.log(raw)[None], fitted["temperature"])[0]
    np.testing.assert_allclose(adjusted, expected, rtol=1e-5, atol=1e-9)
    confidence = result["confidence"]
    assert confidence["confidence"] == pytest.approx(adjusted.max())
    assert 0 <= confidence["right_in_tests"] <= 1
    assert confidence["images"] == 5000


def test_a_large_network_is_not_fitted_inside_an_analysis(resnet224, zoo):  # noqa: F811
    """ResNet50 at 224 px linked to Fashion-MNIST: fitting would take minutes, longer than an
    analysis may run; the analysis says the check is not ready (without loading the model),
    registration or `manage.py fit_answer_checks` fit it."""
    from backend.datasets.models import Dataset
    from backend.networks import calibration, ood

    resnet224.dataset = Dataset.objects.get(name="fashion-mnist")
    resnet224.save()
    assert ood.fit_seconds(resnet224) > ood.ANALYSIS_FIT_SECONDS
    assert ood.ensure_fitted(resnet224, max_seconds=ood.ANALYSIS_FIT_SECONDS) == {}
    assert calibration.ensure_fitted(resnet224, max_seconds=ood.ANALYSIS_FIT_SECONDS) == {}
    check = ood.score(resnet224, np.zeros((224, 224, 3), np.float32))
    assert check["flagged"] is None and "not ready" in check["error"]


def test_fit_answer_checks_command(zoo):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("fit_answer_checks", "--network", "tiny-vgg", stdout=out)
    assert "tiny-vgg v1: out-of-distribution mahalanobis, temperature 1." in out.getvalue()
    zoo["tiny-vgg"].refresh_from_db()
    assert zoo["tiny-vgg"].ood["method"] == "mahalanobis"
