"""Where the VAEs' files live and what their manifests say. No TensorFlow: the web process
uses this to tell whether a dataset has a VAE."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from model_zoo.registry import sha256_file

VAE_DIR = Path(__file__).resolve().parent
# Zoo dataset -> folder under model_zoo/vae/ holding the shipped, committed files.
ZOO_VAES: dict[str, str] = {"fashion-mnist": "fashion_mnist", "digits": "digits"}
FILES = ("encoder.keras", "decoder.keras", "manifest.json")


@dataclass(frozen=True)
class VaeFiles:
    """One VAE's folder: ``encoder.keras``, ``decoder.keras``, ``manifest.json``."""

    directory: Path

    @property
    def encoder_path(self) -> Path:
        return self.directory / "encoder.keras"

    @property
    def decoder_path(self) -> Path:
        return self.directory / "decoder.keras"

    @property
    def manifest_path(self) -> Path:
        return self.directory / "manifest.json"

    def manifest(self) -> dict:
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def is_complete(self) -> bool:
        """All three files present and both models matching the manifest's sha256."""
        if not all((self.directory / name).is_file() for name in FILES):
            return False
        try:
            recorded = self.manifest()["sha256"]
        except (ValueError, KeyError):
            return False
        return recorded == {
            "encoder": sha256_file(self.encoder_path),
            "decoder": sha256_file(self.decoder_path),
        }


def zoo_vae(dataset: str) -> VaeFiles | None:
    """The shipped VAE of zoo dataset ``dataset`` (None for any other dataset)."""
    folder = ZOO_VAES.get(dataset)
    return VaeFiles(VAE_DIR / folder) if folder else None
