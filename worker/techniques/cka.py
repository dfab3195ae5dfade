"""Layer similarity by linear centred kernel alignment (CKA; Kornblith et al., ICML 2019).

For two layers' features X (n × p) and Y (n × q) of the same n images, the paper's linear CKA is

    CKA(X, Y) = ‖Yᵀ X‖²_F / (‖Xᵀ X‖_F ‖Yᵀ Y‖_F)        with X, Y centred per column,

which equals HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L)) for the Gram matrices K = XXᵀ, L = YYᵀ.
``linear_cka`` computes it for features that fit in memory (the reference the tests check).

A heatmap of every layer of one network against every layer of another on 1,000 images cannot
hold every layer's features at once (a 28×28×32 layer is 100 MB for 1,000 images, a real network
has hundreds of layers), so ``MinibatchCKA`` follows Nguyen, Raghu & Kornblith (ICLR 2021): the
unbiased HSIC estimator (Song et al., 2012) is averaged over minibatches and the ratio taken at
the end. Only one minibatch's b × b Gram matrices are held (b = 250 by default), whatever N is.
The estimator is unbiased, so it converges to the full CKA as minibatches grow, and it keeps the
invariances that make CKA meaningful: a layer against itself is exactly 1, and an orthogonal
transform of a layer's features (a rotation of its channels) leaves its Gram matrix, hence every
value, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def _flat(features: np.ndarray) -> np.ndarray:
    """n × (anything) → n × p in float64 (a conv layer's H×W×C flattened per image)."""
    x = np.asarray(features)
    return x.reshape(len(x), -1).astype(np.float64)


def linear_cka(x: np.ndarray, y: np.ndarray) -> float:
    """The paper's linear CKA of two feature matrices of the same images (feature form)."""
    x = _flat(x)
    y = _flat(y)
    x = x - x.mean(axis=0, keepdims=True)
    y = y - y.mean(axis=0, keepdims=True)
    cross = np.linalg.norm(y.T @ x) ** 2
    denom = np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y)
    return float(cross / denom) if denom > 0 else 0.0


def gram(features: np.ndarray) -> np.ndarray:
    """The linear kernel K = XXᵀ of one minibatch (float64, b × b)."""
    x = _flat(features)
    return x @ x.T


def unbiased_hsic(k: np.ndarray, l: np.ndarray) -> float:  # noqa: E741 (the paper's name)
    """Song et al.'s unbiased HSIC estimator of two b × b Gram matrices (b ≥ 4)."""
    if k.shape[0] < 4:
        raise ValueError("the unbiased HSIC estimator needs at least 4 images per minibatch")
    return _hsic(_parts(k), _parts(l))


class MinibatchCKA:
    """Accumulates CKA between every layer of A and every layer of B, a minibatch at a time."""

    def __init__(self, layers_a: int, layers_b: int) -> None:
        self.cross = np.zeros((layers_a, layers_b))
        self.self_a = np.zeros(layers_a)
        self.self_b = np.zeros(layers_b)
        self.batches = 0

    def update(self, features_a: Sequence[np.ndarray], features_b: Sequence[np.ndarray]) -> None:
        """One minibatch: each layer's features of the same images, for A and for B."""
        grams_a = [gram(f) for f in features_a]
        grams_b = [gram(f) for f in features_b]
        self.update_grams(grams_a, grams_b)

    def update_grams(self, grams_a: Sequence[np.ndarray], grams_b: Sequence[np.ndarray]) -> None:
        # Every HSIC term needs K̃ (zero diagonal), its column sums and its total; computing
        # them once per layer makes each of the |A|·|B| pairs an elementwise product.
        parts_a = [_parts(k) for k in grams_a]
        parts_b = [_parts(k) for k in grams_b]
        for i, a in enumerate(parts_a):
            self.self_a[i] += _hsic(a, a)
            for j, b in enumerate(parts_b):
                self.cross[i, j] += _hsic(a, b)
        for j, b in enumerate(parts_b):
            self.self_b[j] += _hsic(b, b)
        self.batches += 1

    def result(self) -> np.ndarray:
        """CKA per (layer of A, layer of B); 0 where a layer is constant on the images."""
        denom = np.sqrt(np.clip(np.outer(self.self_a, self.self_b), 0.0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.where(denom > 0, self.cross / denom, 0.0)
        return values


def _parts(k: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, int]:
    k = k.copy()
    np.fill_diagonal(k, 0.0)
    sums = k.sum(axis=0)
    return k, sums, float(sums.sum()), k.shape[0]


def _hsic(a: tuple, b: tuple) -> float:
    k, sums_k, total_k, n = a
    l, sums_l, total_l, _ = b  # noqa: E741
    trace = float(np.sum(k * l))
    middle = total_k * total_l / ((n - 1) * (n - 2))
    last = 2.0 * float(sums_k @ sums_l) / (n - 2)
    return (trace + middle - last) / (n * (n - 3))


def minibatch_cka(
    batches: Callable[[], object],
    layers_a: int,
    layers_b: int,
    progress: Callable[[float], None] | None = None,
    total: int = 0,
) -> np.ndarray:
    """CKA of every layer pair over the minibatches ``batches()`` yields as (features_a,
    features_b); ``total`` minibatches (if known) drive ``progress``."""
    acc = MinibatchCKA(layers_a, layers_b)
    for features_a, features_b in batches():
        acc.update(features_a, features_b)
        if progress is not None and total:
            progress(min(acc.batches / total, 1.0))
    if acc.batches == 0:
        raise ValueError("There were no images to compare the layers on.")
    return acc.result()


def batch_bounds(count: int, batch: int) -> list[tuple[int, int]]:
    """Minibatch [start, stop) ranges over ``count`` images; a last one of fewer than 4 images
    (too few for the unbiased estimator) joins the one before it."""
    bounds = [(s, min(s + batch, count)) for s in range(0, count, batch)]
    if len(bounds) > 1 and bounds[-1][1] - bounds[-1][0] < 4:
        last = bounds.pop()
        bounds[-1] = (bounds[-1][0], last[1])
    return bounds
