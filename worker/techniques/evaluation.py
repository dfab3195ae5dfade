"""Whole-dataset evaluation of a classifier: predictions, confusion matrix and per-class scores.

The confusion matrix follows scikit-learn's ``confusion_matrix`` convention (rows are true
classes, columns predicted classes); precision and recall are the usual per-class ratios
(Powers, 2011, "Evaluation: From Precision, Recall and F-Measure to ROC, Informedness,
Markedness & Correlation"), with 0 where the denominator is 0 as scikit-learn's
``zero_division=0``. Probabilities come from ``AttributionModel.probabilities``: one traced
function per network, batched in chunks and cut into parallel lanes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import prepare_batch
from worker.techniques.progress import count, tell

if TYPE_CHECKING:
    from worker.techniques.attribution.model import AttributionModel

Progress = Callable[[float, str], None]


@dataclass
class EvaluationOutput:
    """Predictions over a labelled set and the scores derived from them."""

    probabilities: np.ndarray  # N x K float32
    predictions: np.ndarray  # N int32
    labels: np.ndarray  # N int32; -1: the image's class is none of the network's
    confusion: np.ndarray  # K x K int64, rows true, columns predicted
    accuracy: float
    precision: np.ndarray  # K float64
    recall: np.ndarray  # K float64
    support: np.ndarray  # K int64 (true examples per class)

    def summary(self, label_names: Sequence[str] | None = None) -> dict[str, Any]:
        """JSON-ready summary: accuracy, class names, confusion matrix and per-class scores."""
        k = len(self.support)
        names = list(label_names) if label_names is not None else [str(i) for i in range(k)]
        if len(names) != k:
            raise ValueError(f"expected {k} label names, got {len(names)}")
        return {
            "accuracy": float(self.accuracy),
            "labels": names,
            "confusion": self.confusion.astype(int).tolist(),
            "precision": [float(v) for v in self.precision],
            "recall": [float(v) for v in self.recall],
            "support": [int(v) for v in self.support],
            "count": int((self.labels >= 0).sum()),
            # images whose class the network does not know (a photo set's "no class"): run,
            # but left out of every score
            "unlabelled": int((self.labels < 0).sum()),
        }


def scores(
    labels: np.ndarray, predictions: np.ndarray, num_classes: int
) -> tuple[np.ndarray, float, np.ndarray, np.ndarray, np.ndarray]:
    """Confusion matrix (rows true, columns predicted), accuracy, precision, recall, support."""
    labels = np.asarray(labels, dtype=np.int64)
    predictions = np.asarray(predictions, dtype=np.int64)
    if labels.shape != predictions.shape or labels.ndim != 1:
        raise ValueError("labels and predictions must be 1-D arrays of the same length")
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}")
    confusion = np.bincount(
        labels * num_classes + predictions, minlength=num_classes * num_classes
    ).reshape(num_classes, num_classes)
    confusion = confusion.astype(np.int64)
    correct = np.diag(confusion).astype(np.float64)
    predicted = confusion.sum(axis=0)
    support = confusion.sum(axis=1)
    precision = np.divide(correct, predicted, out=np.zeros(num_classes), where=predicted > 0)
    recall = np.divide(correct, support, out=np.zeros(num_classes), where=support > 0)
    accuracy = float(correct.sum() / len(labels)) if len(labels) else 0.0
    return confusion, accuracy, precision, recall, support.astype(np.int64)


def evaluate(
    model: AttributionModel,
    images: np.ndarray,
    labels: np.ndarray,
    spec: InputSpec,
    *,
    batch: int = 1000,
    progress: Progress | None = None,
) -> EvaluationOutput:
    """Classify every image and score the predictions against ``labels``.

    ``images`` are uint8 N x H x W x C (preprocessed here, ``batch`` at a time, so the
    float copy of a large set never exists whole); ``progress(fraction, message)`` is
    called after each batch.
    """
    labels = np.asarray(labels).astype(np.int32)
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    if batch < 1:
        raise ValueError("batch must be at least 1")
    n = len(images)
    k = model.num_classes
    batch = model.bounded_batch(batch)  # bounded memory on large networks
    probabilities = np.empty((n, k), np.float32)
    for start in range(0, n, batch):
        stop = min(start + batch, n)
        x = prepare_batch(images[start:stop], spec)
        probabilities[start:stop] = model.probabilities(x)
        tell(progress, stop / n, f"Classifying the test images: {count(stop)} of {count(n)}",
             stage="classifying", done=stop, total=n)  # fmt: skip
    predictions = np.argmax(probabilities, axis=1).astype(np.int32)
    known = (labels >= 0) & (labels < k)
    if n and not known.any():
        raise ValueError(
            f"None of the {n} test images has one of this network's {k} classes, so there is "
            "nothing to score it on. Link a dataset labelled with its classes."
        )
    confusion, accuracy, precision, recall, support = scores(labels[known], predictions[known], k)
    return EvaluationOutput(
        probabilities=probabilities,
        predictions=predictions,
        labels=np.where(known, labels, -1).astype(np.int32),
        confusion=confusion,
        accuracy=accuracy,
        precision=precision,
        recall=recall,
        support=support,
    )
