"""Layers kept within a storage budget (float32 when all fit, float16 otherwise, the smallest
first) and one layer recomputed exactly, on the real ResNet50 architecture (64×64)."""

import numpy as np
import pytest

from tests.fixtures.real_size import build_model
from worker.techniques.activations import ActivationExtractor
from worker.techniques.analysis import compute_layer, npy_bytes, plan_storage, run_analysis


@pytest.fixture(scope="module")
def resnet():
    return build_model("resnet50")


@pytest.fixture(scope="module")
def extractor(resnet):
    return ActivationExtractor(resnet)


@pytest.fixture(scope="module")
def image():
    return np.random.default_rng(3).normal(0, 1, (64, 64, 3)).astype(np.float32)


def keras_layer_output(model, name: str, x: np.ndarray) -> np.ndarray:
    """Keras's own output of one layer: a sub-model ending there, called directly."""
    import keras

    sub = keras.Model(model.inputs, model.get_layer(name).output)
    return np.asarray(sub(x[np.newaxis], training=False))[0]


def test_plan_storage_budget_rules():
    shapes = [[10, 10, 4], [2, 2, 1], [5, 5, 2]]
    f32 = sum(npy_bytes(s, "float32") for s in shapes)
    f16 = sum(npy_bytes(s, "float16") for s in shapes)
    assert npy_bytes([10, 10, 4], "float16") == 128 + 800
    assert plan_storage(shapes, None) == ("float32", {0, 1, 2})
    assert plan_storage(shapes, f32) == ("float32", {0, 1, 2})
    assert plan_storage(shapes, f32 - 1) == ("float16", {0, 1, 2})
    assert plan_storage(shapes, f16 - 1) == ("float16", {1, 2})  # the smallest first
    assert plan_storage(shapes, 100) == ("float16", set())


def test_float16_storage_round_trip_and_exact_recompute(tmp_path, resnet, extractor, image):
    outputs = extractor.run(image)
    budget = 400_000
    result = run_analysis(extractor, image, tmp_path / "r", budget_bytes=budget)
    assert len(result.layers) == len(outputs) == 176  # every layer described
    stored = {p.name for p in (tmp_path / "r").iterdir()} - {"probabilities.npy", "previews.csb"}
    assert 0 < len(stored) < len(outputs)
    layer_bytes = sum((tmp_path / "r" / name).stat().st_size for name in stored)
    assert layer_bytes <= budget
    for info, activation in zip(result.layers, outputs, strict=True):
        assert info["dtype"] == "float16"
        if info["file"] in stored:
            saved = np.load(tmp_path / "r" / info["file"])
            assert saved.dtype == np.float16 and list(saved.shape) == info["shape"]
            np.testing.assert_array_equal(saved, activation.astype(np.float16))

    # A layer not stored (the first convolution, the largest), recomputed: exactly as the
    # analysis computed it, and equal to Keras's own output of that layer.
    conv = next(info for info in result.layers if info["name"] == "conv1_conv")
    assert conv["file"] not in stored
    exact = compute_layer(extractor, image, conv["index"], "float32")
    assert exact.dtype == np.float32
    np.testing.assert_array_equal(exact, outputs[conv["index"]])
    reference = keras_layer_output(resnet, "conv1_conv", image)
    np.testing.assert_allclose(exact, reference, rtol=1e-5, atol=1e-5 * np.abs(reference).max())
    half = compute_layer(extractor, image, conv["index"])
    assert half.dtype == np.float16
    np.testing.assert_array_equal(half, exact.astype(np.float16))
    # A deep layer too (after residual merges).
    deep = next(info for info in result.layers if info["name"] == "conv4_block3_out")
    reference = keras_layer_output(resnet, "conv4_block3_out", image)
    got = compute_layer(extractor, image, deep["index"], "float32")
    np.testing.assert_allclose(got, reference, rtol=1e-4, atol=1e-5 * np.abs(reference).max())
    with pytest.raises(ValueError, match="no layer"):
        compute_layer(extractor, image, 9999)


def test_small_networks_unchanged_within_budget(tmp_path, extractor, image):
    # A budget larger than every layer in float32: all of them, exact, no "dtype" key.
    result = run_analysis(extractor, image, tmp_path / "all", budget_bytes=10**9)
    assert all("dtype" not in info for info in result.layers)
    first = np.load(tmp_path / "all" / result.layers[0]["file"])
    assert first.dtype == np.float32
