"""The committed zoo models: integrity, safe loading, and reproducible test accuracy."""

import pytest

from model_zoo.registry import list_zoo
from model_zoo.spec import INPUT_SPEC

MANIFEST_KEYS = {
    "name",
    "version",
    "title",
    "description",
    "dataset",
    "labels",
    "input",
    "test_accuracy",
    "history",
    "weights_sha256",
    "seed",
    "epochs",
    "batch_size",
    "params",
    "trained_with",
    "training_seconds",
}
MIN_ACCURACY = {"tiny-vgg": 0.88, "deep-bn": 0.91}
ENTRIES = {entry.name: entry for entry in list_zoo()}


@pytest.fixture(scope="module", params=sorted(ENTRIES))
def entry(request):
    return ENTRIES[request.param]


@pytest.fixture(scope="module")
def keras_model(entry):
    import keras

    return keras.saving.load_model(entry.model_path, compile=False, safe_mode=True)


def test_built_and_hash_matches(entry):
    assert entry.model_path.is_file(), f"{entry.name} has no model.keras; run model_zoo.train"
    assert entry.is_built(), f"{entry.name}: model.keras does not match weights_sha256"
    assert entry.model_path.stat().st_size < 5 * 1024 * 1024


def test_manifest(entry):
    manifest = entry.manifest()
    assert set(manifest) == MANIFEST_KEYS
    assert manifest["name"] == entry.name
    assert manifest["version"] == 1
    assert manifest["dataset"] == "fashion-mnist"
    assert manifest["input"] == INPUT_SPEC
    assert manifest["input"]["scale"] == 0.00392156862745098
    assert len(manifest["history"]) == manifest["epochs"]
    assert [row["epoch"] for row in manifest["history"]] == list(range(1, manifest["epochs"] + 1))
    for row in manifest["history"]:
        assert set(row) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}
    assert set(manifest["trained_with"]) == {"keras", "tensorflow"}
    assert manifest["test_accuracy"] >= MIN_ACCURACY[entry.name]


def test_loads_safely_with_manifest_shapes(entry, keras_model):
    manifest = entry.manifest()
    spec = manifest["input"]
    assert tuple(keras_model.input_shape) == (None, spec["height"], spec["width"], spec["channels"])
    assert keras_model.output_shape == (None, len(manifest["labels"]))
    assert keras_model.count_params() == manifest["params"]
    names = {layer.name for layer in keras_model.layers}
    assert {"conv_1_1", "conv_1_2", "max_pool_1", "conv_2_1", "output"} <= names


def test_reproduces_test_accuracy(entry):
    from model_zoo.train import evaluate

    accuracy = evaluate(entry.model_path, "fashion-mnist")
    assert abs(accuracy - entry.manifest()["test_accuracy"]) <= 1e-4
    assert accuracy >= MIN_ACCURACY[entry.name]
