"""Attribution methods against independent references (finite differences, NumPy loops,
hand-written backward passes), the registry's parameter rules and the CAM layer choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.models import (
    build_bn_strided,
    build_tiny_vgg_28,
    build_tiny_vgg_64_rgb,
)
from tests.worker.attribution_reference import (
    bilinear_loop,
    finite_difference_gradient,
    gradcam_plus_plus_reference,
    gradcam_reference,
    guided_backprop_conv_dense,
    reference_logits,
)
from worker.runtime.introspection import describe_layers
from worker.runtime.model_loading import load_keras_model
from worker.techniques.attribution import layers as cam_layers
from worker.techniques.attribution.base import blur_sigma, gaussian_blur, resize_bilinear
from worker.techniques.attribution.model import AttributionModel
from worker.techniques.attribution.registry import METHOD_NAMES, METHODS, explain, normalise_params

ROOT = Path(__file__).resolve().parents[2]
ZOO_TINY_VGG = ROOT / "model_zoo" / "tiny_vgg" / "model.keras"


@pytest.fixture(scope="module")
def tiny_keras():
    return build_tiny_vgg_28(seed=3)


@pytest.fixture(scope="module")
def tiny(tiny_keras):
    return AttributionModel(tiny_keras)


@pytest.fixture(scope="module")
def rgb_keras():
    return build_tiny_vgg_64_rgb(seed=4)


@pytest.fixture(scope="module")
def rgb(rgb_keras):
    return AttributionModel(rgb_keras)


@pytest.fixture(scope="module")
def strided():
    return AttributionModel(build_bn_strided(seed=5))


@pytest.fixture(scope="module")
def zoo_keras():
    return load_keras_model(ZOO_TINY_VGG)


@pytest.fixture(scope="module")
def zoo(zoo_keras):
    return AttributionModel(zoo_keras)


@pytest.fixture(scope="module")
def fashion():
    """The first 20 Fashion-MNIST test images, scaled as the zoo Tiny VGG expects."""
    from datasets.registry import get_dataset

    images, labels = get_dataset("fashion-mnist").load("test")
    return images[:20].astype(np.float32) / 255.0, labels[:20]


def _uniform(shape, seed):
    return np.random.default_rng(seed).uniform(0, 1, shape).astype(np.float32)


# --------------------------------------------------------------------- vanilla gradient
def _assert_gradient_matches_finite_differences(keras_model, model, x, target):
    """Central differences of the pre-softmax score in float64 (NumPy forward pass).

    Step 1e-4 on inputs in [0, 1]: the truncation error is O(h^2) and float64 round-off
    ~1e-16 * |score| / h ~ 1e-11, so the reference is exact to far below the float32
    gradient's own round-off (~1e-6 relative). A median relative error < 1e-3 therefore
    passes only for the right function: the gradient of a probability, another class or
    a missing bias all give errors of order 1. The median (not the max) absorbs the odd
    pixel whose +-h step crosses a ReLU kink or a max-pool tie.
    """
    pixels = np.random.default_rng(0).choice(x.size, 150, replace=False)
    expected = finite_difference_gradient(keras_model, x, target, pixels, step=1e-4)
    grads, logits = model.input_gradients(x[np.newaxis], target)
    got = grads[0].ravel()[pixels].astype(np.float64)
    scale = np.abs(expected).max()
    assert scale > 0
    relative = np.abs(got - expected) / np.maximum(np.abs(expected), 1e-6 * scale)
    assert np.median(relative) < 1e-3, np.median(relative)
    np.testing.assert_allclose(logits[0], reference_logits(keras_model, x), rtol=1e-4, atol=1e-4)
    # The map is |gradient| (one channel here).
    result = explain(model, x, "gradient", target=target)
    np.testing.assert_allclose(result.map, np.abs(grads[0][..., 0]), rtol=0, atol=0)


def test_gradient_matches_finite_differences_small_model(tiny_keras, tiny):
    x = _uniform((28, 28, 1), 1)
    _assert_gradient_matches_finite_differences(tiny_keras, tiny, x, target=4)


def test_gradient_matches_finite_differences_zoo_tiny_vgg(zoo_keras, zoo, fashion):
    """A real image's flat black background makes equal activations, so max-pool windows
    tie and the score has no derivative there (each one-sided step picks another winner).
    Dither of +-0.5% breaks the ties and leaves the image as it was to the eye."""
    dither = np.random.default_rng(2).uniform(-0.005, 0.005, fashion[0][0].shape)
    x = np.clip(fashion[0][0] + dither, 0, 1).astype(np.float32)
    target = zoo.predicted_class(x)
    _assert_gradient_matches_finite_differences(zoo_keras, zoo, x, target)


def test_fused_softmax_is_linearised_and_source_untouched(zoo_keras, zoo, fashion):
    """The zoo model is confident (p > 0.99), where d p / d x is tiny: the gradient must be
    of the logit. Building the AttributionModel must not change the Keras model."""
    x = fashion[0][0]
    before = [w.copy() for w in zoo_keras.get_weights()]
    AttributionModel(zoo_keras)
    target = zoo.predicted_class(x)
    probs = np.asarray(zoo_keras(x[np.newaxis], training=False))[0]
    assert probs.sum() == pytest.approx(1.0, abs=1e-5) and probs[target] > 0.99
    assert zoo_keras.get_layer("output").get_config()["activation"] == "softmax"
    for old, new in zip(before, zoo_keras.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)
    np.testing.assert_allclose(
        zoo.logits(x[np.newaxis])[0], reference_logits(zoo_keras, x), rtol=1e-4, atol=1e-4
    )
    np.testing.assert_allclose(zoo.probabilities(x[np.newaxis])[0], probs, atol=1e-5)
    # The probability's gradient is p(1 - p) times smaller: far from the logit's.
    grads, _ = zoo.input_gradients(x[np.newaxis], target)
    pixels = np.arange(300, 320)
    step = 1e-4
    prob_fd = []
    for index in pixels:
        up, down = x.astype(np.float64).copy(), x.astype(np.float64).copy()
        up.flat[index] += step
        down.flat[index] -= step

        def p(v):
            z = reference_logits(zoo_keras, v)
            e = np.exp(z - z.max())
            return e[target] / e.sum()

        prob_fd.append((p(up) - p(down)) / (2 * step))
    got = grads[0].ravel()[pixels]
    assert np.abs(got).max() > 10 * np.abs(prob_fd).max()


def test_trailing_softmax_layer_is_linearised():
    """A separate ``Softmax`` layer at the end is replaced by the identity as well."""
    import keras

    inputs = keras.Input((6, 6, 1))
    hidden = keras.layers.Flatten()(keras.layers.Conv2D(2, 3, activation="relu")(inputs))
    scores = keras.layers.Dense(3, name="scores")(hidden)
    net = keras.Model(inputs, keras.layers.Softmax(name="softmax")(scores))
    model = AttributionModel(net)
    x = _uniform((1, 6, 6, 1), 2)
    dense_only = keras.Model(inputs, scores)
    np.testing.assert_allclose(model.logits(x), np.asarray(dense_only(x)), atol=1e-5)
    assert np.asarray(net(x)).sum() == pytest.approx(1.0, abs=1e-5)


# --------------------------------------------------------------------- integrated gradients
BASELINES = ("black", "blurred", "noise")


def _baseline_score(model, x, kind, seed=0):
    """score(baseline), the baseline rebuilt from its definition, not from the module."""
    if kind == "black":
        base = np.broadcast_to(model.black, x.shape).astype(np.float32)
    elif kind == "blurred":
        from scipy.ndimage import gaussian_filter

        sigma = blur_sigma(*x.shape[:2])
        base = gaussian_filter(x, (sigma, sigma, 0), mode="mirror", truncate=3.0)
    else:
        low = float(min(x.min(), model.black.min()))
        high = float(max(x.max(), low + 1e-6))
        base = np.random.default_rng(seed).uniform(low, high, x.shape).astype(np.float32)
    return base


def _completeness_error(model, x, target, kind, steps):
    result = explain(
        model, x, "integrated-gradients", target=target, params={"baseline": kind, "steps": steps}
    )
    base = _baseline_score(model, x, kind)
    scores = model.logits(np.stack([x, base]).astype(np.float32))[:, target].astype(np.float64)
    delta = scores[0] - scores[1]
    error = abs(float(result.map.astype(np.float64).sum()) - delta) / abs(delta)
    # The reported check agrees with this independent one. The method's logits come from its
    # batched pass along the path, these from a batch of two: float32 kernels differ by ~1e-6
    # between batch shapes, which is a few 1e-4 of a small score difference.
    assert result.info["completeness_error"] == pytest.approx(error, rel=0.05, abs=5e-4)
    return error


def _smooth_net(seed: int):
    """A network without kinks (tanh, softplus, average pooling), seeded weights."""
    import keras
    from keras import layers

    rng = np.random.default_rng(seed)
    inputs = keras.Input((20, 20, 3))
    h = layers.Conv2D(6, 3, activation="tanh")(inputs)
    h = layers.AveragePooling2D(2)(h)
    h = layers.Conv2D(8, 3, activation="softplus")(h)
    outputs = layers.Dense(5, activation="softmax")(layers.Flatten()(h))
    net = keras.Model(inputs, outputs)
    for layer in net.layers:
        fresh = [
            rng.normal(0, 1 / np.sqrt(np.prod(w.shape[:-1]) if w.ndim > 1 else 4), w.shape)
            for w in layer.get_weights()
        ]
        if fresh:
            layer.set_weights([w.astype(np.float32) for w in fresh])
    return net


@pytest.fixture(scope="module")
def smooth():
    return AttributionModel(_smooth_net(seed=0))


@pytest.mark.parametrize("kind", BASELINES)
def test_integrated_gradients_completeness_smooth_model(kind, smooth):
    """On a smooth network Gauss-Legendre quadrature converges exponentially, so at 64
    steps the sum of attributions equals score(x) - score(baseline) to float32 round-off
    (measured ~1e-5 relative). Wrong nodes or weights of the rule would show here.
    Image seeds start at 1: seed 0 would make the noise baseline equal the image."""
    errors = []
    for seed in range(1, 6):
        x = _uniform(smooth.input_shape, seed)
        errors.append(_completeness_error(smooth, x, smooth.predicted_class(x), kind, 64))
    assert np.median(errors) < 1e-3 and max(errors) < 1e-2, errors


@pytest.mark.parametrize("kind", BASELINES)
def test_integrated_gradients_completeness_relu_models(kind, tiny, strided):
    """ReLU networks are piecewise linear: the integrand jumps at every kink, and random
    weights on noise images have many. At 64 steps single images miss by up to ~10%
    (noise baseline), so this checks convergence: at 512 steps the median error over
    the images is < 1% and smaller than at 64 steps."""
    for model, seeds in ((tiny, range(1, 5)), (strided, range(1, 5))):
        coarse, fine = [], []
        for seed in seeds:
            x = _uniform(model.input_shape, seed)
            target = model.predicted_class(x)
            coarse.append(_completeness_error(model, x, target, kind, 64))
            fine.append(_completeness_error(model, x, target, kind, 512))
        assert np.median(fine) < 0.01, (model.input_shape, coarse, fine)
        assert np.median(fine) < np.median(coarse), (model.input_shape, coarse, fine)


@pytest.mark.parametrize("kind", BASELINES)
def test_integrated_gradients_completeness_zoo(kind, zoo, fashion):
    """On 20 real images (ReLU kinks make single images vary, up to ~2.5% at 64 steps):
    median error < 1%, and 512 steps are more exact than 64 on the same images."""
    images = fashion[0]
    targets = [zoo.predicted_class(x) for x in images]
    errors = [_completeness_error(zoo, images[i], targets[i], kind, 64) for i in range(20)]
    assert np.median(errors) < 0.01, errors
    fine = [_completeness_error(zoo, images[i], targets[i], kind, 512) for i in range(6)]
    assert np.median(fine) < np.median(errors[:6]), (fine, errors[:6])


def test_gaussian_blur_matches_scipy():
    from scipy.ndimage import gaussian_filter

    x = _uniform((13, 11, 3), 4)
    for sigma in (0.8, 1.75, 3.0):
        want = gaussian_filter(x.astype(np.float64), (sigma, sigma, 0), mode="mirror", truncate=3)
        np.testing.assert_allclose(gaussian_blur(x, sigma), want, atol=1e-6)


# --------------------------------------------------------------------- Grad-CAM / Grad-CAM++
def test_resize_bilinear_matches_loop_and_tensorflow():
    import tensorflow as tf

    small = np.random.default_rng(5).normal(size=(7, 5))
    for height, width in ((28, 28), (29, 31), (7, 5), (14, 3)):
        got = resize_bilinear(small, height, width)
        np.testing.assert_allclose(got, bilinear_loop(small, height, width), atol=1e-5)
        if height >= 7 and width >= 5:  # TF's bilinear equals this rule when upsampling
            tf_map = tf.image.resize(small[..., None], (height, width), method="bilinear")
            np.testing.assert_allclose(got, np.asarray(tf_map)[..., 0], atol=1e-5)


def _check_cam_against_reference(keras_model, model, x, target, layer):
    """Activations from a Keras sub-model of the *original* network; the gradient of the
    score with respect to a layer feeding Flatten -> Dense is the Dense kernel's column."""
    import keras

    sub = keras.Model(keras_model.inputs[0], keras_model.get_layer(layer).output)
    activation = np.asarray(sub(x[np.newaxis], training=False), np.float64)[0]
    kernel = np.asarray(keras_model.layers[-1].get_weights()[0], np.float64)
    gradient = kernel[:, target].reshape(activation.shape)
    acts, grads, _ = model.layer_gradients(layer, x[np.newaxis], target)
    np.testing.assert_allclose(acts[0], activation, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grads[0], gradient, rtol=1e-5, atol=1e-6)
    height, width = model.input_shape[:2]
    flat = 0
    for method, reference in (
        ("gradcam", gradcam_reference),
        ("gradcam++", gradcam_plus_plus_reference),
    ):
        result = explain(model, x, method, target=target, layer=layer)
        want = reference(activation, gradient)
        flat += np.ptp(want) == 0
        assert result.layer == layer
        np.testing.assert_allclose(
            result.layer_map, want, rtol=1e-4, atol=1e-5 * np.abs(want).max()
        )
        np.testing.assert_allclose(
            result.map, bilinear_loop(want, height, width), rtol=1e-4, atol=1e-5 * want.max()
        )
    return flat == 0


