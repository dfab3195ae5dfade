"""Is an image unlike what the network learned from? Out-of-distribution scores from the network's
own features. Django-free.

- Mahalanobis (Lee et al., NeurIPS 2018): class-conditional Gaussians with one shared
  covariance, fitted on features of training images; an image's score is its squared distance to
  the nearest class mean. As in the paper's feature ensemble, the features come from several
  layers (each channel's mean and spread over the map, at up to ``MAX_LAYERS`` layers from the
  input to the head), each layer's score is standardised on held-out images, and the scores are
  added: on tiny-vgg the penultimate layer alone told a CT scan from clothing with AUROC 0.93
  and flagged half of the scans; the ensemble, 0.99 and all of them (bench/ood_bench.py). The
  threshold is set on held-out (test) images so that a chosen share of them (95%) pass.
- Energy (Liu et al., NeurIPS 2020): −logsumexp of the logits, for networks without training
  images to fit the Gaussians on.

Higher scores mean "more unusual" for both.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# The share of held-out in-distribution images that must pass (not be flagged).
PASS_RATE = 0.95
# Layers of the ensemble (evenly spaced among the spatial ones, the last always in) and the
# feature size per layer (channel means and spreads; wider layers are averaged in groups).
MAX_LAYERS = 8
MAX_DIMS = 512
# Shrinkage of the shared covariance towards its mean variance: keeps it invertible when the
# features have more dimensions than there are training images (a real-size network fitted on a
# few hundred images) and steadies the rarely used directions.
SHRINKAGE = 0.05


@dataclass(frozen=True)
class MahalanobisStats:
    means: np.ndarray  # K x D float64: each class's mean feature
    precision: np.ndarray  # D x D float64: inverse of the shared (shrunk) covariance
    classes: np.ndarray  # K int64: the class each row of ``means`` is (classes seen in training)


def feature_layers(layers: list[dict]) -> list[str]:
    """The layers the ensemble reads: up to MAX_LAYERS spatial layers, evenly spaced, the last
    spatial one always among them."""
    from worker.techniques.attribution.layers import spatial_layers

    names = spatial_layers(layers)
    if len(names) <= MAX_LAYERS:
        return names
    picks = np.linspace(0, len(names) - 1, MAX_LAYERS).round().astype(int)
    return [names[i] for i in sorted(set(picks.tolist()))]


def summarise(maps: np.ndarray) -> np.ndarray:
    """N x H x W x C activations → N x D features: each channel's mean and standard deviation
    over the map, averaged in groups down to MAX_DIMS values."""
    a = np.asarray(maps, np.float64)
    flat = a.reshape(len(a), -1, a.shape[-1])
    features = np.concatenate([flat.mean(axis=1), flat.std(axis=1)], axis=1)
    return shrink_dims(features)


def shrink_dims(features: np.ndarray, size: int = MAX_DIMS) -> np.ndarray:
    """Average neighbouring columns in groups so that at most ``size`` remain."""
    n, d = features.shape
    if d <= size:
        return features
    groups = np.array_split(np.arange(d), size)
    return np.stack([features[:, g].mean(axis=1) for g in groups], axis=1)


@dataclass(frozen=True)
class EnsembleStats:
    """One MahalanobisStats per layer, and each layer's held-out score centre and scale."""

    layers: list[str]
    per_layer: list[MahalanobisStats]
    centre: np.ndarray  # L
    scale: np.ndarray  # L

    def to_bytes(self) -> bytes:
        """An .npz of the statistics (plain arrays, loaded without pickle)."""
        arrays = {"layers": np.array(self.layers), "centre": self.centre, "scale": self.scale}
        for i, stats in enumerate(self.per_layer):
            arrays[f"means_{i}"] = stats.means
            arrays[f"precision_{i}"] = stats.precision
            arrays[f"classes_{i}"] = stats.classes
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def load(cls, path: Path) -> EnsembleStats:
        with np.load(path, allow_pickle=False) as data:
            layers = [str(name) for name in data["layers"]]
            per_layer = [
                MahalanobisStats(data[f"means_{i}"], data[f"precision_{i}"], data[f"classes_{i}"])
                for i in range(len(layers))
            ]
            return cls(layers, per_layer, data["centre"], data["scale"])

    def scores(self, features: list[np.ndarray]) -> np.ndarray:
        """The ensemble's score of each image from its per-layer features (same layer order)."""
        total = 0.0
        for stats, f, c, s in zip(self.per_layer, features, self.centre, self.scale, strict=True):
            total = total + (mahalanobis_scores(stats, f) - c) / s
        return np.asarray(total, np.float64)


