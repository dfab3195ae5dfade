"""Per-filter guided backpropagation and gradient: against a NumPy backward pass on a small
in-code network (conv -> relu -> conv -> relu), and against a per-filter loop of the existing
class-score guided backpropagation on the zoo's Tiny VGG."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from datasets.registry import get_dataset
from tests.worker.attribution_reference import conv_input_gradient
from tests.worker.numpy_reference import conv2d
from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import prepare_batch
from worker.runtime.introspection import describe_layers
from worker.runtime.model_loading import load_keras_model
from worker.techniques.attribution.filters import explain_filters, write_filter_attribution
from worker.techniques.attribution.layers import conv_layers
from worker.techniques.attribution.model import AttributionModel

ROOT = Path(__file__).resolve().parents[2]
TINY_VGG = ROOT / "model_zoo" / "tiny_vgg"


def _small_network(seed: int = 3):
    """conv(3 filters) -> ReLU layer -> conv(4 filters, fused ReLU) -> flatten -> dense."""
    import keras

    keras.utils.set_random_seed(seed)
    inputs = keras.Input((7, 7, 2))
    x = keras.layers.Conv2D(3, 3, name="conv_a")(inputs)
    x = keras.layers.ReLU(name="relu_a")(x)
    x = keras.layers.Conv2D(4, 2, activation="relu", name="conv_b")(x)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(3, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(seed)
    # biases around zero so that some units are off and the ReLU rules matter
    model.set_weights([rng.normal(0, 0.6, w.shape).astype(np.float32) for w in model.get_weights()])
    return model


def _numpy_filter_gradient(model, x, channel: int, rule: str, *, guided: bool) -> np.ndarray:
    """d reduce(conv_b[..., channel]) / d x in float64, by hand."""
    k1, b1, k2, b2 = (np.asarray(w, np.float64) for w in model.get_weights()[:4])
    x = np.asarray(x, np.float64)
    z1 = conv2d(x, k1, b1)
    a1 = np.maximum(z1, 0)
    z2 = conv2d(a1, k2, b2)
    a2 = np.maximum(z2, 0)

    def relu_back(grad, pre):
        keep = pre > 0
        if guided:  # the guided rule: only positive gradients through positive inputs
            keep = keep & (grad > 0)
        return grad * keep

    g_a2 = np.zeros_like(a2)
    if rule == "max":
        i, j = np.unravel_index(np.argmax(a2[..., channel]), a2.shape[:2])
        g_a2[i, j, channel] = 1.0
    else:
        g_a2[..., channel] = 1.0
    g_z2 = relu_back(g_a2, z2)
    g_a1 = conv_input_gradient(g_z2, k2, a1.shape)
    g_z1 = relu_back(g_a1, z1)
    return conv_input_gradient(g_z1, k1, x.shape)


@pytest.mark.parametrize("rule", ["max", "sum"])
def test_small_network_matches_numpy(rule):
    model = _small_network()
    attribution = AttributionModel(model)
    x = np.random.default_rng(7).normal(0.3, 1.0, (7, 7, 2)).astype(np.float32)
    for layer, filters in (("conv_a", 3), ("conv_b", 4)):
        result = explain_filters(attribution, x, layer, rule=rule)
        assert result.guided.shape == (filters, 7, 7, 2)
        if layer != "conv_b":
            continue
        for c in range(filters):
            for guided, got in ((True, result.guided[c]), (False, result.gradient[c])):
                want = _numpy_filter_gradient(model, x, c, rule, guided=guided)
                np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)
    # the guided rule must differ from the plain one somewhere, or the test proves nothing
    assert not np.allclose(result.guided, result.gradient)


def test_conv_layers_and_refusals():
    model = _small_network()
    attribution = AttributionModel(model)
    assert conv_layers(describe_layers(model)) == ["conv_a", "conv_b"]
    x = np.zeros((7, 7, 2), np.float32)
    with pytest.raises(ValueError, match="not a convolutional layer"):
        explain_filters(attribution, x, "relu_a")
    with pytest.raises(ValueError, match="rule"):
        explain_filters(attribution, x, "conv_a", rule="mean")


def _loop_reference(model, layer: str, x: np.ndarray, rule: str):
    """Per-filter loop of the existing guided backpropagation: a copy of the network ending
    in a global pooling of ``layer`` (one "class" per filter), explained one filter at a time."""
    import keras

    out = model.get_layer(layer).output
    if rule == "max":
        head = keras.layers.GlobalMaxPooling2D(name="filter_scores")(out)
    else:
        head = keras.layers.GlobalAveragePooling2D(name="filter_scores")(out)
    per_filter = AttributionModel(keras.Model(model.inputs, head))
    scale = 1.0 if rule == "max" else float(out.shape[1] * out.shape[2])
    filters = int(out.shape[-1])
    guided = np.stack([per_filter.guided_gradients(x[None], c)[0] for c in range(filters)])
    plain = np.stack([per_filter.input_gradients(x[None], c)[0][0] for c in range(filters)])
    return guided * scale, plain * scale


@pytest.fixture(scope="module")
def tiny_vgg():
    return load_keras_model(TINY_VGG / "model.keras")


@pytest.fixture(scope="module")
def shirt():
    dataset = get_dataset("fashion-mnist")
    if not dataset.available():
        pytest.skip("Fashion-MNIST is not installed")
    pixels, _labels = dataset.load("test")
    spec = InputSpec.from_dict(json.loads((TINY_VGG / "manifest.json").read_text())["input"])
    return prepare_batch(pixels[:1], spec)[0]


@pytest.mark.parametrize(("layer", "rule"), [("conv_2_2", "max"), ("conv_1_1", "sum")])
def test_tiny_vgg_matches_per_filter_loop(tiny_vgg, shirt, layer, rule, tmp_path):
    attribution = AttributionModel(tiny_vgg)
    result = explain_filters(attribution, shirt, layer, rule=rule)
    guided, plain = _loop_reference(tiny_vgg, layer, shirt, rule)
    np.testing.assert_allclose(result.guided, guided, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(result.gradient, plain, atol=1e-5, rtol=1e-5)
    assert np.abs(result.guided).max() > 0
    # chunked (3 filters per call) equals one call
    chunked, _ = attribution.filter_gradients(layer, shirt, range(7), rule=rule, chunk=3)
    np.testing.assert_allclose(chunked, result.guided[:7], atol=1e-6)
    summary = write_filter_attribution(result, tmp_path / "out")
    maps = np.load(tmp_path / "out" / "guided.npy")
    assert maps.shape == (summary["filters"], 28, 28)
    assert summary["filters"] == tiny_vgg.get_layer(layer).output.shape[-1]
