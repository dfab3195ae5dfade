"""IDX parsing, including malformed files."""

import gzip
import struct

import numpy as np
import pytest

from datasets.idx import IdxFormatError, parse_idx, read_idx


def _idx(array: np.ndarray, type_code: int = 0x08) -> bytes:
    header = struct.pack(">HBB", 0, type_code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def test_parses_uint8_images_and_dims():
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    parsed = parse_idx(_idx(array))
    assert parsed.shape == (2, 3, 4)
    assert parsed.dtype == np.uint8
    np.testing.assert_array_equal(parsed, array)


def test_big_endian_int32_becomes_native():
    array = np.array([1, 256, -5], dtype=np.int32)
    parsed = parse_idx(_idx(array, type_code=0x0C))
    assert parsed.dtype == np.dtype("int32") and parsed.dtype.isnative
    np.testing.assert_array_equal(parsed, array)


def test_reads_gzipped_and_plain_files(tmp_path):
    array = np.arange(10, dtype=np.uint8)
    (tmp_path / "a.gz").write_bytes(gzip.compress(_idx(array)))
    (tmp_path / "b").write_bytes(_idx(array))
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), array)
    np.testing.assert_array_equal(read_idx(tmp_path / "b"), array)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x00", "too short"),
        (b"\x01\x00\x08\x01" + struct.pack(">I", 1) + b"\x00", "magic"),
        (b"\x00\x00\x42\x01" + struct.pack(">I", 1) + b"\x00", "type code"),
        (b"\x00\x00\x08\x03" + struct.pack(">I", 1), "header truncated"),
        (b"\x00\x00\x08\x00", "zero dimensions"),
    ],
)
def test_malformed_headers_raise(data, message):
    with pytest.raises(IdxFormatError, match=message):
        parse_idx(data)


def test_short_payload_is_reported(tmp_path):
    full = _idx(np.zeros((5, 28, 28), dtype=np.uint8))
    path = tmp_path / "short-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(full[:-100]))
    with pytest.raises(IdxFormatError, match=r"shape \(5, 28, 28\).*holds 3820 bytes"):
        read_idx(path)


def test_corrupt_gzip_is_reported(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(_idx(np.zeros(1000, dtype=np.uint8)))[:30])
    with pytest.raises(IdxFormatError, match="corrupt or truncated gzip"):
        read_idx(path)
