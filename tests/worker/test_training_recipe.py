"""The recipe check's arithmetic against Keras itself (an independent reference: the built
layers' output shapes and ``count_params()``), its sentences for stacks that cannot be built,
and seeded training: the same seed gives the same weights, a cancelled run stops at its batch."""

import itertools
import random

import numpy as np
import pytest

from worker.techniques.training.build import build_model
from worker.techniques.training.recipe import (
    LAYER_TYPES,
    Limits,
    batch_bytes,
    check_recipe,
    memory_problem,
)
from worker.techniques.training.train import Settings, train_network, training_subset


def keras_rows(layers, input_shape, classes):
    model = build_model(layers, input_shape, classes)
    shapes = [list(layer.output.shape[1:]) for layer in model.layers[1:]]
    params = [layer.count_params() for layer in model.layers[1:]]
    return model, shapes, params


def random_stack(rng: random.Random) -> list[dict]:
    """A stack that usually builds: maps first (conv, pooling, batch norm, dropout,
    activation), then flatten or global pooling, then dense layers."""
    stack = []
    for _ in range(rng.randint(1, 5)):
        kind = rng.choice(
            ["conv", "conv", "max_pool", "avg_pool", "batch_norm", "dropout", "activation"]
        )
        layer = {"type": kind}
        if kind == "conv":
            layer.update(
                filters=rng.randint(1, 12),
                kernel=rng.randint(1, 5),
                stride=rng.randint(1, 3),
                padding=rng.choice(["same", "valid"]),
                activation=rng.choice(["relu", "none", "tanh"]),
            )
        elif kind in ("max_pool", "avg_pool"):
            layer.update(
                pool=rng.randint(1, 3),
                stride=rng.choice([0, 1, 2]),
                padding=rng.choice(["same", "valid"]),
            )
        elif kind == "dropout":
            layer["rate"] = 0.3
        elif kind == "activation":
            layer["function"] = rng.choice(["relu", "sigmoid"])
        stack.append(layer)
    stack.append({"type": rng.choice(["flatten", "global_avg_pool"])})
    for _ in range(rng.randint(0, 2)):
        stack.append({"type": "dense", "units": rng.randint(1, 20)})
        if rng.random() < 0.3:
            stack.append({"type": "batch_norm"})
    return stack


def test_shapes_and_parameters_equal_keras_for_many_stacks():
    rng = random.Random(7)
    compared = 0
    for trial in range(60):
        input_shape = rng.choice([[28, 28, 1], [8, 8, 1], [17, 13, 3]])
        classes = rng.choice([2, 10])
        layers = random_stack(rng)
        checked = check_recipe(layers, input_shape, classes)
        if not checked.ok:
            # the check's refusal must be right too: Keras cannot build it either
            with pytest.raises(Exception):  # noqa: B017 - Keras raises ValueError or others
                build_model(checked.layers or layers, input_shape, classes)
            continue
        model, shapes, params = keras_rows(checked.layers, input_shape, classes)
        assert [row["output_shape"] for row in checked.rows] == shapes, (trial, layers)
        assert [row["params"] for row in checked.rows] == params, (trial, layers)
        assert checked.params == model.count_params()
        assert [row["name"] for row in checked.rows] == [layer.name for layer in model.layers[1:]]
        compared += 1
    assert compared >= 40


def test_every_setting_at_its_ends_matches_keras():
    """Kernels, strides and windows at the edges of their ranges, 'same' and 'valid'."""
    for kernel, stride, padding in itertools.product((1, 2, 5), (1, 3), ("same", "valid")):
        layers = [
            {"type": "conv", "filters": 3, "kernel": kernel, "stride": stride, "padding": padding},
            {"type": "max_pool", "pool": 3, "stride": 2, "padding": padding},
            {"type": "flatten"},
        ]
        checked = check_recipe(layers, [11, 9, 2], 4)
        if not checked.ok:  # a window larger than the maps: Keras cannot build it either
            assert "does not fit" in checked.problems[0]["message"]
            with pytest.raises(Exception):  # noqa: B017
                build_model(checked.layers, [11, 9, 2], 4)
            continue
        model, shapes, params = keras_rows(checked.layers, [11, 9, 2], 4)
        assert [row["output_shape"] for row in checked.rows] == shapes
        assert checked.params == model.count_params()


