"""Feature visualisation on the zoo Tiny VGG: selectivity, determinism, classes, diversity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from worker.inputs.input_spec import InputSpec
from worker.runtime.model_loading import load_keras_model
from worker.techniques.feature_vis.model import FeatureVisModel
from worker.techniques.feature_vis.params import DEFAULT_STEPS, VERSION
from worker.techniques.feature_vis.visualise import visualise_classes, visualise_filters

ROOT = Path(__file__).resolve().parents[2]
TINY_VGG = ROOT / "model_zoo" / "tiny_vgg"
LAYER = "conv_2_2"


@pytest.fixture(scope="module")
def vis() -> FeatureVisModel:
    manifest = json.loads((TINY_VGG / "manifest.json").read_text())
    return FeatureVisModel(
        load_keras_model(TINY_VGG / "model.keras"), InputSpec.from_dict(manifest["input"])
    )


@pytest.fixture(scope="module")
def layer_result(vis):
    """Every filter of conv_2_2 (32) in one batch, default steps."""
    fractions: list[float] = []
    result = visualise_filters(vis, LAYER, progress=fractions.append)
    result.extra["progress"] = fractions
    return result


@pytest.fixture(scope="module")
def noise_images(vis) -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (64, *vis.input_shape)).astype(np.uint8)


def test_result_shape_and_params(vis, layer_result):
    r = layer_result
    assert r.kind == "filter" and r.layer == LAYER and r.version == VERSION
    assert r.filters == list(range(32))
    assert r.images.shape == (32, 28, 28, 1) and r.images.dtype == np.uint8
    assert r.inputs.shape == (32, 28, 28, 1) and r.inputs.dtype == np.float32
    # The network input is the displayed image after the manifest's preprocessing (1/255).
    np.testing.assert_allclose(r.inputs, r.images / 255.0, atol=1e-6)
    assert r.activations.shape == (32,) and r.activation_matrix.shape == (32, 32)
    np.testing.assert_array_equal(r.activations, np.diag(r.activation_matrix))
    assert r.params["steps"] == DEFAULT_STEPS and r.params["seed"] == 0
    # Progress is reported in chunks and ends at 1.
    assert r.extra["progress"] == sorted(r.extra["progress"]) and r.extra["progress"][-1] == 1.0
    # The reported activations are reproducible from the uint8 images alone.
    np.testing.assert_allclose(
        vis.measure(LAYER, r.images)[np.arange(32), np.arange(32)], r.activations, rtol=1e-5
    )


def test_each_filter_beats_noise(vis, layer_result, noise_images):
    own_pre = vis.measure(LAYER, layer_result.images, pre_activation=True)[
        np.arange(32), np.arange(32)
    ]
    noise_pre = vis.measure(LAYER, noise_images, pre_activation=True)
    # The optimised quantity (mean pre-activation) beats every noise image, for every filter.
    assert np.all(own_pre > noise_pre.max(axis=0)), own_pre - noise_pre.max(axis=0)
    # After the ReLU, as the network outputs it: above the noise mean for almost all.
    noise_post = vis.measure(LAYER, noise_images)
    assert np.mean(layer_result.activations > noise_post.mean(axis=0)) >= 0.9


def test_activation_matrix_is_diagonally_dominant(layer_result):
    a = layer_result.activation_matrix  # images x filters
    n = a.shape[0]
    diagonal = np.diag(a)
    off_diagonal = (a.sum(axis=0) - diagonal) / (n - 1)  # other images, same filter
    assert diagonal.mean() > 2 * off_diagonal.mean()
    # For a clear majority, filter f's own image is among the top 3 images of filter f.
    rank = (a > diagonal[np.newaxis, :]).sum(axis=0)
    assert np.mean(rank < 3) >= 0.75, rank


def test_same_seed_same_images_other_seed_differs(vis):
    kwargs = {"filters": [0, 5, 9], "steps": 12}
    first = visualise_filters(vis, LAYER, seed=3, **kwargs)
    again = visualise_filters(vis, LAYER, seed=3, **kwargs)
    other = visualise_filters(vis, LAYER, seed=4, **kwargs)
    np.testing.assert_array_equal(first.images, again.images)
    np.testing.assert_array_equal(first.activations, again.activations)
    assert np.abs(first.images.astype(int) - other.images.astype(int)).mean() > 5


def test_class_visualisation_raises_target_logit(vis):
    result = visualise_classes(vis)
    assert result.kind == "class" and result.filters == list(range(10))
    logits = result.activation_matrix  # images x classes
    assert np.mean(logits.argmax(axis=1) == np.arange(10)) >= 0.8


def test_diversity_separates_images_of_a_filter(vis):
    def spread(diversity: float) -> float:
        r = visualise_filters(
            vis, LAYER, list(range(8)), images_per_filter=2, diversity=diversity, steps=48
        )
        assert r.images.shape[0] == 16
        np.testing.assert_array_equal(r.image_targets, np.repeat(np.arange(8), 2))
        pairs = r.images.astype(np.float32).reshape(8, 2, -1) / 255.0
        return float(np.abs(pairs[:, 0] - pairs[:, 1]).mean())

    assert spread(4.0) > spread(0.0) + 0.02


def test_rejects_bad_requests(vis):
    with pytest.raises(ValueError, match="spatial"):
        visualise_filters(vis, "output")
    with pytest.raises(ValueError, match="outside"):
        visualise_filters(vis, LAYER, [32])
    with pytest.raises(ValueError, match="steps"):
        visualise_filters(vis, LAYER, [0], steps=0)
    with pytest.raises(ValueError, match="outside"):
        visualise_classes(vis, [10])


def _window_objective_matches(vis: FeatureVisModel, layer: str, pixels: np.ndarray) -> None:
    import keras
    import tensorflow as tf

    prepare, score = vis._window_mean_score(layer)
    pre = vis.measure(layer, pixels, pre_activation=True)
    feed = keras.Model(vis._linear.inputs[0], vis._linear.get_layer(layer).input)
    x = tf.cast(feed(vis._preprocess(pixels.astype(np.float32) / 255.0)), tf.float32)
    n, channels = pre.shape
    for f in (0, channels - 1):
        targets = tf.constant([f] * n)
        value = score(x, prepare(targets), targets).numpy()
        np.testing.assert_allclose(value, pre[:, f], rtol=1e-4, atol=1e-5)


def test_conv_shortcut_is_the_same_objective(vis, noise_images):
    """The mean of a conv filter over the map, computed from the layer's input (the
    optimiser's shortcut), equals the layer's own pre-activation mean: 'same' padding
    (zoo) and 'valid' padding (RGB fixture)."""
    from tests.fixtures.models import build_tiny_vgg_64_rgb

    _window_objective_matches(vis, LAYER, noise_images[:4])
    rgb = FeatureVisModel(build_tiny_vgg_64_rgb(seed=4))
    pixels = np.random.default_rng(1).integers(0, 256, (3, 64, 64, 3))
    _window_objective_matches(rgb, "conv_2_1", pixels)
    assert rgb._window_mean_score("relu_2_1") is None  # not a convolution


def test_other_layers_sizes_and_rgb(vis):
    from tests.fixtures.models import build_bn_strided, build_tiny_vgg_64_rgb

    # A larger canvas than the network's input: resized to it inside the graph; penalties.
    big = visualise_filters(vis, LAYER, [1, 2], steps=4, size=32, total_variation=0.5, l2=0.1)
    assert big.images.shape == (2, 32, 32, 1) and big.inputs.shape == (2, 28, 28, 1)
    # RGB (decorrelated colour), a separate ReLU layer (its input is optimised).
    rgb = visualise_filters(build_tiny_vgg_64_rgb(seed=4), "relu_1_2", [0, 3], steps=6)
    assert rgb.images.shape == (2, 64, 64, 3) and np.ptp(rgb.images) > 0
    # Strided 'same' convolution on an odd, non-square input; the centre neuron.
    odd = visualise_filters(build_bn_strided(seed=2), "conv_s2", steps=6, objective="centre")
    assert odd.images.shape == (6, 31, 29, 3) and odd.filters == list(range(6))
    assert np.all(np.isfinite(odd.activations))


def test_plain_op_network_matches_keras(vis, noise_images):
    """The optimiser's plain-op network (batch normalisation folded into the convolution
    before it, dropout dropped) gives the Keras layer input: zoo Tiny VGG, and strided
    'same' convolutions without bias, BN, max and average pooling (bn_strided)."""
    import keras
    import tensorflow as tf

    from tests.fixtures.models import build_bn_strided

    odd = FeatureVisModel(build_bn_strided(seed=2))
    cases = [
        (vis, LAYER, noise_images[:4]),
        (odd, "gap", np.random.default_rng(2).integers(0, 256, (3, 31, 29, 3))),
    ]
    for model, layer, pixels in cases:
        prepare, net = model._raw_chain(layer)
        x = tf.constant(model._preprocess(pixels.astype(np.float32) / 255.0))
        feed = keras.Model(model._linear.inputs[0], model._linear.get_layer(layer).input)
        expected = feed(x).numpy()
        np.testing.assert_allclose(net(x, prepare()).numpy(), expected, rtol=1e-4, atol=1e-4)
