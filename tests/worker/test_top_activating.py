"""Receptive fields (hand-computed chains, gradient support) and top-activating examples
(checked against activations from an independent Keras sub-model)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from datasets.registry import get_dataset
from tests.fixtures.models import _randomise, build_bn_strided
from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import prepare_batch
from worker.runtime.introspection import describe_layers
from worker.runtime.model_loading import load_keras_model
from worker.techniques.attribution.model import AttributionModel
from worker.techniques.receptive_field import layer_path, receptive_field
from worker.techniques.top_activating import top_activating

ROOT = Path(__file__).resolve().parents[2]
TINY_VGG = ROOT / "model_zoo" / "tiny_vgg"
SUBSET = 2000


def _sub_model(model, layer: str):
    import keras

    return keras.Model(model.inputs[0], model.get_layer(layer).output)


def _input_gradient_support(sub, x: np.ndarray, y: int, xx: int, c: int):
    """Bounding box (top, left, bottom, right; exclusive) of the input pixels whose
    gradient of the sub-model's activation [y, xx, c] is non-zero, or None when none is."""
    import tensorflow as tf

    inp = tf.convert_to_tensor(x[np.newaxis])
    with tf.GradientTape() as tape:
        tape.watch(inp)
        out = sub(inp, training=False)[0, y, xx, c]
    grad = np.abs(tape.gradient(out, inp).numpy()[0]).sum(axis=-1)
    rows, cols = np.nonzero(grad)
    if len(rows) == 0:
        return None
    return (rows.min(), cols.min(), rows.max() + 1, cols.max() + 1)


def _linear_chain():
    """Linear layers only (no ReLU, average pooling), so every pixel in a unit's receptive
    field has a non-zero gradient: the gradient's support *is* the field."""
    import keras
    from keras import layers

    inputs = keras.Input((28, 27, 2), name="image")
    x = layers.Conv2D(3, 3, padding="same", name="c1")(inputs)
    x = layers.Conv2D(3, 3, padding="same", name="c2")(x)
    x = layers.AveragePooling2D(2, name="pool")(x)  # 14 x 13
    x = layers.Conv2D(4, 3, strides=2, padding="same", name="c3_s2")(x)  # even/odd sizes
    x = layers.Conv2D(4, (2, 3), padding="valid", name="c4_valid")(x)
    x = layers.AveragePooling2D(3, strides=1, padding="same", name="avg_same")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(3, name="logits")(x)
    return _randomise(keras.Model(inputs, outputs), seed=7)


def test_receptive_field_of_a_hand_computed_chain():
    model = _linear_chain()
    described = describe_layers(model)
    # Two 3x3 'same' convs: start -2, size 5; then a 2x2 pool: size 6, jump 2.
    pool = receptive_field(described, "pool")
    assert (pool.start, pool.size, pool.jump) == ((-2, -2), (6, 6), (2, 2))
    assert pool.box(0, 0) == (0, 0, 4, 4)
    assert pool.box(5, 3) == (8, 4, 14, 10)
    assert pool.box(13, 12) == (24, 22, 28, 27)  # clipped at the bottom/right edge
    # 3x3 stride 2 'same' on 14 rows: pad_total = max(6*2 + 3 - 14, 0) = 1, before = 0;
    # on 13 columns: pad_total = 6*2 + 3 - 13 = 2, before = 1 (TensorFlow's asymmetry).
    c3 = receptive_field(described, "c3_s2")
    assert c3.start == (-2, -4) and c3.size == (10, 10) and c3.jump == (4, 4)
    c4 = receptive_field(described, "c4_valid")
    assert c4.start == (-2, -4) and c4.size == (14, 18) and c4.jump == (4, 4)
    whole = receptive_field(described, "flatten")
    assert whole.box(0, 0) == (0, 0, 28, 27)
    assert [info["name"] for info in layer_path(described, "c2")] == ["c1", "c2"]
    with pytest.raises(ValueError, match="unknown layer"):
        receptive_field(described, "nope")


