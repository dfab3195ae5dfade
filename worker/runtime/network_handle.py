"""One network as the compute code sees it: its file, its weights' hash and its input contract.

Every computation on a registered network needs the same three facts, and the model cache
keys on the first two; a :class:`NetworkHandle` carries them together so a caller never
assembles them by hand (and never pairs a file with the wrong hash or black value). It is
built from the stored fields of a network row, so it stays Django-free; the backend builds
it in one place (``Network.compute_handle``).

Building a handle and preprocessing with it import neither TensorFlow nor the model cache:
the web process preprocesses images for previews. The cache is imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import black_value, prepare_batch, preprocess

if TYPE_CHECKING:
    from worker.techniques.activations import ActivationExtractor
    from worker.techniques.attribution.model import AttributionModel
    from worker.techniques.feature_vis.model import FeatureVisModel


@dataclass(frozen=True)
class NetworkHandle:
    """A registered network's file, content hash and input spec, and what is computed on it."""

    # Where the model file is, asked only when a model is needed: finding it may fetch it from
    # the object store, which preprocessing in the web process must not cause.
    locate_model: Callable[[], Path]
    weights_sha256: str
    input_spec: InputSpec
    # Training history: epoch -> the weights file saved after it (empty: none kept).
    checkpoints: Mapping[int, Path] = field(default_factory=dict)

    @classmethod
    def from_fields(
        cls,
        model_path: str | Path | Callable[[], str | Path],
        weights_sha256: str,
        input_spec: dict[str, Any],
        checkpoints: Mapping[int, str | Path] | None = None,
    ) -> NetworkHandle:
        """Build from a network row's stored fields (``input_spec`` as stored: a dict);
        ``model_path`` may be a function giving the path, called when a model is loaded."""
        locate = model_path if callable(model_path) else (lambda: model_path)
        return cls(
            locate_model=lambda: Path(locate()),
            weights_sha256=weights_sha256,
            input_spec=InputSpec.from_dict(input_spec),
            checkpoints={int(epoch): Path(path) for epoch, path in (checkpoints or {}).items()},
        )

    @property
    def model_path(self) -> Path:
        """The model file on this machine."""
        return self.locate_model()

    def preprocess(self, pixels: np.ndarray) -> np.ndarray:
        """Decoded uint8 pixels H x W x C -> the float32 input of this network."""
        return preprocess(pixels, self.input_spec)

    def prepare_batch(self, images: np.ndarray) -> np.ndarray:
        """A uint8 batch N x H x W x C -> the float32 batch this network takes."""
        return prepare_batch(images, self.input_spec)

    @property
    def black_value(self) -> np.ndarray:
        """What a black pixel becomes after this network's preprocessing, per channel."""
        return black_value(self.input_spec)

    def checkpoint_path(self, epoch: int) -> Path | None:
        """The weights file saved after training ``epoch``, or None when there is none."""
        return self.checkpoints.get(epoch)

    def extractor(self, checkpoint: str | Path | None = None) -> ActivationExtractor:
        """Every layer's activations, from the cache: of the trained network, or with the
        weights of a training ``checkpoint`` file."""
        from worker.runtime import model_cache

        path = str(self.model_path)
        if checkpoint is None:
            return model_cache.get_extractor(path, self.weights_sha256)
        return model_cache.get_checkpoint_extractor(path, self.weights_sha256, str(checkpoint))

    def extractor_at(self, epoch: int = 0) -> ActivationExtractor:
        """The layer extractor of the trained network (``epoch`` 0) or of the weights saved
        after training ``epoch``; FileNotFoundError when that checkpoint is not kept."""
        if not epoch:
            return self.extractor()
        checkpoint = self.checkpoint_path(epoch)
        if checkpoint is None:
            raise FileNotFoundError(f"no checkpoint for epoch {epoch}")
        return self.extractor(checkpoint)

    def attribution_model(self, *, scratch: bool = False) -> AttributionModel:
        """Scores and gradients, from the cache, with this network's black value as the
        baseline; ``scratch`` gives the separate instance trust checks may randomise."""
        from worker.runtime import model_cache

        return model_cache.get_attribution_model(
            str(self.model_path), self.weights_sha256, self.black_value, scratch=scratch
        )

    def feature_vis_model(self) -> FeatureVisModel:
        """Feature visualisation of this network (its preprocessing inside the graph)."""
        from worker.runtime import model_cache

        return model_cache.get_feature_vis_model(
            str(self.model_path), self.weights_sha256, self.input_spec
        )
