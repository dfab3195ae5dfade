"""Malicious or malformed model files are refused before Keras reads them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import h5py
import keras
import pytest

from tests.fixtures.models import build_tiny_vgg_28, build_vector_model, save_model
from worker.runtime.model_loading import load_keras_model, validate_model_file
from worker.runtime.model_safety import ModelRejected, check_model_config, check_model_file


@pytest.fixture(scope="module")
def good_keras(tmp_path_factory) -> Path:
    return save_model(build_tiny_vgg_28(seed=0), tmp_path_factory.mktemp("m") / "good.keras")


@pytest.fixture(scope="module")
def good_entries(good_keras) -> dict[str, bytes]:
    with zipfile.ZipFile(good_keras) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture
def never_load(monkeypatch):
    """Fail the test if Keras is asked to deserialise anything."""

    def _boom(*args, **kwargs):
        raise AssertionError("keras.saving.load_model must not be reached")

    monkeypatch.setattr(keras.saving, "load_model", _boom)


def _write_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _with_config(tmp_path, good_entries, mutate, name="bad.keras") -> Path:
    config = json.loads(good_entries["config.json"])
    mutate(config)
    entries = dict(good_entries, **{"config.json": json.dumps(config).encode()})
    return _write_zip(tmp_path / name, entries)


def _layers(config) -> list:
    return config["config"]["layers"]


def _refused(path: Path, *words: str) -> str:
    with pytest.raises(ModelRejected) as info:
        load_keras_model(path)
    message = str(info.value)
    for word in words:
        assert word.lower() in message.lower(), message
    return message


def test_good_model_accepted(good_keras):
    config = check_model_file(good_keras)
    assert config["class_name"] == "Sequential"
    assert len(load_keras_model(good_keras).layers) == 8


def test_lambda_layer_refused(tmp_path, good_entries, never_load):
    lam = {
        "module": "keras.layers",
        "class_name": "Lambda",
        "registered_name": None,
        "config": {
            "name": "evil",
            "function": {
                "class_name": "__lambda__",
                "config": {"code": "4wEAAAAAAAAA", "defaults": None, "closure": None},
            },
        },
    }
    path = _with_config(tmp_path, good_entries, lambda c: _layers(c).insert(1, lam))
    _refused(path, "evil", "Lambda")


def test_tfsm_layer_refused(tmp_path, good_entries, never_load):
    layer = {
        "module": "keras.layers",
        "class_name": "TFSMLayer",
        "registered_name": None,
        "config": {"name": "saved", "filepath": "/tmp/x", "call_endpoint": "serve"},
    }
    path = _with_config(tmp_path, good_entries, lambda c: _layers(c).insert(1, layer))
    _refused(path, "TFSMLayer")


def test_custom_module_refused(tmp_path, good_entries, never_load):
    def mutate(config):
        _layers(config)[1]["module"] = "my_package.layers"
        _layers(config)[1]["class_name"] = "FancyConv"

    _refused(_with_config(tmp_path, good_entries, mutate), "my_package.layers")


def test_function_reference_outside_keras_refused(tmp_path, good_entries, never_load):
    def mutate(config):
        _layers(config)[1]["config"]["activation"] = {
            "module": "os",
            "class_name": "function",
            "config": "system",
            "registered_name": "system",
        }

    _refused(_with_config(tmp_path, good_entries, mutate), "'os'")


@pytest.mark.parametrize("activation", ["os.system", "mystery"])
def test_unknown_activation_string_refused(tmp_path, good_entries, never_load, activation):
    def mutate(config):
        _layers(config)[1]["config"]["activation"] = activation

    _refused(_with_config(tmp_path, good_entries, mutate), activation)


def test_custom_registered_name_refused(tmp_path, good_entries, never_load):
    def mutate(config):
        _layers(config)[1]["registered_name"] = "Custom>Conv2D"

    _refused(_with_config(tmp_path, good_entries, mutate), "Custom>Conv2D")


def test_unsafe_deserialization_flag_refused(tmp_path, good_entries, never_load):
    def mutate(config):
        _layers(config)[1]["config"]["name"] = "keras.config.enable_unsafe_deserialization"

    _refused(_with_config(tmp_path, good_entries, mutate), "safe mode")


def test_path_traversal_refused(tmp_path, good_entries, never_load):
    path = _write_zip(tmp_path / "trav.keras", dict(good_entries, **{"../evil": b"x"}))
    _refused(path, "../evil")


def test_absolute_and_symlink_entries_refused(tmp_path, good_entries, never_load):
    _refused(_write_zip(tmp_path / "abs.keras", dict(good_entries, **{"/etc/x": b"x"})), "/etc/x")
    path = tmp_path / "link.keras"
    _write_zip(path, good_entries)
    with zipfile.ZipFile(path, "a") as zf:
        info = zipfile.ZipInfo("assets/link")
        info.external_attr = 0o120777 << 16
        zf.writestr(info, "/etc/passwd")
    _refused(path, "symbolic link")


def test_not_a_zip_refused(tmp_path, never_load):
    path = tmp_path / "random.keras"
    path.write_bytes(b"\x00garbage" * 100)
    _refused(path, "zip")
    fake = tmp_path / "fake.keras"
    fake.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    _refused(fake, "zip")


def test_zip_bomb_refused(tmp_path, good_entries, never_load):
    path = tmp_path / "bomb.keras"
    _write_zip(path, {k: v for k, v in good_entries.items() if k != "model.weights.h5"})
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open("model.weights.h5", "w", force_zip64=True) as fh,
    ):
        block = bytes(1024 * 1024)
        for _ in range(64):
            fh.write(block)
    assert path.stat().st_size < 2 * 1024 * 1024
    _refused(path, "zip bomb")


def test_missing_config_and_old_keras_refused(tmp_path, good_entries, never_load):
    no_config = {k: v for k, v in good_entries.items() if k != "config.json"}
    _refused(_write_zip(tmp_path / "noconf.keras", no_config), "config.json")
    old = dict(good_entries, **{"metadata.json": b'{"keras_version": "2.15.0"}'})
    _refused(_write_zip(tmp_path / "old.keras", old), "Keras 3")


def test_other_extensions_refused(tmp_path, good_keras, never_load):
    pkl = tmp_path / "model.pkl"
    pkl.write_bytes(good_keras.read_bytes())
    _refused(pkl, ".pkl")
    h5 = tmp_path / "zip_named.h5"
    h5.write_bytes(good_keras.read_bytes())
    _refused(h5, "HDF5")


def test_h5_good_accepted_and_lambda_refused(tmp_path, never_load):
    path = save_model(build_tiny_vgg_28(seed=5), tmp_path / "legacy.h5")
    config = check_model_file(path)
    assert config["class_name"] == "Sequential"
    config["config"]["layers"].insert(
        1, {"class_name": "Lambda", "config": {"name": "sneaky", "function": "abc"}}
    )
    with h5py.File(path, "a") as f:
        f.attrs["model_config"] = json.dumps(config)
    _refused(path, "sneaky", "Lambda")
    with h5py.File(path, "a") as f:
        del f.attrs["model_config"]
    _refused(path, "architecture")


def test_h5_good_model_validates(tmp_path):
    path = save_model(build_tiny_vgg_28(seed=6), tmp_path / "legacy.h5")
    summary = validate_model_file(path)
    assert summary["input_shape"] == [28, 28, 1]
    assert summary["num_classes"] == 10


def test_non_image_model_refused_by_validation(tmp_path):
    path = save_model(build_vector_model(), tmp_path / "vector.keras")
    check_model_file(path)  # statically fine: only built-in layers
    with pytest.raises(ModelRejected, match="input"):
        validate_model_file(path)


def test_validation_timeout(good_keras):
    with pytest.raises(ModelRejected, match="longer than"):
        validate_model_file(good_keras, timeout_s=0.5)


def test_validation_passes_child_rejection(tmp_path, good_entries):
    def mutate(config):
        _layers(config)[1]["class_name"] = "Lambda"

    with pytest.raises(ModelRejected, match="Lambda"):
        validate_model_file(_with_config(tmp_path, good_entries, mutate))


def test_config_walk_rejects_non_models():
    with pytest.raises(ModelRejected):
        check_model_config({"class_name": "Conv2D", "config": {}})
    with pytest.raises(ModelRejected):
        check_model_config([])


def test_validation_memory_limit(good_keras):
    # 300 MB is too little even to map TensorFlow's shared library.
    with pytest.raises(ModelRejected, match="more than 300 MB"):
        validate_model_file(good_keras, memory_mb=300)
