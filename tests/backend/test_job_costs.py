"""Cost estimates before a job is queued (worker/runtime/cost.py, backend/jobs/costs.py): the
multiply-add count against published figures, and requests on a real-size network refused with a
sentence saying what to change, before any job or stored image exists."""

import pytest

from backend.jobs.models import Job
from tests.backend.test_analyses_api import upload_sample
from worker.runtime import cost

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def resnet224_layers() -> list[dict]:
    """keras.applications ResNet50 at 224×224, described as a network row stores it."""
    import keras

    from worker.runtime.introspection import describe_layers

    return describe_layers(keras.applications.ResNet50(weights=None))


@pytest.fixture
def resnet224(db, resnet224_layers):
    """A network row of ResNet50's real size. Refusals never load its (absent) file."""
    from backend.networks.models import Network

    return Network.objects.create(
        name="resnet-cost",
        version=1,
        title="ResNet50",
        public=True,
        source="zoo",
        model_file="/nonexistent/model.keras",
        weights_sha256="0" * 64,
        labels=[f"class {i}" for i in range(1000)],
        input_spec={
            "height": 224,
            "width": 224,
            "channels": 3,
            "scale": 1.0,
            "mean": [0.0],
            "std": [1.0],
            "resize": "stretch",
        },  # fmt: skip
        layers=resnet224_layers,
        params=25_636_712,
    )


def test_multiply_adds_match_the_published_figures(resnet224_layers):
    import keras

    from worker.runtime.introspection import describe_layers

    # He et al. 2015: 3.8 × 10^9 multiply-adds for ResNet-50 (keras's adds biases and BN).
    assert 3.8e9 <= cost.network_macs(resnet224_layers) <= 4.2e9
    # Sandler et al. 2018: MobileNetV2 1.0 at 224: 300 M multiply-adds.
    mobilenet = describe_layers(keras.applications.MobileNetV2(weights=None))
    assert 0.29e9 <= cost.network_macs(mobilenet) <= 0.33e9
    # Up to a layer: the padding layer (each of its values) and the 7×7 convolution itself.
    upto = cost.network_macs(resnet224_layers, upto="conv1_conv")
    assert upto == 230 * 230 * 3 + (7 * 7 * 3 * 64 + 64) * 112 * 112


