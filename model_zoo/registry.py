"""The zoo's networks and their on-disk artefacts. No TensorFlow: the web process uses this."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

ZOO_DIR = Path(__file__).resolve().parent

# Public name -> package folder under model_zoo/ (folders must be valid module names).
_MODULES: dict[str, str] = {"tiny-vgg": "tiny_vgg", "deep-bn": "deep_bn"}
# Pretrained networks converted from a registry package's weights (``<folder>/convert.py``
# ``build()``), not trained here; their files are built by `make dev`, not committed.
_CONVERTED: dict[str, str] = {"efficientnet-lite0": "efficientnet_lite0"}
_ALL: dict[str, str] = {**_MODULES, **_CONVERTED}


@dataclass
class ZooEntry:
    """One zoo network: its folder holds ``model.keras`` and ``manifest.json``."""

    name: str
    directory: Path

    @property
    def module(self) -> str:
        """The package holding ``architecture`` and ``recipe``, e.g. ``model_zoo.tiny_vgg``."""
        return f"model_zoo.{_ALL[self.name]}"

    @property
    def converted(self) -> bool:
        """Built by converting published weights (``convert.build``) rather than trained."""
        return self.name in _CONVERTED

    @property
    def model_path(self) -> Path:
        return self.directory / "model.keras"

    @property
    def manifest_path(self) -> Path:
        return self.directory / "manifest.json"

    def manifest(self) -> dict:
        """The parsed ``manifest.json`` (``FileNotFoundError`` if not trained yet)."""
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def is_built(self) -> bool:
        """Whether the model and manifest exist and the model file matches its recorded hash."""
        if not (self.model_path.is_file() and self.manifest_path.is_file()):
            return False
        try:
            expected = self.manifest()["weights_sha256"]
        except (ValueError, KeyError):
            return False
        return sha256_file(self.model_path) == expected


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def list_zoo() -> list[ZooEntry]:
    """Every zoo network trained here (files committed), built or not, in a fixed order."""
    return [ZooEntry(name, ZOO_DIR / folder) for name, folder in _MODULES.items()]


def list_converted() -> list[ZooEntry]:
    """The pretrained zoo networks converted at build time (``efficientnet-lite0``)."""
    return [ZooEntry(name, ZOO_DIR / folder) for name, folder in _CONVERTED.items()]


def get_zoo_entry(name: str) -> ZooEntry:
    """The zoo network called ``name``; ``KeyError`` if there is none."""
    if name not in _ALL:
        known = ", ".join(_ALL)
        raise KeyError(f"unknown zoo network {name!r}; known networks: {known}")
    return ZooEntry(name, ZOO_DIR / _ALL[name])
