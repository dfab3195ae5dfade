"""Filter ranking: ablation accuracy against a plain Keras evaluation of a copy of the network
whose filter's kernel and bias are zero; kernel norms and dead flags against NumPy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from datasets.registry import get_dataset
from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import prepare_batch
from worker.runtime.model_loading import load_keras_model
from worker.techniques.filter_ranking import rank_filters, seeded_indices

ROOT = Path(__file__).resolve().parents[2]
TINY_VGG = ROOT / "model_zoo" / "tiny_vgg"
LAYER = "conv_2_1"


@pytest.fixture(scope="module")
def model():
    return load_keras_model(TINY_VGG / "model.keras")


@pytest.fixture(scope="module")
def data():
    dataset = get_dataset("fashion-mnist")
    if not dataset.available():
        pytest.skip("Fashion-MNIST is not installed")
    pixels, labels = dataset.load("test")
    spec = InputSpec.from_dict(json.loads((TINY_VGG / "manifest.json").read_text())["input"])
    sample = prepare_batch(pixels[seeded_indices(len(pixels), 200)], spec)
    chosen = seeded_indices(len(pixels), 300, seed=1)
    return sample, prepare_batch(pixels[chosen], spec), labels[chosen].astype(np.int64)


@pytest.fixture(scope="module")
def ranking(model, data):
    sample, subset, labels = data
    return rank_filters(model, LAYER, sample, subset, labels, batch=128)


def _accuracy_with_filter_zeroed(model, layer: str, c: int | None, x, labels) -> float:
    import keras

    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    if c is not None:
        kernel, bias = clone.get_layer(layer).get_weights()
        kernel[..., c] = 0.0
        bias[c] = 0.0
        clone.get_layer(layer).set_weights([kernel, bias])
    predicted = np.argmax(clone.predict(x, batch_size=100, verbose=0), axis=1)
    return float(np.mean(predicted == labels))


def test_ablation_accuracy_equals_a_plain_evaluation_with_the_filter_zeroed(model, data, ranking):
    _, subset, labels = data
    assert ranking["baseline_accuracy"] == _accuracy_with_filter_zeroed(
        model, LAYER, None, subset, labels
    )
    rows = ranking["rows"]
    # the filter that matters most, the one that matters least, and one in between
    by_drop = sorted(rows, key=lambda r: r["ablation_drop"])
    for row in (by_drop[0], by_drop[len(by_drop) // 2], by_drop[-1]):
        expected = _accuracy_with_filter_zeroed(model, LAYER, row["filter"], subset, labels)
        assert row["ablation_accuracy"] == expected, row["filter"]
        assert row["ablation_drop"] == pytest.approx(ranking["baseline_accuracy"] - expected)
    assert by_drop[-1]["ablation_drop"] > 0  # switching some filter off costs accuracy


def test_kernel_norms_and_activation_statistics(model, data, ranking):
    import keras

    sample, _, _ = data
    kernel = model.get_layer(LAYER).get_weights()[0]
    activations = keras.Model(model.inputs, model.get_layer(LAYER).output).predict(
        sample, verbose=0
    )
    rows = ranking["rows"]
    assert [r["filter"] for r in rows] == list(range(kernel.shape[-1]))
    for r in rows:
        c = r["filter"]
        assert r["kernel_norm"] == pytest.approx(float(np.linalg.norm(kernel[..., c])), rel=1e-6)
        channel = activations[..., c]
        assert r["mean_activation"] == pytest.approx(float(channel.mean()), rel=1e-4, abs=1e-6)
        assert r["max_activation"] == pytest.approx(float(channel.max()), rel=1e-5)
        active = float(np.mean(channel.reshape(len(sample), -1).max(axis=1) > 0))
        assert r["active_fraction"] == pytest.approx(active)
        assert r["dead"] == (not (channel > 0).any())


def test_dead_filters_are_flagged(model, data):
    """A filter with a very negative bias never fires after its ReLU: it is dead, and switching
    it off changes nothing."""
    import keras

    sample, subset, labels = data
    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    kernel, bias = clone.get_layer(LAYER).get_weights()
    bias[3] = -1e6
    clone.get_layer(LAYER).set_weights([kernel, bias])
    result = rank_filters(clone, LAYER, sample, subset, labels)
    dead = [r["filter"] for r in result["rows"] if r["dead"]]
    assert 3 in dead
    row = result["rows"][3]
    assert row["active_fraction"] == 0 and row["max_activation"] == 0
    assert row["ablation_drop"] == 0


def test_only_conv_layers_are_ranked(model, data):
    sample, subset, labels = data
    with pytest.raises(ValueError, match="Conv2D"):
        rank_filters(model, "max_pool_1", sample, subset, labels)
    with pytest.raises(ValueError, match="unknown layer"):
        rank_filters(model, "nope", sample, subset, labels)
