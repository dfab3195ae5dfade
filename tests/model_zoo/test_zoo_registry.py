"""The zoo registry: names, paths, and the hash check (no TensorFlow needed)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from model_zoo.registry import ZooEntry, get_zoo_entry, list_zoo, sha256_file

ROOT = Path(__file__).resolve().parents[2]


def test_names_and_paths():
    assert [e.name for e in list_zoo()] == ["tiny-vgg", "deep-bn"]
    entry = get_zoo_entry("tiny-vgg")
    assert entry.directory == ROOT / "model_zoo" / "tiny_vgg"
    assert entry.model_path.name == "model.keras"
    assert entry.manifest_path.name == "manifest.json"
    assert entry.module == "model_zoo.tiny_vgg"


def test_unknown_name():
    with pytest.raises(KeyError, match="unknown zoo network 'resnet'"):
        get_zoo_entry("resnet")


def test_is_built_detects_missing_and_tampered_files(tmp_path):
    source = get_zoo_entry("tiny-vgg")
    entry = ZooEntry("tiny-vgg", tmp_path)
    assert not entry.is_built()
    if not source.is_built():
        pytest.skip("tiny-vgg not trained")
    shutil.copy(source.model_path, entry.model_path)
    shutil.copy(source.manifest_path, entry.manifest_path)
    assert entry.is_built()
    with open(entry.model_path, "ab") as handle:
        handle.write(b"\0")
    assert not entry.is_built()
    manifest = entry.manifest()
    manifest["weights_sha256"] = sha256_file(entry.model_path)
    entry.manifest_path.write_text(json.dumps(manifest))
    assert entry.is_built()


def test_registry_never_imports_tensorflow():
    code = (
        "import sys; from model_zoo.registry import list_zoo;"
        "[(e.is_built(), e.manifest_path.exists()) for e in list_zoo()];"
        "print('tensorflow' in sys.modules or 'keras' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "False"
