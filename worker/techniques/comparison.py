"""Two networks (or two epochs of one) compared: on the test split, and layer by layer.

``compare_predictions`` builds the test-split comparison from the two evaluations' stored
probabilities (no network is run); ``layer_similarity`` runs both networks over the same test
images a minibatch at a time and accumulates the CKA of every pair of layers
(worker/techniques/cka.py). Django-free: the backend hands in arrays and extractors.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import prepare_batch
from worker.techniques.cka import MinibatchCKA, batch_bounds, gram
from worker.techniques.progress import count, tell

if TYPE_CHECKING:
    from worker.techniques.activations import ActivationExtractor

#: images per CKA minibatch: 250 keeps every Gram matrix at 0.5 MB (float64) and the estimate
#: within about 0.01 of the full-batch CKA on the zoo networks
CKA_BATCH = 250
#: disagreements kept in the summary (the page lists them, most confident first)
MAX_DISAGREEMENTS = 200


def confusion(labels: np.ndarray, predictions: np.ndarray, classes: int) -> np.ndarray:
    """Rows true, columns predicted (images with label -1 left out)."""
    keep = labels >= 0
    matrix = np.zeros((classes, classes), np.int64)
    np.add.at(matrix, (labels[keep], predictions[keep]), 1)
    return matrix


def compare_predictions(
    probabilities_a: np.ndarray,
    probabilities_b: np.ndarray,
    labels: np.ndarray,
    label_names: Sequence[str],
) -> dict[str, Any]:
    """Accuracy, per-class recall and the confusion matrices of A and B, their differences
    (B minus A), and the images they disagree on, most confidently disagreeing first."""
    pa = np.asarray(probabilities_a, np.float64)
    pb = np.asarray(probabilities_b, np.float64)
    labels = np.asarray(labels).astype(np.int64)
    if pa.shape != pb.shape or len(pa) != len(labels):
        raise ValueError(
            "The two networks were evaluated on different test images or classes, so their "
            "answers cannot be compared image by image."
        )
    classes = pa.shape[1]
    pred_a = pa.argmax(axis=1)
    pred_b = pb.argmax(axis=1)
    known = labels >= 0
    conf_a = confusion(labels, pred_a, classes)
    conf_b = confusion(labels, pred_b, classes)
    support = conf_a.sum(axis=1)
    right_a = (pred_a == labels) & known
    right_b = (pred_b == labels) & known
    counted = max(int(known.sum()), 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall_a = np.where(support > 0, np.diag(conf_a) / np.maximum(support, 1), 0.0)
        recall_b = np.where(support > 0, np.diag(conf_b) / np.maximum(support, 1), 0.0)
    # How confidently they disagree: the smaller of the two confidences in their own answers
    # (two sure but different answers first; a disagreement where either hesitates comes last).
    differ = np.flatnonzero(pred_a != pred_b)
    top_a = pa[differ, pred_a[differ]]
    top_b = pb[differ, pred_b[differ]]
    strength = np.minimum(top_a, top_b)
    order = differ[np.argsort(-strength, kind="stable")][:MAX_DISAGREEMENTS]
    disagreements = [
        {
            "index": int(i),
            "true": int(labels[i]),
            "predicted_a": int(pred_a[i]),
            "predicted_b": int(pred_b[i]),
            "probability_a": round(float(pa[i, pred_a[i]]), 4),
            "probability_b": round(float(pb[i, pred_b[i]]), 4),
        }
        for i in order
    ]
    return {
        "labels": list(label_names),
        "count": int(known.sum()),
        "accuracy_a": float(right_a.sum() / counted),
        "accuracy_b": float(right_b.sum() / counted),
        "recall_a": [float(v) for v in recall_a],
        "recall_b": [float(v) for v in recall_b],
        "support": [int(v) for v in support],
        "confusion_a": conf_a.tolist(),
        "confusion_b": conf_b.tolist(),
        "confusion_difference": (conf_b - conf_a).tolist(),
        "only_a_right": int((right_a & ~right_b).sum()),
        "only_b_right": int((right_b & ~right_a).sum()),
        "disagree": int(len(differ)),
        "disagreements": disagreements,
    }


def cell_examples(
    probabilities_a: np.ndarray,
    probabilities_b: np.ndarray,
    labels: np.ndarray,
    true: int,
    predicted: int,
) -> np.ndarray:
    """The images behind a change in confusion cell (true, predicted): one network gets the
    image right and the other puts it in this cell (on the diagonal: exactly one is right),
    most confident wrong answer first."""
    pred_a = np.argmax(probabilities_a, axis=1)
    pred_b = np.argmax(probabilities_b, axis=1)
    labels = np.asarray(labels)
    of_class = labels == true
    right_a = pred_a == labels
    right_b = pred_b == labels
    if true == predicted:
        keep = of_class & (right_a != right_b)
    else:
        keep = of_class & ((right_a & (pred_b == predicted)) | (right_b & (pred_a == predicted)))
    indices = np.flatnonzero(keep)
    wrong = np.where(right_a[indices], probabilities_b[indices, pred_b[indices]],
                     probabilities_a[indices, pred_a[indices]])  # fmt: skip
    return indices[np.argsort(-wrong, kind="stable")]


def layer_similarity(
    extractor_a: ActivationExtractor,
    spec_a: InputSpec,
    extractor_b: ActivationExtractor,
    spec_b: InputSpec,
    images: np.ndarray,
    positions_a: Sequence[int],
    positions_b: Sequence[int],
    *,
    batch: int = CKA_BATCH,
    progress: Callable[..., None] | None = None,
) -> np.ndarray:
    """Minibatch CKA of the layers at ``positions_a`` of A against those at ``positions_b``
    of B, on uint8 ``images`` (each network preprocesses them its own way)."""
    bounds = batch_bounds(len(images), batch)
    acc = MinibatchCKA(len(positions_a), len(positions_b))
    for number, (start, stop) in enumerate(bounds, 1):
        chunk = images[start:stop]
        outputs_a = extractor_a.run_batch(prepare_batch(chunk, spec_a))
        grams_a = [gram(outputs_a[p]) for p in positions_a]
        del outputs_a  # one network's activations at a time
        outputs_b = extractor_b.run_batch(prepare_batch(chunk, spec_b))
        grams_b = [gram(outputs_b[p]) for p in positions_b]
        del outputs_b
        acc.update_grams(grams_a, grams_b)
        tell(progress, number / len(bounds),
             f"Comparing layers on the test images: {count(stop)} of {count(len(images))}",
             stage="layer similarity", done=stop, total=len(images))  # fmt: skip
    if acc.batches == 0:
        raise ValueError("There were no test images to compare the layers on.")
    return acc.result()


def probabilities_of(
    extractor: ActivationExtractor,
    spec: InputSpec,
    images: np.ndarray,
    *,
    batch: int = 500,
    progress: Callable[..., None] | None = None,
) -> np.ndarray:
    """Class probabilities of every image (for a network at a training epoch, which has no
    stored evaluation)."""
    out = []
    for start in range(0, len(images), batch):
        stop = min(start + batch, len(images))
        outputs = extractor.run_batch(prepare_batch(images[start:stop], spec))
        out.append(extractor.probabilities(outputs[extractor.output_index]))
        tell(progress, stop / len(images),
             f"Classifying the test images: {count(stop)} of {count(len(images))}",
             stage="classifying", done=stop, total=len(images))  # fmt: skip
    return np.concatenate(out).astype(np.float32)
