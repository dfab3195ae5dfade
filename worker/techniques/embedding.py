"""2-D maps of a dataset in a layer's feature space: t-SNE, UMAP and PCA.

Features are a layer's outputs, flattened, from one traced function per (network, layer).
The maps:

* t-SNE (van der Maaten & Hinton, 2008, "Visualizing Data using t-SNE", JMLR 9) with
  openTSNE (Poličar, Stražar & Zupan, 2024, "openTSNE: a modular Python library for t-SNE
  dimensionality reduction and embedding", JSS 109): FFT-accelerated interpolation of the
  repulsive forces (Linderman et al., 2019, "Fast interpolation-based t-SNE for improved
  visualization of single-cell RNA-seq data", Nature Methods 16) and approximate nearest
  neighbours (Annoy), after reducing the features to 50 dimensions with PCA as is usual
  (Kobak & Berens, 2019, "The art of using t-SNE for single-cell transcriptomics").
* UMAP (McInnes, Healy & Melville, 2018, "UMAP: Uniform Manifold Approximation and
  Projection for Dimension Reduction", arXiv:1802.03426) with umap-learn, on the same
  50 PCA dimensions and (up to 15,000 points) exact nearest neighbours.
* PCA (Pearson, 1901; Hotelling, 1933) with scikit-learn.

``knn_accuracy`` scores how well a map keeps the classes apart (leave-one-out k-nearest
neighbour classification in 2-D, as in the openTSNE and UMAP papers' evaluations).
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from worker.inputs.preprocessing import as_float_batch
from worker.techniques.progress import Progress, count, tell, ticking

if TYPE_CHECKING:
    from worker.techniques.attribution.model import AttributionModel

METHOD_NAMES = {"tsne": "t-SNE", "umap": "UMAP", "pca": "PCA"}

METHODS = ("tsne", "umap", "pca")
# PCA dimensions the features are cut to before t-SNE's neighbour search.
TSNE_PCA_DIMS = 50
# Exact nearest neighbours (one BLAS distance pass) beat Annoy's index build up to here:
# 0.5 s against 2.8 s at 10,000 x 50 on 2 cores; beyond, Annoy's near-linear cost wins.
EXACT_NEIGHBOURS_UP_TO = 15_000

# Parameter rules: name -> (type, default, minimum, maximum).
_PARAM_RULES: dict[str, dict[str, tuple[type, Any, float, float]]] = {
    "tsne": {
        "perplexity": (float, 30.0, 5.0, 100.0),
        # Optimisation iterations after the early-exaggeration phase.
        "iterations": (int, 500, 100, 2000),
        "early_exaggeration_iterations": (int, 250, 50, 1000),
    },
    "umap": {
        "n_neighbors": (int, 15, 2, 200),
        "min_dist": (float, 0.1, 0.0, 1.0),
        # Layout epochs (umap-learn: 500 up to 10,000 points, else 200); 200 is 4x faster
        # at 10,000 points with the same kNN accuracy (0.912 against 0.915).
        "epochs": (int, 200, 10, 1000),
    },
    "pca": {},
}


# --------------------------------------------------------------------- layer features
def _batches(n: int, batch: int):
    for start in range(0, n, batch):
        yield start, min(start + batch, n)


def layer_features(
    model: AttributionModel,
    layer: str,
    x: np.ndarray,
    *,
    batch: int = 1000,
    progress: Progress | None = None,
) -> np.ndarray:
    """A layer's output for every image, flattened: float32 N x D.

    ``model`` is an :class:`~worker.techniques.attribution.model.AttributionModel` (its traced
    functions are reused and cached with it); ``x`` is preprocessed float32 N x h x w x c (or
    PreparedImages, preprocessed a batch at a time).
    """
    import tensorflow as tf

    def flatten(a):
        return (tf.reshape(a, (tf.shape(a)[0], -1)),)

    fn = model.layer_output_function(layer, "features", flatten)
    x = as_float_batch(x)
    if x.ndim != 4 or tuple(x.shape[1:]) != model.input_shape:
        raise ValueError(f"expected a batch (N, {model.input_shape}), got {x.shape}")
    parts = []
    n = len(x)
    for start, stop in _batches(n, model.bounded_batch(batch)):
        parts.append(fn(tf.convert_to_tensor(x[start:stop]))[0].numpy())
        tell(
            progress,
            stop / n,
            f"Computing the features of {count(n)} images: {count(stop)} done",
            stage="features",
            done=stop,
            total=n,
        )
    if not parts:
        return np.zeros((0, 0), np.float32)
    return np.concatenate(parts).astype(np.float32, copy=False)


def default_embedding_layer(described_layers: list[dict]) -> str:
    """The layer feeding the output layer, skipping Dropout (the penultimate representation).

    ``described_layers`` is :func:`worker.runtime.introspection.describe_layers`'s output;
    the output layer is the last one. A trailing Softmax/Activation layer is skipped too, so
    the chosen layer feeds the final Dense (or equivalent) layer.
    """
    by_name = {info["name"]: info for info in described_layers}
    if not described_layers:
        raise ValueError("the network has no layers")
    current = described_layers[-1]
    # Step over a separate softmax layer to the layer that computes the scores.
    while current["type"] in ("Softmax", "Activation") and current.get("inbound"):
        parent = by_name.get(current["inbound"][0])
        if parent is None:
            break
        current = parent
    inbound = current.get("inbound") or []
    candidate = by_name.get(inbound[0]) if inbound else None
    while candidate is not None and candidate["type"] in ("Dropout", "SpatialDropout2D"):
        inbound = candidate.get("inbound") or []
        candidate = by_name.get(inbound[0]) if inbound else None
    if candidate is None:
        raise ValueError("the output layer reads the input directly; no hidden layer to embed")
    return candidate["name"]


# --------------------------------------------------------------------- parameters
def normalise_embed_params(method: str, params: dict | None) -> dict[str, Any]:
    """Fill defaults and validate a method's parameters; ``ValueError`` on bad input."""
    if method not in _PARAM_RULES:
        raise ValueError(f"unknown embedding method {method!r}; choose one of {METHODS}")
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise ValueError("parameters must be an object")
    rules = _PARAM_RULES[method]
    unknown = sorted(set(params) - set(rules))
    if unknown:
        raise ValueError(f"unknown {method} parameters: {unknown}")
    out: dict[str, Any] = {}
    for name, (kind, default, low, high) in rules.items():
        value = params.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number, got {value!r}")
        if kind is int:
            if float(value) != int(value):
                raise ValueError(f"{name} must be a whole number, got {value!r}")
            value = int(value)
        else:
            value = float(value)
        if not np.isfinite(value) or not low <= value <= high:
            raise ValueError(f"{name} must lie in {low:g}..{high:g}, got {value!r}")
        out[name] = value
    return out


