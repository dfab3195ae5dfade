"""All of an analysis's activations in one response, so the browser makes one request, not one
per layer (26 for deep-bn).

Layout: b"CSB1", a little-endian uint32 N, N bytes of JSON
`{"layers": [{"index", "name", "offset", "length"}]}`, then the layers' .npy files back to back
(offsets from the end of the JSON). Each part is an ordinary .npy file.
"""

import io
import json
import struct
from pathlib import Path

import numpy as np

MAGIC = b"CSB1"


def build_bundle(directory: Path, layers: list[dict], dtype: str = "<f2") -> bytes:
    parts: list[bytes] = []
    index = []
    offset = 0
    for layer in layers:
        buffer = io.BytesIO()
        array = np.load(directory / layer["file"], allow_pickle=False)
        np.save(buffer, array.astype(dtype), allow_pickle=False)
        data = buffer.getvalue()
        index.append(
            {"index": layer["index"], "name": layer["name"], "offset": offset, "length": len(data)}
        )
        parts.append(data)
        offset += len(data)
    header = json.dumps({"layers": index}, separators=(",", ":")).encode()
    return MAGIC + struct.pack("<I", len(header)) + header + b"".join(parts)


def read_bundle(data: bytes) -> dict[str, np.ndarray]:
    """The inverse, for tests and scripts: layer name → array."""
    if data[:4] != MAGIC:
        raise ValueError("not an activation bundle")
    (length,) = struct.unpack("<I", data[4:8])
    header = json.loads(data[8 : 8 + length])
    start = 8 + length
    return {
        item["name"]: np.load(
            io.BytesIO(data[start + item["offset"] : start + item["offset"] + item["length"]])
        )
        for item in header["layers"]
    }
