"""The datasets registry and the Dataset contract shared by all datasets."""

import subprocess
import sys

import numpy as np
import pytest

from datasets.base import MANIFEST_KEYS
from datasets.digits import stratified_split
from datasets.registry import get_dataset, list_datasets


def test_names():
    assert [d.name for d in list_datasets()] == ["fashion-mnist", "digits"]
    assert get_dataset("digits").name == "digits"


def test_unknown_name():
    with pytest.raises(KeyError, match="unknown dataset 'mnist'.*digits, fashion-mnist"):
        get_dataset("mnist")


@pytest.mark.parametrize("name", ["fashion-mnist", "digits"])
def test_manifest_keys_and_copy(name):
    dataset = get_dataset(name)
    manifest = dataset.manifest
    assert tuple(manifest) == MANIFEST_KEYS
    assert manifest["name"] == name
    assert len(manifest["classes"]) == 10
    assert manifest["image_shape"][2] == 1
    assert set(manifest["splits"]) == {"train", "test"}
    assert manifest["description"].endswith(".") and manifest["description"].count(".") == 1
    manifest["classes"].append("oops")  # callers get a copy
    assert len(dataset.manifest["classes"]) == 10


def test_licences():
    assert get_dataset("fashion-mnist").manifest["licence"] == "MIT"
    assert get_dataset("digits").manifest["licence"] == "CC BY 4.0"


def test_digits_split():
    digits = get_dataset("digits")
    x_train, y_train = digits.load("train")
    x_test, y_test = digits.load("test")
    assert x_train.shape == (1438, 8, 8, 1) and x_test.shape == (359, 8, 8, 1)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert x_train.max() == 255 and x_train.min() == 0
    assert len(y_train) + len(y_test) == 1797
    # Stratified: every class keeps about 20% of its images in the test split.
    totals = np.bincount(y_train, minlength=10) + np.bincount(y_test, minlength=10)
    assert np.all(np.abs(np.bincount(y_test, minlength=10) - 0.2 * totals) <= 0.5)


def test_digits_split_is_deterministic_and_disjoint():
    labels = np.repeat(np.arange(10), 50)
    train_a, test_a = stratified_split(labels)
    train_b, test_b = stratified_split(labels)
    np.testing.assert_array_equal(test_a, test_b)
    np.testing.assert_array_equal(train_a, train_b)
    assert not set(train_a) & set(test_a)
    assert len(train_a) + len(test_a) == 500
    # A fresh interpreter gives the same split (no hidden global random state).
    code = (
        "from datasets.registry import get_dataset; import hashlib;"
        "x, y = get_dataset('digits').load('test');"
        "print(hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest())"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=_root()
        ).stdout
        for _ in range(2)
    }
    assert len(runs) == 1


def _root() -> str:
    from pathlib import Path

    return str(Path(__file__).resolve().parents[2])


@pytest.mark.parametrize("name", ["fashion-mnist", "digits"])
def test_sample_indices(name):
    dataset = get_dataset(name)
    if not dataset.available():
        pytest.skip("dataset files missing")
    _, labels = dataset.load("test")
    indices = dataset.sample_indices(per_class=3)
    assert len(indices) == 30
    assert [int(labels[i]) for i in indices] == [c for c in range(10) for _ in range(3)]
    for i in indices:  # each is the first of its class not already taken
        earlier = labels[:i]
        assert (earlier == labels[i]).sum() < 3
    assert dataset.sample_indices() == [i for k, i in enumerate(indices) if k % 3 < 2]
    with pytest.raises(ValueError):
        dataset.sample_indices(0)


@pytest.mark.parametrize("name", ["fashion-mnist", "digits"])
def test_sample(name):
    dataset = get_dataset(name)
    if not dataset.available():
        pytest.skip("dataset files missing")
    images, labels = dataset.load("test")
    image, label = dataset.sample(5)
    assert image.shape == tuple(dataset.manifest["image_shape"]) and image.dtype == np.uint8
    assert isinstance(label, int) and label == labels[5]
    np.testing.assert_array_equal(image, images[5])
    image, label = dataset.sample(0, split="train")
    assert label == dataset.load("train")[1][0]
    for bad in (len(labels), -1):
        with pytest.raises(IndexError):
            dataset.sample(bad)
    with pytest.raises(ValueError, match="unknown split"):
        dataset.load("validation")


def test_datasets_never_import_tensorflow():
    code = (
        "import sys; from datasets.registry import list_datasets;"
        "[d.load('test') for d in list_datasets() if d.available()];"
        "print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=_root()
    ).stdout
    assert out.strip() == "False"
