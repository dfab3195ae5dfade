"""ActivationExtractor against the independent NumPy reference, layer by layer."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.models import (
    build_bn_strided,
    build_tiny_vgg_28,
    build_tiny_vgg_64_rgb,
    save_model,
)
from tests.worker.numpy_reference import reference_forward
from worker.runtime.model_loading import load_keras_model, validate_model_file
from worker.techniques.activations import ActivationExtractor, softmax

ATOL = 1e-4


def _assert_matches_reference(model, extractor: ActivationExtractor, x: np.ndarray) -> None:
    expected = reference_forward(model, x)
    outputs = extractor.run(x)
    assert [info["name"] for info in extractor.layers] == list(expected)
    for info, got in zip(extractor.layers, outputs, strict=True):
        want = expected[info["name"]]
        assert got.dtype == np.float32
        assert got.shape == want.shape, info["name"]
        assert list(got.shape) == info["output_shape"], info["name"]
        np.testing.assert_allclose(got, want, atol=ATOL, rtol=1e-4, err_msg=info["name"])


def test_tiny_vgg_28_matches_reference():
    model = build_tiny_vgg_28(seed=1)
    extractor = ActivationExtractor(model)
    assert extractor.input_shape == (28, 28, 1)
    x = np.random.default_rng(0).uniform(0, 1, (28, 28, 1)).astype(np.float32)
    _assert_matches_reference(model, extractor, x)
    assert extractor.softmax_output
    first, pool = extractor.layers[0], extractor.layers[2]
    assert first["inbound"] == [model.inputs[0]._keras_history.operation.name]
    assert first["input_shape"] == [28, 28, 1] and first["output_shape"] == [28, 28, 8]
    assert first["config"] == {
        "filters": 8,
        "kernel_size": [3, 3],
        "strides": [1, 1],
        "padding": "same",
        "activation": "relu",
        "dilation_rate": [1, 1],
    }
    assert pool["type"] == "MaxPooling2D" and pool["config"]["pool_size"] == [2, 2]
    assert pool["params"] == 0 and pool["inbound"] == ["conv1_2"]
    probs = extractor.probabilities(extractor.run(x)[-1])
    assert probs.sum() == pytest.approx(1.0, abs=1e-5)


def test_traces_once_and_batches_agree():
    extractor = ActivationExtractor(build_tiny_vgg_28(seed=2))
    extractor.warm_up()
    rng = np.random.default_rng(1)
    batch = rng.uniform(0, 1, (3, 28, 28, 1)).astype(np.float32)
    batched = extractor.run_batch(batch)
    single = extractor.run(batch[2])
    for b, s in zip(batched, single, strict=True):
        np.testing.assert_allclose(b[2], s, atol=1e-6)
    assert extractor._forward.experimental_get_tracing_count() == 1
    with pytest.raises(ValueError):
        extractor.run(np.zeros((27, 28, 1), np.float32))


def test_tiny_vgg_64_saved_loaded_and_validated(tmp_path):
    model = build_tiny_vgg_64_rgb(seed=3)
    path = save_model(model, tmp_path / "tiny_vgg_64.keras")
    loaded = load_keras_model(path)
    extractor = ActivationExtractor(loaded)
    x = np.random.default_rng(2).uniform(0, 1, (64, 64, 3)).astype(np.float32)
    _assert_matches_reference(loaded, extractor, x)
    names = [info["name"] for info in extractor.layers]
    assert names[:3] == ["conv_1_1", "relu_1_1", "conv_1_2"]
    assert extractor.layers[0]["inbound"] == ["image"]
    assert extractor.layers[1]["inbound"] == ["conv_1_1"]
    assert extractor.layers[0]["config"]["padding"] == "valid"
    assert extractor.layers[0]["params"] == 3 * 3 * 3 * 10 + 10
    assert extractor.layers[-1]["output_shape"] == [10]

    summary = validate_model_file(path)
    assert summary["input_shape"] == [64, 64, 3]
    assert summary["num_classes"] == 10
    assert summary["softmax_output"] is True
    assert summary["params"] == model.count_params()
    assert summary["layers"] == extractor.layers


def test_batchnorm_same_padding_stride_2():
    model = build_bn_strided(seed=4)
    extractor = ActivationExtractor(model)
    x = np.random.default_rng(3).normal(0, 1, (31, 29, 3)).astype(np.float32)
    _assert_matches_reference(model, extractor, x)
    assert not extractor.softmax_output
    logits = extractor.run(x)[extractor.output_index]
    probs = extractor.probabilities(logits)
    np.testing.assert_allclose(probs, softmax(logits), atol=1e-7)
    assert probs.sum() == pytest.approx(1.0, abs=1e-5)
    assert extractor.layers[1]["config"]["epsilon"] == pytest.approx(1e-3)


def test_stable_softmax_handles_huge_logits():
    probs = softmax(np.array([1000.0, 1000.0, -1000.0]))
    np.testing.assert_allclose(probs, [0.5, 0.5, 0.0], atol=1e-7)
