"""Filter ranking of convolutions inside residual, dense and inverted-residual blocks (ResNet50,
DenseNet121, MobileNetV2 from keras.applications, random weights): every filter's ablation
accuracy equals a plain Keras evaluation of a copy of the whole network with that filter's
kernel and bias zeroed (these convolutions are linear, so zeroing them zeroes the channel)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.real_size import real_size_model_file
from worker.runtime.model_loading import load_keras_model
from worker.techniques.filter_ranking import _frontier, bounded_batch, rank_filters

IMAGES = 8


def _images(model) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, (IMAGES, *model.inputs[0].shape[1:])).astype(np.float32)


def _copy(model):
    import keras

    clone = keras.models.clone_model(model)
    clone.set_weights(model.get_weights())
    return clone


def _zero_filter(weights: list[np.ndarray], c: int, depthwise: bool) -> list[np.ndarray]:
    kernel = weights[0].copy()
    if depthwise:  # kh x kw x in x multiplier; output channel c = i * multiplier + m
        kernel[:, :, c // kernel.shape[3], c % kernel.shape[3]] = 0.0
    else:
        kernel[..., c] = 0.0
    rest = [w.copy() for w in weights[1:]]
    if rest:
        rest[0][c] = 0.0
    return [kernel, *rest]


def _reference_accuracies(model, layer: str, filters: list[int], x, labels) -> list[float]:
    """Accuracy of the whole network with each of ``filters`` of ``layer`` zeroed in a copy."""
    clone = _copy(model)
    target = clone.get_layer(layer)
    depthwise = type(target).__name__ == "DepthwiseConv2D"
    original = target.get_weights()
    accuracies = []
    for c in filters:
        target.set_weights(_zero_filter(original, c, depthwise))
        predicted = np.argmax(np.asarray(clone(x, training=False)), axis=1)
        accuracies.append(float(np.mean(predicted == labels)))
    return accuracies


def _boosted(model, layer: str, filters: list[int]):
    """A copy whose ``filters`` of ``layer`` are scaled up, so switching them off changes some
    predictions of a randomly initialised network (otherwise no single channel matters)."""
    clone = _copy(model)
    target = clone.get_layer(layer)
    weights = target.get_weights()
    kernel = weights[0].copy()
    if type(target).__name__ == "DepthwiseConv2D":
        kernel = kernel.reshape(*kernel.shape[:2], -1)  # output channel i * multiplier + m
    for c in filters:
        kernel[..., c] *= 1e4
    kernel = kernel.reshape(weights[0].shape)
    target.set_weights([kernel, *weights[1:]])
    return clone


@pytest.mark.parametrize(
    "name, layer, boost, must_tell",
    [
        # the second conv of ResNet50's second residual block: its block's input is read again
        # by the identity shortcut, so the graph cannot be cut at the layer
        ("resnet50", "conv2_block2_2_conv", [], True),
        # the last dense block's last conv: its block's input is concatenated to its output
        ("densenet121", "conv5_block16_2_conv", [0, 5, 17], True),
        # a depthwise conv in an inverted-residual block with an Add shortcut; its ReLU6 clips
        # any boost, so no single channel changes a prediction here (see the next test)
        ("mobilenet_v2", "block_15_depthwise", [], False),
    ],
)
def test_ablation_inside_blocks_equals_zeroing_the_filter(name, layer, boost, must_tell):
    model = load_keras_model(real_size_model_file(name))
    if boost:
        model = _boosted(model, layer, boost)
    x = _images(model)
    labels = np.argmax(model.predict(x, verbose=0), axis=1)  # baseline accuracy 1
    ranking = rank_filters(model, layer, x, x, labels, batch=IMAGES // 2 + 1)
    assert ranking["baseline_accuracy"] == 1.0
    rows = ranking["rows"]
    # every filter whose ablation changed a prediction, and every fourth of the others
    checked = [r["filter"] for r in rows if r["ablation_drop"] != 0 or r["filter"] % 4 == 0]
    expected = _reference_accuracies(model, layer, checked, x, labels)
    assert [rows[c]["ablation_accuracy"] for c in checked] == expected
    assert any(r["ablation_drop"] > 0 for r in rows) or not must_tell  # the test can tell


def test_depthwise_ablation_in_a_residual_block_equals_zeroing_the_filter():
    """A small inverted-residual network (expand, depthwise with a multiplier of 2, project,
    Add shortcut): with unclipped activations single channels do change predictions."""
    import keras

    keras.utils.set_random_seed(3)
    inputs = keras.Input((12, 12, 4))
    expanded = keras.layers.Conv2D(8, 1, activation="relu", name="expand")(inputs)
    depthwise = keras.layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2,
                                             name="depthwise")(expanded)  # fmt: skip
    projected = keras.layers.Conv2D(4, 1, name="project")(keras.layers.ReLU()(depthwise))
    merged = keras.layers.Add()([inputs, projected])
    pooled = keras.layers.Flatten()(keras.layers.ReLU()(merged))  # no averaging away
    model = keras.Model(inputs, keras.layers.Dense(5, activation="softmax")(pooled))
    x = np.random.default_rng(1).normal(size=(200, 12, 12, 4)).astype(np.float32)
    labels = np.argmax(np.asarray(model(x)), axis=1)
    reports: list[float] = []
    ranking = rank_filters(
        model, "depthwise", x[:20], x, labels, batch=64, progress=lambda f, _: reports.append(f)
    )
    # per filter and batch (4 batches of at most 64 images): rising to 1
    assert len(reports) == 1 + 4 * 16 and reports == sorted(reports) and reports[-1] == 1.0
    assert ranking["filters"] == 16 and ranking["baseline_accuracy"] == 1.0
    expected = _reference_accuracies(model, "depthwise", list(range(16)), x, labels)
    assert [r["ablation_accuracy"] for r in ranking["rows"]] == expected
    assert sum(r["ablation_drop"] > 0 for r in ranking["rows"]) >= 4
    kernel = model.get_layer("depthwise").get_weights()[0]  # 3 x 3 x 8 x 2
    norms = [r["kernel_norm"] for r in ranking["rows"]]
    assert norms == pytest.approx([np.linalg.norm(kernel[:, :, c // 2, c % 2]) for c in range(16)])


def test_the_frontier_holds_what_the_rest_of_the_block_reads_again():
    model = load_keras_model(real_size_model_file("resnet50"))

    def names(layer: str) -> list[str]:
        frontier = _frontier(list(model.outputs), model.get_layer(layer).output)
        return [t._keras_history.operation.name for t in frontier]

    # the block's input feeds the identity shortcut's Add
    assert names("conv2_block2_2_conv") == ["conv2_block2_2_conv", "conv2_block1_out"]
    # the first conv of the network: nothing beside it
    assert names("conv1_conv") == ["conv1_conv"]


def test_batches_are_bounded_by_the_largest_activation():
    model = load_keras_model(real_size_model_file("resnet50"))
    largest = 34 * 34 * 64  # pool1_pad at 64 x 64 input
    per_image = 4 * 4 * largest  # four live float32 copies
    assert bounded_batch(model, 10_000, budget=100 * per_image) == 100
    assert bounded_batch(model, 20, budget=100 * per_image) == 20
    assert bounded_batch(model, 20, budget=1) == 1