def fit_ensemble(
    layers: list[str],
    train: list[np.ndarray],
    labels: np.ndarray,
    held_out: list[np.ndarray],
) -> tuple[EnsembleStats, np.ndarray]:
    """Fit each layer's Gaussians on ``train`` features, standardise its scores on ``held_out``
    features; returns the statistics and the held-out images' ensemble scores."""
    per_layer = [fit_mahalanobis(f, labels) for f in train]
    raw = [mahalanobis_scores(stats, f) for stats, f in zip(per_layer, held_out, strict=True)]
    centre = np.array([r.mean() for r in raw])
    scale = np.array([r.std() or 1.0 for r in raw])
    stats = EnsembleStats(list(layers), per_layer, centre, scale)
    return stats, stats.scores(held_out)


def penultimate_layer(layers: list[dict]) -> str | None:
    """The layer whose output the last Dense layer reads (its features), or None."""
    dense = [layer for layer in layers if layer.get("type") == "Dense"]
    if not dense or not dense[-1].get("inbound"):
        return None
    return dense[-1]["inbound"][0]


def fit_mahalanobis(
    features: np.ndarray, labels: np.ndarray, shrinkage: float = SHRINKAGE
) -> MahalanobisStats:
    """Class means and the inverse of the shared covariance of ``features`` (N x D)."""
    x = np.asarray(features, np.float64).reshape(len(features), -1)
    labels = np.asarray(labels, np.int64)
    classes = np.unique(labels)
    if len(classes) == 0:
        raise ValueError("no training images to fit on")
    means = np.stack([x[labels == c].mean(axis=0) for c in classes])
    centred = x - means[np.searchsorted(classes, labels)]
    covariance = centred.T @ centred / max(len(x), 1)
    scale = float(np.trace(covariance)) / covariance.shape[0] or 1.0
    covariance = (1 - shrinkage) * covariance + shrinkage * scale * np.eye(covariance.shape[0])
    return MahalanobisStats(means, np.linalg.inv(covariance), classes)


def mahalanobis_scores(stats: MahalanobisStats, features: np.ndarray) -> np.ndarray:
    """Each image's squared Mahalanobis distance to its nearest class mean (N float64)."""
    x = np.asarray(features, np.float64).reshape(len(features), -1)
    # (x − μ)ᵀ P (x − μ) = xᵀPx − 2 xᵀPμ + μᵀPμ, for every class at once
    px = x @ stats.precision
    xpx = np.einsum("nd,nd->n", px, x)
    mpm = np.einsum("kd,de,ke->k", stats.means, stats.precision, stats.means)
    distances = xpx[:, None] - 2 * px @ stats.means.T + mpm[None, :]
    return np.maximum(distances.min(axis=1), 0.0)


def energy_scores(logits: np.ndarray) -> np.ndarray:
    """−logsumexp of each row of logits (N float64): higher is less like the training data."""
    z = np.asarray(logits, np.float64)
    top = z.max(axis=1, keepdims=True)
    return -(top[:, 0] + np.log(np.exp(z - top).sum(axis=1)))