def test_gradcam_matches_numpy_small_model(tiny_keras, tiny):
    x = _uniform((28, 28, 1), 6)
    assert tiny.default_cam_layer() == "pool2"
    not_flat = [_check_cam_against_reference(tiny_keras, tiny, x, t, "pool2") for t in range(10)]
    assert sum(not_flat) >= 3, "too few classes with a non-flat map to test anything"


def test_gradcam_matches_numpy_zoo(zoo_keras, zoo, fashion):
    """At max_pool_2 the map is often all zero for confident images; use one where not."""
    for x in fashion[0]:
        target = zoo.predicted_class(x)
        if np.ptp(explain(zoo, x, "gradcam", target=target).layer_map) > 0:
            break
    else:
        pytest.fail("no test image with a non-flat Grad-CAM map at max_pool_2")
    assert _check_cam_against_reference(zoo_keras, zoo, x, target, "max_pool_2")


# --------------------------------------------------------------------- occlusion
def _occlusion_loop(keras_model, x, target, window, stride, black):
    """One float64 forward pass per window position, written out plainly."""
    height, width = x.shape[:2]
    full = reference_logits(keras_model, x)[target]
    total = np.zeros((height, width))
    count = np.zeros((height, width))
    tops = list(range(0, height - window + 1, stride))
    if tops[-1] + window < height:
        tops.append(height - window)
    lefts = list(range(0, width - window + 1, stride))
    if lefts[-1] + window < width:
        lefts.append(width - window)
    for top in tops:
        for left in lefts:
            hidden = x.astype(np.float64).copy()
            hidden[top : top + window, left : left + window, :] = black
            drop = full - reference_logits(keras_model, hidden)[target]
            total[top : top + window, left : left + window] += drop
            count[top : top + window, left : left + window] += 1
    assert count.min() >= 1
    return total / count, len(tops) * len(lefts)


