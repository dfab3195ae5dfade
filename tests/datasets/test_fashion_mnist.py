"""Fashion-MNIST from Debian's dataset-fashion-mnist."""

import gzip
import struct

import numpy as np
import pytest

from datasets.fashion_mnist import ENV_DIR, FashionMNIST
from datasets.idx import IdxFormatError
from datasets.registry import get_dataset

pytestmark = pytest.mark.skipif(
    not get_dataset("fashion-mnist").available(), reason="dataset-fashion-mnist not installed"
)


@pytest.fixture(scope="module")
def fashion():
    return get_dataset("fashion-mnist")


@pytest.mark.parametrize(("split", "count"), [("train", 60000), ("test", 10000)])
def test_counts_shapes_dtypes(fashion, split, count):
    images, labels = fashion.load(split)
    assert images.shape == (count, 28, 28, 1)
    assert images.dtype == np.uint8
    assert labels.shape == (count,)
    assert labels.dtype == np.int64
    assert labels.min() == 0 and labels.max() == 9
    assert fashion.manifest["splits"][split] == count


def test_test_split_is_balanced(fashion):
    _, labels = fashion.load("test")
    np.testing.assert_array_equal(np.bincount(labels, minlength=10), [1000] * 10)


def test_load_is_cached_and_read_only(fashion):
    first = fashion.load("test")
    second = fashion.load("test")
    assert first[0] is second[0] and first[1] is second[1]
    with pytest.raises(ValueError):
        first[0][0, 0, 0, 0] = 1


def test_known_first_labels(fashion):
    # The published files start with these labels (Ankle boot, T-shirt, ...).
    assert fashion.load("train")[1][:3].tolist() == [9, 0, 0]
    assert fashion.load("test")[1][:3].tolist() == [9, 2, 1]


def test_missing_directory(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    dataset = FashionMNIST()
    assert not dataset.available()
    with pytest.raises(FileNotFoundError, match=ENV_DIR):
        dataset.load("test")


def _write(path, header: bytes, payload: bytes) -> None:
    path.write_bytes(gzip.compress(header + payload))


def test_corrupt_files_in_env_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    # A short image file: the header promises 10,000 images but holds 3.
    _write(
        tmp_path / "t10k-images-idx3-ubyte.gz",
        struct.pack(">HBBIII", 0, 8, 3, 10000, 28, 28),
        bytes(3 * 784),
    )
    _write(tmp_path / "t10k-labels-idx1-ubyte.gz", struct.pack(">HBBI", 0, 8, 1, 3), bytes(3))
    with pytest.raises(IdxFormatError, match="holds 2352 bytes"):
        FashionMNIST().load("test")


def test_wrong_count_in_env_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    # Well-formed but too small: the split size is validated against the manifest.
    _write(
        tmp_path / "t10k-images-idx3-ubyte.gz",
        struct.pack(">HBBIII", 0, 8, 3, 3, 28, 28),
        bytes(3 * 784),
    )
    _write(tmp_path / "t10k-labels-idx1-ubyte.gz", struct.pack(">HBBI", 0, 8, 1, 3), bytes(3))
    with pytest.raises(ValueError, match="expected \\(10000, 28, 28, 1\\)"):
        FashionMNIST().load("test")
