"""A dataset's VAE as the neighbourhood view uses it: uint8 pictures in, codes out; codes in,
uint8 pictures at the dataset's own size out."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np


class Vae:
    def __init__(self, directory: str | Path) -> None:
        from model_zoo.vae.store import VaeFiles
        from worker.runtime.model_loading import load_stored_model

        files = VaeFiles(Path(directory))
        self.manifest = files.manifest()
        self.encoder = load_stored_model(files.encoder_path)
        self.decoder = load_stored_model(files.decoder_path)
        self.latent = int(self.manifest["latent"])
        self.working_shape = tuple(self.manifest["working_shape"])
        self.image_shape = tuple(self.manifest["image_shape"])

    def class_mean(self, label: int) -> np.ndarray | None:
        means = self.manifest.get("class_means") or []
        if 0 <= label < len(means) and means[label] is not None:
            return np.asarray(means[label], np.float32)
        return None

    def encode(self, images: np.ndarray) -> np.ndarray:
        """μ of uint8 N×H×W×C pictures (the code of each)."""
        from model_zoo.vae.train import to_unit

        mean, _ = self.encoder(to_unit(images, self.working_shape), training=False)
        return np.asarray(mean, np.float32)

    def decode(self, codes: np.ndarray, batch: int = 500) -> np.ndarray:
        """uint8 N×H×W×C pictures at the dataset's size from N codes."""
        out = []
        for start in range(0, len(codes), batch):
            x = np.asarray(self.decoder(np.asarray(codes[start : start + batch], np.float32),
                                        training=False))  # fmt: skip
            if x.shape[1:] != self.image_shape:
                import tensorflow as tf

                x = tf.image.resize(x, self.image_shape[:2], method="area").numpy()
            out.append(np.clip(np.rint(x * 255.0), 0, 255).astype(np.uint8))
        return np.concatenate(out) if out else np.zeros((0, *self.image_shape), np.uint8)


@lru_cache(maxsize=4)
def load_vae(directory: str, sha: str) -> Vae:
    """One loaded VAE per folder and version (``sha``: the manifest's encoder hash)."""
    return Vae(directory)