def test_occlusion_matches_explicit_loop(tiny_keras, tiny, rgb_keras):
    x = _uniform((28, 28, 1), 7)
    target = tiny.predicted_class(x)
    # Starts 0, 4, ..., 20, then 23: the last window is moved back to the edge.
    result = explain(tiny, x, "occlusion", target=target, params={"window": 5, "stride": 4})
    want, windows = _occlusion_loop(tiny_keras, x, target, 5, 4, 0.0)
    assert result.info["windows"] == windows == 49
    np.testing.assert_allclose(result.map, want, atol=1e-4)
    assert result.signed and (result.map < 0).any() and (result.map > 0).any()

    # RGB with a per-channel black that is not zero (a normalised network).
    black = np.array([-1.0, 0.5, 2.0], np.float32)
    model = AttributionModel(rgb_keras, black=black)
    x = _uniform((64, 64, 3), 8)
    result = explain(model, x, "occlusion", target=2, params={"window": 16, "stride": 12})
    want, windows = _occlusion_loop(rgb_keras, x, 2, 16, 12, black)
    assert result.info["windows"] == windows == 25
    np.testing.assert_allclose(result.map, want, atol=1e-4)


def test_occlusion_in_bounded_batches_equals_the_unbatched_map(rgb_keras):
    """Copies built a few at a time (a budget of 3 images' activations) give the same map as
    the plain loop, and progress is reported after every batch, ending at 1."""
    from worker.runtime.batching import LIVE_ACTIVATIONS, largest_activation

    per_image = LIVE_ACTIVATIONS * 4 * largest_activation(rgb_keras)
    black = np.array([-1.0, 0.5, 2.0], np.float32)
    model = AttributionModel(rgb_keras, black=black, batch_budget=3 * per_image)
    assert model.bounded_batch() == 3
    x = _uniform((64, 64, 3), 9)
    reports = []
    result = explain(
        model, x, "occlusion", target=1, params={"window": 16, "stride": 12},
        progress=lambda fraction, message: reports.append((fraction, message)),
    )  # fmt: skip
    want, windows = _occlusion_loop(rgb_keras, x, 1, 16, 12, black)
    assert result.info["windows"] == windows == 25 and result.info["batch"] == 3
    np.testing.assert_allclose(result.map, want, atol=1e-4)
    assert len(reports) == 9  # ceil(25 / 3) batches
    assert [f for f, _ in reports] == sorted(f for f, _ in reports) and reports[-1][0] == 1.0
    assert reports[-1][1] == "Occluded 25 of 25 windows"