def test_occlusion_passes_and_the_window_that_fits():
    assert cost.attribution_passes("occlusion", {"window": 4, "stride": 2}, 28, 28) == 13 * 13 + 1
    assert cost.attribution_passes("occlusion", {"window": 4, "stride": 2}, 224, 224) == (
        111 * 111 + 1
    )
    assert cost.attribution_passes("smoothgrad", {"samples": 20}, 224, 224) == 60
    macs = 4e9
    window = cost.occlusion_window_that_fits(224, 224, macs, 120, throughput=40e9)
    fits = cost.attribution_passes("occlusion", {"window": window, "stride": window // 2}, 224, 224)
    assert fits * macs / 40e9 <= 120 * cost.HEADROOM
    smaller = window - 2
    more = cost.attribution_passes(
        "occlusion", {"window": smaller, "stride": max(2, smaller // 2)}, 224, 224
    )
    assert more * macs / 40e9 > 120 * cost.HEADROOM


def test_occlusion_with_a_small_window_on_resnet50_is_refused_with_what_to_change(
    api, resnet224, zoo
):
    image = upload_sample(api, 0)
    jobs_before = Job.objects.count()
    response = api.post(
        "/api/explanations/",
        {
            "network": resnet224.pk,
            "image": image,
            "method": "occlusion",
            "params": {"window": 4, "stride": 2},
        },
        format="json",
    )
    assert response.status_code == 400
    text = response.json()["detail"]
    assert "12,322 forward passes of ResNet50" in text
    assert "about 20 minutes" in text and "the worker allows 5 minutes" in text
    assert "Use a window of at least 10 pixels (stride 5)" in text
    assert Job.objects.count() == jobs_before  # nothing queued


def test_smoothgrad_trust_checks_on_resnet50_refused_and_defaults_accepted(
    api, resnet224, zoo, settings
):
    from backend.explanations import services

    image = upload_sample(api, 0)
    response = api.post(
        "/api/trust-checks/",
        {"network": resnet224.pk, "image": image, "method": "smoothgrad"},
        format="json",
    )
    assert response.status_code == 400
    assert "The trust checks of smoothgrad" in response.json()["detail"]
    # gradient and Grad-CAM maps, and occlusion at its default (scaled) window, fit.
    for method in ("gradient", "gradcam", "occlusion"):
        _m, _t, _l, params = services.clean_request(resnet224, method, None, None, None)
        services.check_cost(resnet224, "map", method, params)
    # A slower server (its measured throughput in settings) refuses what fitted.
    settings.CONVSCOPE_COMPUTE_MACS = 1e8
    with pytest.raises(services.RequestInvalid, match="Use a faster method"):
        services.check_cost(resnet224, "map", "gradient", {})


def test_feature_vis_of_many_filters_refused_and_ranking_subset_shrinks(
    api, resnet224, zoo, settings
):
    response = api.post(
        "/api/feature-vis/",
        {"network": resnet224.pk, "layer": "conv5_block3_3_conv", "filters": list(range(512))},
        format="json",
    )
    assert response.status_code == 400
    assert "Visualising 512 filters" in response.json()["detail"]
    assert "Ask for at most" in response.json()["detail"]

    from backend.evaluations.services import _ranking_params

    params = _ranking_params(resnet224, {"layer": "conv5_block3_3_conv", "subset": 1000})
    assert 10 <= params["subset"] < 1000  # shrunk to what the worker can finish
    early = _ranking_params(resnet224, {"layer": "conv1_conv", "subset": 1000})
    assert 10 <= early["subset"] < 1000
    settings.CONVSCOPE_COMPUTE_MACS = 1e9  # a server too slow for even ten images
    with pytest.raises(ValueError, match="Ranking the 64 filters of conv1_conv"):
        _ranking_params(resnet224, {"layer": "conv1_conv", "subset": 1000})


def test_dataset_jobs_on_resnet50_refused_or_shrunk_to_what_fits(resnet224, zoo, settings):
    """Evaluation, top activations and embeddings run the network over the test split: each is
    checked against the time limit before it is queued (10,000 Fashion-MNIST test images at
    224×224 through ResNet50 are about 4 × 10^13 multiply-adds)."""
    from backend.datasets.models import Dataset
    from backend.datasets.services import sync_builtin_datasets
    from backend.evaluations.services import RequestInvalid, clean_params

    sync_builtin_datasets()
    resnet224.dataset = Dataset.objects.get(name="fashion-mnist")
    resnet224.save()

    with pytest.raises(RequestInvalid, match="Evaluating on all 10,000 test images") as refused:
        clean_params(resnet224, "evaluation", {})
    assert "needs about 10,000 forward passes of ResNet50" in str(refused.value)
    # top activations: the whole network is too much, a layer near the input fits
    with pytest.raises(RequestInvalid, match="Choose a layer nearer the input"):
        clean_params(resnet224, "top-activations", {"layer": "conv5_block3_out"})
    assert clean_params(resnet224, "top-activations", {"layer": "conv1_conv"})["layer"] == (
        "conv1_conv"
    )
    # an embedding's subset shrinks to what the worker can read in time
    params = clean_params(resnet224, "embedding", {"method": "pca", "layer": "avg_pool"})
    assert 10 <= params["subset"] < 10_000
    small = clean_params(
        resnet224, "embedding", {"method": "pca", "layer": "avg_pool", "subset": 50}
    )
    assert small["subset"] == 50
    # A faster server (its measured throughput in settings) accepts the full evaluation.
    settings.CONVSCOPE_COMPUTE_MACS = 1e13
    assert clean_params(resnet224, "evaluation", {}) == {}


def test_a_neighbourhood_on_resnet50_is_refused_past_what_fits(resnet224, zoo, settings):
    """The neighbourhood view labels every neighbour and path picture with the network: on
    ResNet50 at 224 px all 1,000 fit this server's limit (about 100 s); on a server a quarter
    as fast the default 200 still fit, 1,000 do not, and the refusal says how many would."""
    from backend.datasets.models import Dataset
    from backend.datasets.services import sync_builtin_datasets
    from backend.neighbourhoods.services import RequestInvalid, clean_params

    sync_builtin_datasets()
    resnet224.dataset = Dataset.objects.get(name="fashion-mnist")
    resnet224.save()
    assert clean_params(resnet224, {"index": 0, "neighbours": 1000})["neighbours"] == 1000
    settings.CONVSCOPE_COMPUTE_MACS = 1e10
    assert clean_params(resnet224, {"index": 0})["neighbours"] == 200
    with pytest.raises(RequestInvalid, match=r"Labelling 1022 neighbours") as refused:
        clean_params(resnet224, {"index": 0, "neighbours": 1000})
    fits = int(str(refused.value).split("Ask for at most ")[1].split()[0])
    assert 200 <= fits < 1000
    assert clean_params(resnet224, {"index": 0, "neighbours": fits - 22})["neighbours"] == fits - 22
