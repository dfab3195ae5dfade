"""Training history (issue 8 part 4): a recipe trained with checkpoints saves the weights
after every epoch; each checkpoint reproduces its recorded test accuracy, and the last one is
the saved network bit for bit. Checked on a quick run (tests/conftest.py history_zoo_dir) and
on the checkpoints both zoo networks ship (model_zoo/tiny_vgg/checkpoints,
model_zoo/deep_bn/checkpoints)."""

import json

import numpy as np
import pytest

from model_zoo.registry import sha256_file


@pytest.fixture(scope="module")
def train_module():
    from model_zoo import train

    return train


@pytest.fixture(scope="module", params=["quick-run", "zoo-tiny-vgg", "zoo-deep-bn"])
def history_dir(request):
    """A trained zoo folder with checkpoints/: a quick run here, or a shipped zoo network's."""
    if request.param == "quick-run":
        return request.getfixturevalue("history_zoo_dir")
    from model_zoo.registry import get_zoo_entry

    return get_zoo_entry(request.param.removeprefix("zoo-")).directory


@pytest.fixture(scope="module")
def record(history_dir) -> dict:
    return json.loads((history_dir / "checkpoints" / "history.json").read_text("utf-8"))


def network_name(history_dir) -> str:
    """The zoo network whose architecture the folder holds (the quick run is Tiny VGG's,
    renamed so its rows never touch the real one's)."""
    from tests.conftest import HISTORY_NETWORK

    name = json.loads((history_dir / "manifest.json").read_text("utf-8"))["name"]
    return "tiny-vgg" if name == HISTORY_NETWORK else name


def load_checkpoint(train_module, history_dir, path):
    model = train_module.load_builder(network_name(history_dir))()
    model.load_weights(str(path))
    return model


def test_record_matches_the_saved_network(record, history_dir, train_module):
    manifest = json.loads((history_dir / "manifest.json").read_text("utf-8"))
    model_sha = sha256_file(history_dir / "model.keras")
    parameters = train_module.load_builder(network_name(history_dir))().count_params()
    assert record["weights_sha256"] == manifest["weights_sha256"] == model_sha
    assert record["test_split"] == "full"
    assert (
        [row["epoch"] for row in record["history"]]
        == list(range(1, manifest["epochs"] + 1))
        == [row["epoch"] for row in manifest["history"]]
    )
    for saved, logged in zip(record["history"], manifest["history"], strict=True):
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            assert saved[key] == logged[key], (saved["epoch"], key)
        path = history_dir / saved["checkpoint"]
        assert path.name == f"epoch_{saved['epoch']:02d}.weights.h5"
        assert sha256_file(path) == saved["sha256"]
        # weights only, no optimiser state (which would double it)
        assert path.stat().st_size < 4 * parameters * 1.2 + 100_000


def test_last_checkpoint_is_the_saved_network(record, history_dir, train_module):
    import keras

    trained = keras.saving.load_model(history_dir / "model.keras", compile=False, safe_mode=True)
    last = load_checkpoint(
        train_module, history_dir, history_dir / record["history"][-1]["checkpoint"]
    )
    for a, b in zip(trained.get_weights(), last.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_each_checkpoint_reproduces_its_recorded_test_accuracy(record, history_dir, train_module):
    """Up to 4 checkpoints re-measured on the full test split (first, last and two between:
    Deep BN's 12 would take minutes); every file is tied to its run by its sha256 above."""
    rows = record["history"]
    picked = sorted({0, len(rows) // 3, 2 * len(rows) // 3, len(rows) - 1})
    measured = []
    for row in [rows[i] for i in picked]:
        model = load_checkpoint(train_module, history_dir, history_dir / row["checkpoint"])
        accuracy = train_module.evaluate_model(model, "fashion-mnist")
        assert accuracy == row["test_accuracy"], row["epoch"]
        measured.append(accuracy)
    manifest = json.loads((history_dir / "manifest.json").read_text("utf-8"))
    assert measured[-1] == manifest["test_accuracy"]
    assert measured[0] < measured[-1]  # training helped


def test_saving_checkpoints_does_not_change_training(train_module, tmp_path):
    """The per-epoch hook builds a copy of the network (drawing initialiser seeds); with
    dropout (deep-bn) the run must still train exactly as one without checkpoints."""
    from datasets.registry import get_dataset

    images, labels = get_dataset("fashion-mnist").load("train")
    x, y = train_module.preprocess(images[:192]), labels[:192]
    recipe = train_module.load_recipe("deep-bn")
    build = train_module.load_builder("deep-bn")

    def hook(epoch, model, row):  # what train(checkpoints=True) does after each epoch
        path = tmp_path / train_module.checkpoint_name(epoch)
        train_module.save_weights_copy(build, model, path)
        train_module.load_weights_copy(build, path)

    plain, _ = train_module.fit_arrays(build, recipe, x, y, epochs=2)
    hooked, _ = train_module.fit_arrays(build, recipe, x, y, epochs=2, on_epoch_end=hook)
    for a, b in zip(plain.get_weights(), hooked.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