def test_occlusion_defaults_scale_with_the_image_side(rgb):
    """4/2 pixels at 28 px (the zoo's results unchanged), an eighth of the side beyond it."""
    assert normalise_params("occlusion", {}, 28) == {"window": 4, "stride": 2}
    assert normalise_params("occlusion", {}) == {"window": 4, "stride": 2}
    assert normalise_params("occlusion", {}, 64) == {"window": 8, "stride": 4}
    assert normalise_params("occlusion", {}, 224) == {"window": 28, "stride": 14}
    assert normalise_params("occlusion", {"window": 6}, 224) == {"window": 6, "stride": 14}
    result = explain(rgb, _uniform((64, 64, 3), 3), "occlusion", target=0)
    assert result.info["params"] == {"window": 8, "stride": 4}
    assert result.info["windows"] == 15 * 15  # starts 0, 4, ..., 56
    spec = next(p for p in METHODS["occlusion"].params if p.name == "window").to_dict()
    assert spec["default"] == 4 and "side / 8" in spec["scales_with_input"]


# --------------------------------------------------------------------- guided backprop
def _conv_dense_net(style: str, seed: int):
    """conv(valid) -> ReLU -> Flatten -> Dense -> ReLU -> Dense(softmax), the ReLUs
    either fused into the layers or written as ReLU / Activation("relu") layers."""
    import keras
    from keras import layers

    rng = np.random.default_rng(seed)
    weights = {
        "conv_kernel": rng.normal(0, 0.5, (3, 3, 2, 3)),
        "conv_bias": rng.normal(0, 0.2, 3),
        "hidden_kernel": rng.normal(0, 0.3, (75, 6)),
        "hidden_bias": rng.normal(0, 0.2, 6),
        "out_kernel": rng.normal(0, 0.5, (6, 3)),
        "out_bias": rng.normal(0, 0.2, 3),
    }
    inputs = keras.Input((7, 7, 2))
    if style == "fused":
        h = layers.Conv2D(3, 3, activation="relu", name="conv")(inputs)
        h = layers.Dense(6, activation="relu", name="hidden")(layers.Flatten()(h))
    else:
        h = layers.ReLU()(layers.Conv2D(3, 3, name="conv")(inputs))
        h = layers.Dense(6, name="hidden")(layers.Flatten()(h))
        h = layers.Activation("relu")(h)
    outputs = layers.Dense(3, activation="softmax", name="out")(h)
    net = keras.Model(inputs, outputs)
    for name in ("conv", "hidden", "out"):
        net.get_layer(name).set_weights(
            [
                weights[f"{name}_kernel"].astype(np.float32),
                weights[f"{name}_bias"].astype(np.float32),
            ]
        )
    return net, weights


