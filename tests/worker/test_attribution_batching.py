"""Occlusion's model calls: memory-bounded batches on a real-size network (ResNet50, 64×64),
one traced function for every batch size, and maps equal to an unbatched NumPy reference."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.models import build_tiny_vgg_64_rgb
from tests.fixtures.real_size import build_model
from tests.worker.numpy_reference import reference_graph_forward
from worker.techniques.attribution.model import AttributionModel
from worker.techniques.attribution.registry import explain

WINDOW, STRIDE = 32, 16  # 3 x 3 = 9 windows on a 64-pixel image


def _record_calls(model: AttributionModel) -> list[int]:
    """Batch sizes of the score function's calls (the real function still runs)."""
    calls: list[int] = []
    traced = model._logits_fn

    def recording(x):
        calls.append(int(x.shape[0]))
        return traced(x)

    model._logits_fn = recording
    return calls


def _numpy_scores(keras_model, x: np.ndarray) -> np.ndarray:
    """Pre-softmax scores of one image, float64, from the NumPy graph forward pass."""
    values = reference_graph_forward(keras_model, x)
    kernel, bias = (np.asarray(w, np.float64) for w in keras_model.layers[-1].get_weights())
    return values[keras_model.layers[-2].name] @ kernel + bias


def _numpy_occlusion(keras_model, x, target, window, stride, black):
    """One image per forward pass (NumPy, float64), the windows' drops averaged per pixel."""
    height, width = x.shape[:2]
    full = _numpy_scores(keras_model, x)[target]
    starts = list(range(0, height - window + 1, stride))
    total = np.zeros((height, width))
    count = np.zeros((height, width))
    for top in starts:
        for left in starts:
            hidden = x.astype(np.float64).copy()
            hidden[top : top + window, left : left + window, :] = black
            drop = full - _numpy_scores(keras_model, hidden)[target]
            total[top : top + window, left : left + window] += drop
            count[top : top + window, left : left + window] += 1
    return total / count


@pytest.fixture(scope="module")
def resnet():
    return build_model("resnet50")


def test_resnet50_occlusion_batches_are_memory_bounded_and_match_numpy(resnet):
    """ResNet50's gradient chunk (``max_batch``, which keeps every layer's output for the
    backward pass) is a few images; occlusion only needs scores, so its batch is set by the
    largest layer output alone: 1 GiB // (4 live outputs x 4 bytes x 34·34·64 values of
    ``pool1_pad``) = 907, capped at 512, and occlusion takes at most 32 of them per call.
    All 9 occluded copies go through in one call; with a budget of 4 images they go 4, 4, 1.
    Either way the map equals the NumPy loop."""
    x = np.random.default_rng(3).uniform(0, 1, (64, 64, 3)).astype(np.float32)
    values = reference_graph_forward(resnet, x)
    largest = max(int(np.prod(v.shape)) for v in values.values())
    assert largest == 34 * 34 * 64
    per_image = 4 * 4 * largest
    want = None

    model = AttributionModel(resnet)
    assert model.max_batch < 9
    assert model.bounded_batch() == min(512, (1 << 30) // per_image) == 512
    small = AttributionModel(resnet, batch_budget=4 * per_image)
    assert small.bounded_batch() == 4

    for attribution, expected_calls, batch in ((model, [1, 9], 32), (small, [1, 4, 4, 1], 4)):
        target = attribution.predicted_class(x)
        calls = _record_calls(attribution)
        params = {"window": WINDOW, "stride": STRIDE}
        result = explain(attribution, x, "occlusion", target=target, params=params)
        assert calls == expected_calls
        assert result.info["windows"] == 9 and result.info["batch"] == batch
        if want is None:
            want = _numpy_occlusion(resnet, x, target, WINDOW, STRIDE, attribution.black)
        scale = np.abs(want).max()
        assert scale > 0
        np.testing.assert_allclose(result.map, want, rtol=0, atol=1e-3 * scale)


def test_occlusion_batches_share_one_traced_function():
    """Every batch size, the ragged last batch included, runs the functions traced when the
    model was prepared: occlusion traces nothing, however its windows divide into batches."""
    net = build_tiny_vgg_64_rgb(seed=4)
    from worker.runtime.batching import LIVE_ACTIVATIONS, largest_activation

    per_image = LIVE_ACTIVATIONS * 4 * largest_activation(net)
    x = np.random.default_rng(5).uniform(0, 1, (64, 64, 3)).astype(np.float32)
    for images in (3, 7, 25):  # 25 windows: batches 3 x 8 + 1, 7 x 3 + 4, one of 25
        model = AttributionModel(net, batch_budget=images * per_image)
        traces = model.traces
        assert traces > 0
        calls = _record_calls(model)
        explain(model, x, "occlusion", target=1, params={"window": 16, "stride": 12})
        explain(model, x, "occlusion", target=2, params={"window": 16, "stride": 12})
        # Each run: the unaltered image, then the full batches and the ragged rest.
        assert set(calls) == {1, images, 25 % images or images}
        assert model.traces == traces