# --------------------------------------------------------------------- maps
def _pca(features: np.ndarray, dims: int, seed: int) -> np.ndarray:
    from sklearn.decomposition import PCA

    dims = min(dims, features.shape[0], features.shape[1])
    if features.shape[1] <= dims:
        return features.astype(np.float32)
    solver = "randomized" if min(features.shape) > 4 * dims else "full"
    return (
        PCA(n_components=dims, svd_solver=solver, random_state=seed)
        .fit_transform(features)
        .astype(np.float32)
    )


def _tsne(features: np.ndarray, params: dict, seed: int, progress: Progress | None) -> np.ndarray:
    import openTSNE

    n = len(features)
    tell(
        progress,
        0.0,
        f"t-SNE: reducing the features of {count(n)} images to 50 dimensions (PCA)",
        stage="t-SNE",
    )
    reduced = _pca(features, TSNE_PCA_DIMS, seed)
    every = 25
    ee_iter = params["early_exaggeration_iterations"]
    total = ee_iter + params["iterations"]
    total_calls = max(1, total // every)
    calls = [0]
    # openTSNE calls back only once it optimises; its neighbour search and affinities before
    # that (most of the first half minute at 10,000 points) report from a ticker instead
    ticker = ticking(
        progress,
        0.05,
        0.15,
        f"t-SNE: finding each point's nearest neighbours among {count(n)}",
        stage="t-SNE: neighbours",
        expected_s=max(2.0, n / 400),
    )

    def callback(iteration: int, error: float, embedding: Any) -> bool:
        ticker.stop()
        calls[0] += 1
        done = min(calls[0] * every, total)
        tell(
            progress,
            0.15 + 0.85 * min(calls[0] / total_calls, 1.0),
            f"t-SNE: iteration {count(done)} of {count(total)} (KL divergence {error:.3f})",
            stage="t-SNE",
            done=done,
            total=total,
        )
        return False

    # The perplexity needs 3 * perplexity neighbours; small sets get a smaller one.
    perplexity = min(params["perplexity"], max(1.0, (n - 1) / 3.0))
    tsne = openTSNE.TSNE(
        n_components=2,
        perplexity=perplexity,
        early_exaggeration_iter=ee_iter,
        n_iter=params["iterations"],
        initialization="pca",
        neighbors="exact" if n <= EXACT_NEIGHBOURS_UP_TO else "annoy",
        negative_gradient_method="fft",
        # Two map units per interpolation interval (openTSNE: one) keeps the FFT grid
        # small once the map has expanded: 5x faster at 10,000 points, same kNN accuracy;
        # a floor of 10 intervals (openTSNE: 50) does the same for small maps (2,000
        # points: 7.6 -> 2.6 s, same trustworthiness).
        ints_in_interval=2,
        min_num_intervals=10,
        n_jobs=2,
        random_state=seed,
        callbacks=callback,
        callbacks_every_iters=every,
        verbose=False,
    )
    with warnings.catch_warnings(), ticker:
        warnings.simplefilter("ignore")
        embedding = tsne.fit(reduced)
    return np.asarray(embedding, dtype=np.float32)


def _umap(features: np.ndarray, params: dict, seed: int, progress: Progress | None) -> np.ndarray:
    n = len(features)
    n_neighbors = min(params["n_neighbors"], n - 1)
    tell(
        progress,
        0.0,
        f"UMAP: reducing the features of {count(n)} images to 50 dimensions (PCA)",
        stage="UMAP",
    )
    reduced = _pca(features, TSNE_PCA_DIMS, seed)
    # UMAP has no callback: its neighbour graph reports from a ticker, its layout epochs from
    # the progress bar it writes (tqdm), read as it is written
    ticker = ticking(
        progress,
        0.05,
        0.3,
        f"UMAP: building the neighbour graph of {count(n)} points",
        stage="UMAP: neighbour graph",
        expected_s=max(2.0, n / 800),
    )

    def on_epoch(done: int, total: int) -> None:
        ticker.stop()
        tell(
            progress,
            0.3 + 0.7 * done / max(total, 1),
            f"UMAP: laying out the map, epoch {count(done)} of {count(total)}",
            stage="UMAP: layout",
            done=done,
            total=total,
        )

    with ticker:
        precomputed = None
        if n <= EXACT_NEIGHBOURS_UP_TO:
            # Exact neighbours with one BLAS pass instead of pynndescent's NN-descent, whose
            # numba JIT compilation made the first call in a process take 47 s (10,000 points)
            # against 12 s now; UMAP accepts them as ``precomputed_knn``.
            from sklearn.neighbors import NearestNeighbors

            search = NearestNeighbors(n_neighbors=n_neighbors, algorithm="brute", n_jobs=2)
            distances, indices = search.fit(reduced).kneighbors(reduced)
            precomputed = (indices, distances.astype(np.float32), None)
        with warnings.catch_warnings():
            # "n_jobs overridden to 1 by setting random_state": reproducibility wins.
            warnings.simplefilter("ignore")
            import umap

            reducer = umap.UMAP(
                n_components=2,
                n_neighbors=n_neighbors,
                min_dist=params["min_dist"],
                n_epochs=params["epochs"],
                random_state=seed,
                precomputed_knn=precomputed if precomputed is not None else (None, None, None),
                tqdm_kwds=_epoch_bar(on_epoch) if progress is not None else None,
            )
            return np.asarray(reducer.fit_transform(reduced), dtype=np.float32)


class _EpochStream:
    """What UMAP's tqdm bar writes ("…| 20/200 […]"), turned into (done, total) calls."""

    _PAIR = re.compile(r"(\d+)/(\d+)")

    def __init__(self, on_epoch: Callable[[int, int], None]) -> None:
        self.on_epoch = on_epoch

    def write(self, text: str) -> int:
        pairs = self._PAIR.findall(text)
        if pairs:
            done, total = (int(v) for v in pairs[-1])
            if total:
                self.on_epoch(done, total)
        return len(text)

    def flush(self) -> None:
        pass


def _epoch_bar(on_epoch: Callable[[int, int], None]) -> dict:
    """tqdm settings for UMAP's layout loop: on, written to ``on_epoch``, at most twice a second."""
    return {"disable": False, "file": _EpochStream(on_epoch), "mininterval": 0.5, "ascii": True}


def embed(
    features: np.ndarray,
    method: str,
    *,
    params: dict | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> np.ndarray:
    """A 2-D map (float32 N x 2) of the rows of ``features`` (N x D) with ``method``.

    ``method`` is ``"tsne"``, ``"umap"`` or ``"pca"``; ``params`` as accepted by
    :func:`normalise_embed_params`. ``seed`` fixes the randomness (same input, same map).
    """
    params = normalise_embed_params(method, params)
    features = np.asarray(features, dtype=np.float32)
    if features.ndim != 2:
        raise ValueError(f"features must be N x D, got shape {features.shape}")
    if not np.all(np.isfinite(features)):
        raise ValueError("features contain NaN or infinite values")
    n = len(features)
    if n < 3:
        raise ValueError("a map needs at least 3 points")
    started = time.perf_counter()
    if method == "pca":
        coords = _pca(features, 2, seed)
        if coords.shape[1] < 2:  # a single feature: put the points on a line
            coords = np.pad(coords, ((0, 0), (0, 2 - coords.shape[1])))
    elif method == "tsne":
        coords = _tsne(features, params, seed, progress)
    else:
        coords = _umap(features, params, seed, progress)
    tell(
        progress,
        1.0,
        f"{METHOD_NAMES.get(method, method)}: map of {count(n)} points made in "
        f"{time.perf_counter() - started:.1f} s",
        stage=METHOD_NAMES.get(method, method),
    )
    return np.ascontiguousarray(coords, dtype=np.float32)


def knn_accuracy(coords: np.ndarray, labels: np.ndarray, k: int = 10) -> float:
    """Leave-one-out k-nearest-neighbour accuracy of ``labels`` in the map ``coords``.

    Each point is given the majority label of its ``k`` nearest other points (ties to the
    smallest label); the result is the fraction that get their own label.
    """
    from sklearn.neighbors import NearestNeighbors

    labels = np.asarray(labels, dtype=np.int64)
    coords = np.asarray(coords, dtype=np.float64)
    k = min(int(k), len(coords) - 1)
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(coords).kneighbors(coords)
    # Drop the point itself (the first neighbour, except for exact duplicates).
    own = idx == np.arange(len(coords))[:, None]
    keep = np.where(own.any(axis=1)[:, None], ~own, np.arange(k + 1)[None, :] < k)
    neighbours = idx[keep].reshape(len(coords), k)
    votes = labels[neighbours]
    classes = int(labels.max()) + 1
    counts = np.zeros((len(coords), classes), np.int64)
    np.add.at(counts, (np.repeat(np.arange(len(coords)), k), votes.ravel()), 1)
    return float(np.mean(np.argmax(counts, axis=1) == labels))