@pytest.mark.parametrize("style", ["fused", "layers"])
def test_guided_backprop_matches_hand_written_rule(style):
    net, weights = _conv_dense_net(style, seed=9)
    model = AttributionModel(net)
    rng = np.random.default_rng(10)
    differs = False
    for _ in range(3):
        x = rng.normal(0, 1, (7, 7, 2)).astype(np.float32)
        for target in range(3):
            guided = guided_backprop_conv_dense(weights, x, target, guided=True)
            plain = guided_backprop_conv_dense(weights, x, target, guided=False)
            np.testing.assert_allclose(
                model.guided_gradients(x[np.newaxis], target)[0], guided, atol=1e-5
            )
            np.testing.assert_allclose(
                model.input_gradients(x[np.newaxis], target)[0][0], plain, atol=1e-5
            )
            result = explain(model, x, "guided-backprop", target=target)
            np.testing.assert_allclose(result.map, np.abs(guided).max(axis=-1), atol=1e-5)
            differs |= not np.allclose(guided, plain, atol=1e-3)
    assert differs, "the test network never exercised the guided rule"


# --------------------------------------------------------------------- SmoothGrad, gradient x input
def test_smoothgrad_is_mean_of_gradients_over_noisy_copies(rgb):
    x = _uniform((64, 64, 3), 11) * 2 - 0.5
    target, samples, noise, seed = 1, 7, 0.15, 42
    result = explain(
        rgb,
        x,
        "smoothgrad",
        target=target,
        params={"samples": samples, "noise": noise, "seed": seed},
    )
    # The documented noise: N(0, (noise * value range)^2), from a seeded default_rng.
    sigma = noise * (x.max() - x.min())
    copies = x + np.random.default_rng(seed).normal(0.0, sigma, (samples, *x.shape))
    total = np.zeros(x.shape, np.float64)
    for copy in copies.astype(np.float32):  # one vanilla gradient per noisy copy
        total += rgb.input_gradients(copy[np.newaxis], target)[0][0]
    want = np.abs(total / samples).max(axis=-1)
    np.testing.assert_allclose(result.map, want, rtol=1e-4, atol=1e-6 * want.max())
    other_seed = explain(rgb, x, "smoothgrad", target=target, params={"seed": seed + 1})
    assert not np.allclose(other_seed.map, result.map)