def test_problems_are_sentences_that_name_the_layer():
    def problems(layers, shape=(28, 28, 1)):
        return [p["message"] for p in check_recipe(layers, list(shape), 10).problems]

    assert problems([{"type": "conv", "kernel": 5, "padding": "valid"}], (2, 2, 1)) == [
        "Layer 1 (convolution): a 5×5 kernel does not fit the 2×2 maps it receives; use a "
        "smaller kernel or 'same' padding."
    ]
    assert problems([{"type": "flatten"}, {"type": "conv"}]) == [
        "Layer 2 (convolution): it receives a list of 784 numbers, not maps; convolution, "
        "pooling and flatten go before the first dense layer (or flatten)."
    ]
    assert problems([{"type": "conv"}, {"type": "dense"}]) == [
        "Layer 2 (dense): it receives 28×28 maps (8 of them); add a flatten (or global average "
        "pooling) layer before it."
    ]
    assert problems([{"type": "conv"}])[0].startswith("The stack ends with 28×28 maps")
    assert problems([{"type": "max_pool", "pool": 8}, {"type": "max_pool", "pool": 8}]) == [
        "Layer 2 (max pooling): a 8×8 window does not fit the 3×3 maps it receives; use a "
        "smaller window, 'same' padding, or remove it."
    ]
    assert problems([{"type": "conv", "filters": 0}]) == [
        "Layer 1 (convolution): filters must be a whole number from 1 to 256."
    ]
    assert problems([{"type": "conv", "padding": "full"}, {"type": "pool"}]) == [
        "Layer 1 (convolution): padding must be one of valid, same.",
        "Layer 2: choose a type (" + ", ".join(LAYER_TYPES) + ").",
    ]
    too_many = problems([{"type": "flatten"}, {"type": "dense", "units": 4096}])
    assert too_many == [
        "This network has 3,256,330 parameters; the limit is 2,000,000 parameters on this "
        "server. Use fewer filters or units, or pool before flattening."
    ]
    assert 784 * 4096 + 4096 + 4096 * 10 + 10 == 3_256_330
    small = check_recipe([{"type": "flatten"}] * 4, [8, 8, 1], 10, Limits(max_layers=3))
    assert small.problems[0]["message"] == (
        "The stack has 4 layers; the limit is 3 layers on this server."
    )


def test_the_memory_limit_counts_every_layers_output():
    layers = [{"type": "conv", "filters": 64, "padding": "same"}, {"type": "flatten"}]
    checked = check_recipe(layers, [28, 28, 1], 10)
    values = 28 * 28 * 64 + 28 * 28 * 64 + 10 + 28 * 28  # conv, flatten, output, input
    assert batch_bytes(checked, [28, 28, 1], 32) == 32 * values * 12 + checked.params * 16
    limit = Limits(memory_bytes=batch_bytes(checked, [28, 28, 1], 32))
    assert memory_problem(checked, [28, 28, 1], 32, limit) is None
    sentence = memory_problem(checked, [28, 28, 1], 33, limit)
    assert "the memory limit is" in sentence and "use a batch of at most 32" in sentence


def digits_arrays(count: int = 300):
    from datasets.registry import get_dataset

    dataset = get_dataset("digits")
    x, y = dataset.load("train")
    xt, yt = dataset.load("test")
    chosen = training_subset(y, count, 1)
    return x[chosen], y[chosen], xt, yt


STACK = [
    {"type": "conv", "filters": 4, "kernel": 3, "padding": "same"},
    {"type": "batch_norm"},
    {"type": "max_pool"},
    {"type": "dropout", "rate": 0.2},
    {"type": "flatten"},
    {"type": "dense", "units": 12},
]


def test_the_same_seed_trains_the_same_weights(tmp_path):
    layers = check_recipe(STACK, [8, 8, 1], 10).layers
    x, y, xt, yt = digits_arrays()
    weights = []
    for run, seed in enumerate((3, 3, 4)):
        out = tmp_path / str(run)
        points = []
        summary = train_network(
            layers, 10, x, y, xt, yt, Settings(2, 32, 1e-2, seed), out, on_point=points.append
        )
        assert [p["epoch"] for p in points if p["kind"] == "epoch"] == [1, 2]
        assert (out / "checkpoints" / "epoch_01.weights.h5").is_file()
        assert (out / "model.keras").is_file()
        import keras

        model = keras.saving.load_model(out / "model.keras", compile=False)
        weights.append(model.get_weights())
        first, second = summary["history"]
        assert second["loss"] < first["loss"]  # it learned something
    assert all(np.array_equal(a, b) for a, b in zip(weights[0], weights[1], strict=True))
    assert not all(np.array_equal(a, b) for a, b in zip(weights[0], weights[2], strict=True))


def test_the_subset_is_chosen_by_the_seed():
    labels = np.arange(1000)
    assert np.array_equal(training_subset(labels, 100, 5), training_subset(labels, 100, 5))
    assert not np.array_equal(training_subset(labels, 100, 5), training_subset(labels, 100, 6))
    assert len(set(training_subset(labels, 100, 5))) == 100
    assert np.array_equal(training_subset(labels, 5000, 5), labels)


class Stop(Exception):
    pass


def test_a_raising_progress_stops_training_at_that_batch(tmp_path):
    layers = check_recipe(STACK, [8, 8, 1], 10).layers
    x, y, xt, yt = digits_arrays()
    calls = []

    def progress(fraction, message):
        calls.append(fraction)
        if len(calls) == 3:
            raise Stop

    with pytest.raises(Stop):
        train_network(
            layers, 10, x, y, xt, yt, Settings(5, 10, 1e-2, 0), tmp_path / "run", progress=progress
        )
    assert len(calls) == 3  # no batch ran after the one whose report raised
    assert not (tmp_path / "run" / "checkpoints").exists()
