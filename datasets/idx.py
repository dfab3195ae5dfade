"""Reader for the IDX file format used by MNIST and Fashion-MNIST.

Format (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code byte, a byte
giving the number of dimensions, then one big-endian uint32 per dimension, then the
data in C order, big-endian. Files are often gzipped.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

# Type codes from the IDX specification; multi-byte types are big-endian.
_DTYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IdxFormatError(ValueError):
    """Raised when a file is not a well-formed IDX file."""


def _read_bytes(path: Path) -> bytes:
    """Return the (decompressed) bytes of ``path``; gzip is detected by its magic bytes."""
    raw = path.read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError) as exc:  # BadGzipFile is an OSError; truncation is EOFError
        raise IdxFormatError(f"{path}: corrupt or truncated gzip stream ({exc})") from exc


def parse_idx(data: bytes, *, source: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes into an array in native byte order.

    Raises :class:`IdxFormatError` if the header is malformed or the payload size does
    not match the dimensions in the header.
    """
    if len(data) < 4:
        raise IdxFormatError(f"{source}: {len(data)} bytes is too short for an IDX header")
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise IdxFormatError(f"{source}: bad magic number (first two bytes must be zero)")
    if type_code not in _DTYPES:
        raise IdxFormatError(f"{source}: unknown IDX type code 0x{type_code:02x}")
    if ndim == 0:
        raise IdxFormatError(f"{source}: IDX header declares zero dimensions")
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise IdxFormatError(f"{source}: header truncated ({len(data)} < {header_size} bytes)")
    dims = struct.unpack(f">{ndim}I", data[4:header_size])
    dtype = _DTYPES[type_code]
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header_size
    if actual != expected:
        raise IdxFormatError(
            f"{source}: header says shape {dims} ({expected} bytes of data) "
            f"but the file holds {actual} bytes"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_size).reshape(dims)
    # Convert to native byte order so callers never see '>' dtypes.
    return array.astype(dtype.newbyteorder("="), copy=False)


def read_idx(path: str | Path) -> np.ndarray:
    """Read a (possibly gzipped) IDX file into a NumPy array."""
    path = Path(path)
    return parse_idx(_read_bytes(path), source=str(path))