def test_gradient_x_input_and_channel_reduction(rgb):
    x = _uniform((64, 64, 3), 12) - 0.3
    grads, logits = rgb.input_gradients(x[np.newaxis], 5)
    gxi = explain(rgb, x, "gradient-x-input", target=5)
    np.testing.assert_allclose(gxi.map, (grads[0] * x).sum(axis=-1), rtol=1e-5, atol=1e-7)
    assert gxi.signed and gxi.score == pytest.approx(float(logits[0, 5]), rel=1e-6)
    saliency = explain(rgb, x, "gradient", target=5)
    np.testing.assert_allclose(saliency.map, np.abs(grads[0]).max(axis=-1))
    assert not saliency.signed


# --------------------------------------------------------------------- registry and layers
def test_normalise_params_defaults_and_errors():
    assert normalise_params("gradient", None) == {}
    assert normalise_params("smoothgrad", {}) == {"samples": 20, "noise": 0.2, "seed": 0}
    assert normalise_params("integrated-gradients", {"steps": "32"}) == {
        "baseline": "black",
        "steps": 32,
        "seed": 0,
    }
    assert normalise_params("occlusion", {"window": 8.0}) == {"window": 8, "stride": 2}
    for method, params in (
        ("nope", {}),
        ("gradient", {"samples": 3}),
        ("smoothgrad", {"sample": 3}),
        ("smoothgrad", {"samples": 0}),
        ("smoothgrad", {"samples": 257}),
        ("smoothgrad", {"samples": 2.5}),
        ("smoothgrad", {"samples": True}),
        ("smoothgrad", {"samples": None}),
        ("smoothgrad", {"samples": [3]}),
        ("smoothgrad", {"noise": "lots"}),
        ("smoothgrad", {"noise": float("nan")}),
        ("smoothgrad", {"noise": 1.5}),
        ("integrated-gradients", {"baseline": "white"}),
        ("integrated-gradients", {"steps": 1}),
        ("occlusion", {"window": -1}),
        ("occlusion", {"stride": 0}),
    ):
        with pytest.raises(ValueError):
            normalise_params(method, params)
    assert all(name in METHODS for name in METHOD_NAMES)


