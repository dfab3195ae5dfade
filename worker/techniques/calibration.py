"""Confidence that means something: temperature scaling (Guo et al., ICML 2017) and the
reliability of a network's stated confidence. Django-free, NumPy only.

One scalar T divides the logits; it is fitted by minimising the negative log-likelihood of the
true classes on held-out images. The reliability diagram bins the images by their stated
confidence (the top probability) and compares each bin's confidence with its accuracy; the
expected calibration error (ECE) is their gap, weighted by the bins' sizes.
"""

from __future__ import annotations

import numpy as np

BINS = 10
# T is searched on a log scale in this range (a network 100× over- or under-confident is
# already far outside what temperature scaling is for).
T_RANGE = (0.01, 100.0)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, np.float64) / float(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Mean negative log-likelihood of the true classes at temperature T."""
    z = np.asarray(logits, np.float64) / float(temperature)
    top = z.max(axis=1, keepdims=True)
    log_sum = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
    return float(np.mean(log_sum - z[np.arange(len(z)), labels]))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The T > 0 that minimises the NLL (golden-section search on log T: the NLL is convex in
    1/T, so it has one minimum)."""
    labels = np.asarray(labels, np.int64)
    if len(labels) == 0:
        raise ValueError("no labelled images to fit the temperature on")
    lo, hi = np.log(T_RANGE[0]), np.log(T_RANGE[1])
    ratio = (np.sqrt(5) - 1) / 2
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    fa, fb = nll(logits, labels, np.exp(a)), nll(logits, labels, np.exp(b))
    for _ in range(80):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - ratio * (hi - lo)
            fa = nll(logits, labels, np.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + ratio * (hi - lo)
            fb = nll(logits, labels, np.exp(b))
    return float(np.exp((lo + hi) / 2))


def reliability(probabilities: np.ndarray, labels: np.ndarray, bins: int = BINS) -> dict:
    """Bins of stated confidence: [{low, high, count, confidence, accuracy}] and the ECE."""
    p = np.asarray(probabilities, np.float64)
    labels = np.asarray(labels, np.int64)
    confidence = p.max(axis=1)
    correct = p.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    rows, ece = [], 0.0
    for i in range(bins):
        inside = (confidence > edges[i]) & (confidence <= edges[i + 1])
        if i == 0:
            inside |= confidence == 0
        count = int(inside.sum())
        row = {"low": float(edges[i]), "high": float(edges[i + 1]), "count": count}
        if count:
            row["confidence"] = float(confidence[inside].mean())
            row["accuracy"] = float(correct[inside].mean())
            ece += count / len(p) * abs(row["accuracy"] - row["confidence"])
        rows.append(row)
    return {"bins": rows, "ece": float(ece), "accuracy": float(correct.mean()) if len(p) else 0.0}