def threshold_for(scores: np.ndarray, pass_rate: float = PASS_RATE) -> float:
    """The score that at least ``pass_rate`` of new in-distribution images stay under: the
    conformal quantile of these held-out scores (the ⌈(n + 1)·rate⌉-th smallest), which a plain
    95th percentile of 2,000 images undershoots (5.2% false alarms on the 8,000 others)."""
    scores = np.sort(np.asarray(scores, np.float64))
    if scores.size == 0:
        raise ValueError("no held-out images to set the threshold on")
    rank = min(len(scores), int(np.ceil((len(scores) + 1) * pass_rate)))
    return float(scores[rank - 1])


def auroc(inside: np.ndarray, outside: np.ndarray) -> float:
    """Area under the ROC curve of telling ``outside`` from ``inside`` by a higher score (the
    probability that an outside image scores above an inside one; ties count half)."""
    inside = np.asarray(inside, np.float64)
    outside = np.asarray(outside, np.float64)
    both = np.concatenate([inside, outside])
    order = both.argsort(kind="stable")
    ranks = np.empty(len(both))
    ranks[order] = np.arange(1, len(both) + 1)
    # average ranks over ties
    values, inverse, counts = np.unique(both, return_inverse=True, return_counts=True)
    sums = np.bincount(inverse, weights=ranks)
    ranks = (sums / counts)[inverse]
    outside_ranks = ranks[len(inside) :].sum()
    n_out, n_in = len(outside), len(inside)
    return float((outside_ranks - n_out * (n_out + 1) / 2) / (n_out * n_in))


def layer_summaries(model, layers: list[str], x) -> list[np.ndarray]:
    """Per layer, every image's :func:`summarise` features, computed in the graph (only the
    channel means and spreads leave it), in batches of bounded memory. ``model`` is an
    AttributionModel; ``x`` preprocessed float32 N x h x w x c or PreparedImages."""
    import tensorflow as tf

    from worker.inputs.preprocessing import as_float_batch

    def mean_and_spread(a):
        shape = tf.shape(a)
        flat = tf.reshape(a, (shape[0], shape[1] * shape[2], shape[3]))
        return tf.reduce_mean(flat, axis=1), tf.math.reduce_std(flat, axis=1)

    x = as_float_batch(x)
    # one forward pass feeds every layer; the batch is bounded by the largest layer's maps
    batch = model.bounded_batch(1000)
    fn = model.layer_output_function(tuple(layers), "mean-std", mean_and_spread)
    parts: list[list[np.ndarray]] = [[] for _ in layers]
    for start in range(0, len(x), batch):
        results = fn(tf.convert_to_tensor(x[start : start + batch]))
        for i in range(len(layers)):
            mean, spread = results[2 * i], results[2 * i + 1]
            parts[i].append(np.concatenate([mean.numpy(), spread.numpy()], axis=1))
    return [shrink_dims(np.concatenate(p).astype(np.float64)) for p in parts]


# Border brightness (0 dark … 1 light) beyond which a picture's background counts as light or
# dark; between them it is neither and no hint is given.
DARK_BORDER, LIGHT_BORDER = 0.3, 0.7


def border_brightness(images: np.ndarray, width: int = 2) -> np.ndarray:
    """Each uint8 image's mean brightness (0..1) over a frame ``width`` pixels wide: what its
    background is, for pictures of one object on a plain ground."""
    a = np.asarray(images, np.float64)
    if a.ndim == 3:
        a = a[..., None]
    grey = a.mean(axis=-1) / 255.0
    frame = np.ones(grey.shape[1:], bool)
    frame[width:-width, width:-width] = False
    return grey[:, frame].mean(axis=1)


def polarity(image_border: float, training_border: float) -> dict:
    """Is the picture's background the opposite of the training pictures' (light on a dark-
    background dataset, or dark on a light one)?"""

    def kind(value: float) -> str | None:
        return "dark" if value < DARK_BORDER else "light" if value > LIGHT_BORDER else None

    mine, theirs = kind(image_border), kind(training_border)
    return {
        "image_border": float(image_border),
        "training_border": float(training_border),
        "image_background": mine,
        "training_background": theirs,
        "opposite": bool(mine and theirs and mine != theirs),
    }