@pytest.mark.parametrize("layer", ["c2", "pool", "c3_s2", "c4_valid", "avg_same"])
def test_receptive_field_equals_gradient_support_of_a_linear_chain(layer):
    model = _linear_chain()
    described = describe_layers(model)
    field = receptive_field(described, layer)
    height, width = model.get_layer(layer).output.shape[1:3]
    x = np.random.default_rng(0).normal(size=(28, 27, 2)).astype(np.float32)
    sub = _sub_model(model, layer)
    for y, xx in {(0, 0), (height - 1, width - 1), (height // 2, width // 3), (1, width - 1)}:
        assert _input_gradient_support(sub, x, y, xx, 1) == field.box(y, xx)


@pytest.mark.parametrize("layer", ["conv_s2", "conv4_s2", "max_same", "avg_same"])
def test_gradient_of_a_relu_network_stays_inside_the_box(layer):
    model = build_bn_strided(seed=2)
    field = receptive_field(describe_layers(model), layer)
    height, width, channels = model.get_layer(layer).output.shape[1:]
    rng = np.random.default_rng(1)
    x = rng.normal(size=(31, 29, 3)).astype(np.float32)
    sub = _sub_model(model, layer)
    # The corners and edges (where 'same' padding matters) and a few inner units.
    units = {(y, xx) for y in (0, 1, height - 1) for xx in (0, 1, width - 1)}
    units |= {(int(y), int(xx)) for y, xx in rng.integers(0, (height, width), (6, 2))}
    checked = 0
    for y, xx in sorted(units):
        for c in range(channels):
            support = _input_gradient_support(sub, x, y, xx, c)
            if support is None:
                continue  # a dead ReLU: no gradient anywhere
            top, left, bottom, right = field.box(y, xx)
            assert top <= support[0] and left <= support[1], (y, xx, c)
            assert support[2] <= bottom and support[3] <= right, (y, xx, c)
            checked += 1
            break
    assert checked >= len(units) // 2


@pytest.fixture(scope="module")
def zoo():
    keras_model = load_keras_model(TINY_VGG / "model.keras")
    return keras_model, AttributionModel(keras_model)


@pytest.fixture(scope="module")
def images():
    dataset = get_dataset("fashion-mnist")
    if not dataset.available():
        pytest.skip("Fashion-MNIST is not installed")
    pixels, _ = dataset.load("test")
    spec = InputSpec.from_dict(json.loads((TINY_VGG / "manifest.json").read_text())["input"])
    return prepare_batch(pixels[:SUBSET], spec)


@pytest.mark.parametrize(("layer", "k"), [("conv_1_2", 9), ("conv_2_1", 5), ("max_pool_2", 3)])
def test_top_activating_against_a_keras_sub_model(zoo, images, layer, k):
    keras_model, model = zoo
    calls = []
    result = top_activating(
        model, layer, images, k=k, batch=600, progress=lambda f, m: calls.append(f)
    )
    assert calls[-1] == 1.0 and len(calls) == 4
    assert json.loads(json.dumps(result)) == result
    acts = np.asarray(_sub_model(keras_model, layer)(images, training=False))  # N x H x W x C
    height, width, channels = acts.shape[1:]
    assert result["layer"] == layer and result["k"] == k
    assert result["shape"] == [height, width, channels]
    assert [f["filter"] for f in result["filters"]] == list(range(channels))
    maxima = acts.reshape(len(acts), -1, channels).max(axis=1)  # N x C
    field = receptive_field(describe_layers(keras_model), layer)
    for entry in result["filters"]:
        c = entry["filter"]
        examples = entry["examples"]
        assert len(examples) == k
        values = [e["value"] for e in examples]
        assert values == sorted(values, reverse=True)
        assert len({e["index"] for e in examples}) == k
        for e in examples:
            image_acts = acts[e["index"], :, :, c]
            assert e["value"] == pytest.approx(image_acts.max(), rel=1e-5, abs=1e-5)
            assert image_acts[e["y"], e["x"]] == pytest.approx(image_acts.max(), rel=1e-5, abs=1e-5)
            assert e["box"] == list(field.box(e["y"], e["x"]))
        # No image left out beats the k-th one.
        others = np.delete(maxima[:, c], [e["index"] for e in examples])
        assert others.max() <= values[-1] + 1e-5


def test_top_activating_refuses_layers_without_a_spatial_output(zoo, images):
    _, model = zoo
    with pytest.raises(ValueError, match="spatial"):
        top_activating(model, "flatten", images[:4])
    with pytest.raises(ValueError, match="unknown layer"):
        top_activating(model, "nope", images[:4])
    with pytest.raises(ValueError, match="k must"):
        top_activating(model, "conv_1_1", images[:4], k=0)
    # k larger than the set: every image, once.
    result = top_activating(model, "conv_1_1", images[:4], k=9)
    assert result["k"] == 4
    assert sorted(e["index"] for e in result["filters"][0]["examples"]) == [0, 1, 2, 3]


def test_lazily_prepared_images_give_the_same_result_in_bounded_batches(zoo, images):
    """A large set is preprocessed a batch at a time (PreparedImages) and batches shrink to the
    memory budget: the result is the eager one's."""
    from worker.inputs.preprocessing import PreparedImages

    keras_model, model = zoo
    pixels, _ = get_dataset("fashion-mnist").load("test")
    spec = InputSpec.from_dict(json.loads((TINY_VGG / "manifest.json").read_text())["input"])
    lazy = PreparedImages(pixels[:SUBSET], spec)
    assert lazy.shape == images.shape and len(lazy) == len(images)
    np.testing.assert_array_equal(lazy[10:20], images[10:20])
    with pytest.raises(TypeError):
        lazy[3]  # noqa: B018 - slices only: a single index would be a different shape
    eager = top_activating(model, "conv_2_1", images, k=4)
    small = AttributionModel(keras_model, batch_budget=64 * 1024)  # a few images per batch
    assert small.bounded_batch(1000) < 20
    calls = []
    bounded = top_activating(small, "conv_2_1", lazy, k=4, progress=lambda f, m: calls.append(f))
    assert bounded == eager
    assert len(calls) > len(images) // 20  # many small batches