@pytest.mark.parametrize("which", ["rgb", "strided"])
def test_explain_runs_every_method(which, rgb, strided):
    model = {"rgb": rgb, "strided": strided}[which]
    x = _uniform(model.input_shape, 13)
    height, width = model.input_shape[:2]
    predicted = model.predicted_class(x)
    for method in METHOD_NAMES:
        params = {"samples": 4} if method == "smoothgrad" else None
        params = {"steps": 8} if method == "integrated-gradients" else params
        result = explain(model, x, method, params=params)
        assert result.method == method and result.target == predicted
        assert result.map.shape == (height, width) and result.map.dtype == np.float32
        assert np.isfinite(result.map).all()
        assert result.signed == METHODS[method].signed
        if not result.signed:
            assert result.map.min() >= 0
        # the defaults as they apply to this image (occlusion's window scales with its side)
        assert result.info["params"] == normalise_params(method, params, min(height, width))
        if METHODS[method].uses_layer:
            assert result.layer == model.default_cam_layer()
        else:
            assert result.layer is None
            with pytest.raises(ValueError):
                explain(model, x, method, layer=model.spatial_layers[0])
    with pytest.raises(ValueError):
        explain(model, x, "gradient", target=model.num_classes)
    with pytest.raises(ValueError):
        explain(model, x, "gradcam", layer="logits")


def test_cam_layers_from_described_layers(strided):
    described = describe_layers(build_bn_strided(seed=0))
    names = ["conv_s2", "bn", "relu", "conv4_s2", "max_same", "avg_same", "dropout"]
    assert cam_layers.spatial_layers(described) == names == strided.spatial_layers
    assert cam_layers.default_cam_layer(described) == "avg_same"  # Dropout is skipped
    hand = [
        {"name": "a", "type": "Conv2D", "output_shape": [8, 8, 4]},
        {"name": "b", "type": "Conv2D", "output_shape": [1, 1, 4]},  # no H x W
        {"name": "c", "type": "Conv2D", "output_shape": [None, 8, 4]},  # unknown size
        {"name": "d", "type": "GaussianNoise", "output_shape": [8, 8, 4]},
        {"name": "e", "type": "Flatten", "output_shape": [256]},
        {"name": "f", "type": "Reshape", "output_shape": [4, 4, 16]},  # after Flatten
    ]
    assert cam_layers.spatial_layers(hand) == ["a", "d"]
    # A squeeze-and-excitation block's global pooling (EfficientNet) does not end the list.
    excite = [
        {"name": "conv", "type": "Conv2D", "output_shape": [8, 8, 4]},
        {"name": "squeeze", "type": "GlobalAveragePooling2D", "output_shape": [4]},
        {"name": "reshape", "type": "Reshape", "output_shape": [1, 1, 4]},
        {"name": "excite", "type": "Multiply", "output_shape": [8, 8, 4]},
        {"name": "top", "type": "Conv2D", "output_shape": [8, 8, 16]},
        {"name": "pool", "type": "GlobalAveragePooling2D", "output_shape": [16]},
        {"name": "logits", "type": "Dense", "output_shape": [10]},
    ]
    assert cam_layers.spatial_layers(excite) == ["conv", "excite", "top"]
    assert cam_layers.default_cam_layer(excite) == "top"
    assert cam_layers.default_cam_layer(hand) == "a"
    assert cam_layers.default_cam_layer(hand[3:4]) == "d"
    assert cam_layers.default_cam_layer([]) is None
