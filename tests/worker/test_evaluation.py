"""Dataset evaluation: batch preprocessing against worker.inputs.preprocessing.preprocess,
scores against scikit-learn, and the zoo Tiny VGG's accuracy against its manifest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, precision_score, recall_score

from datasets.registry import get_dataset
from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import prepare_batch, preprocess
from worker.runtime.model_loading import load_keras_model
from worker.techniques.attribution.model import AttributionModel
from worker.techniques.evaluation import EvaluationOutput, evaluate, scores

ROOT = Path(__file__).resolve().parents[2]
TINY_VGG = ROOT / "model_zoo" / "tiny_vgg"


@pytest.fixture(scope="module")
def fashion_test():
    dataset = get_dataset("fashion-mnist")
    if not dataset.available():
        pytest.skip("Fashion-MNIST is not installed")
    return dataset.load("test")


@pytest.fixture(scope="module")
def manifest():
    return json.loads((TINY_VGG / "manifest.json").read_text())


@pytest.fixture(scope="module")
def zoo_model() -> AttributionModel:
    return AttributionModel(load_keras_model(TINY_VGG / "model.keras"))


@pytest.fixture(scope="module")
def zoo_eval(zoo_model, fashion_test, manifest) -> EvaluationOutput:
    images, labels = fashion_test
    model = zoo_model
    calls = []
    out = evaluate(
        model,
        images,
        labels,
        InputSpec.from_dict(manifest["input"]),
        batch=2500,
        progress=lambda fraction, message: calls.append(fraction),
    )
    out.progress_calls = calls  # type: ignore[attr-defined]
    return out


@pytest.mark.parametrize(
    ("spec", "shape"),
    [
        (InputSpec(28, 28, 1), (5, 28, 28, 1)),
        (InputSpec(28, 28, 1, scale=1.0, mean=(33.3,), std=(78.5,)), (5, 28, 28, 1)),
        (
            InputSpec(8, 6, 3, scale=1 / 127.5, mean=(1.0, 0.9, 1.1), std=(0.5, 0.25, 2.0)),
            (4, 8, 6, 3),
        ),
    ],
)
def test_prepare_batch_fast_path_equals_preprocess(spec, shape):
    images = np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8)
    got = prepare_batch(images, spec)
    want = np.stack([preprocess(image, spec) for image in images])
    assert got.dtype == np.float32 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def test_prepare_batch_resizes_and_converts_like_preprocess():
    rng = np.random.default_rng(1)
    grey = rng.integers(0, 256, (3, 20, 30, 1), dtype=np.uint8)
    spec = InputSpec(16, 16, 3, mean=(0.5,), std=(0.25,), resize="center-crop")
    want = np.stack([preprocess(image, spec) for image in grey])
    np.testing.assert_array_equal(prepare_batch(grey, spec), want)
    # N x H x W greyscale without a channel axis is accepted too.
    np.testing.assert_array_equal(
        prepare_batch(grey[..., 0], InputSpec(20, 30, 1)),
        np.stack([preprocess(image, InputSpec(20, 30, 1)) for image in grey]),
    )
    with pytest.raises(ValueError, match="uint8"):
        prepare_batch(grey.astype(np.float32), spec)


def test_scores_match_scikit_learn():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 6, 500)
    predictions = np.where(rng.random(500) < 0.6, labels, rng.integers(0, 6, 500))
    predictions[predictions == 4] = 3  # class 4 is never predicted: precision 0
    confusion, accuracy, precision, recall, support = scores(labels, predictions, 7)
    classes = np.arange(7)  # class 6 has no examples at all
    np.testing.assert_array_equal(confusion, confusion_matrix(labels, predictions, labels=classes))
    assert confusion.dtype == np.int64
    assert accuracy == pytest.approx(np.trace(confusion) / len(labels))
    np.testing.assert_allclose(
        precision,
        precision_score(labels, predictions, labels=classes, average=None, zero_division=0),
    )
    np.testing.assert_allclose(
        recall, recall_score(labels, predictions, labels=classes, average=None, zero_division=0)
    )
    np.testing.assert_array_equal(support, np.bincount(labels, minlength=7))
    assert precision[4] == 0 and recall[6] == 0 and support[6] == 0


def test_zoo_tiny_vgg_accuracy_matches_manifest(zoo_eval, manifest, fashion_test):
    _, labels = fashion_test
    out = zoo_eval
    assert len(out.labels) == len(labels) == 10_000
    assert out.accuracy == pytest.approx(manifest["test_accuracy"], abs=1e-4)
    assert out.probabilities.shape == (10_000, 10) and out.probabilities.dtype == np.float32
    np.testing.assert_allclose(out.probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert out.predictions.dtype == np.int32 and out.labels.dtype == np.int32
    np.testing.assert_array_equal(out.predictions, np.argmax(out.probabilities, axis=1))
    np.testing.assert_array_equal(out.confusion, confusion_matrix(labels, out.predictions))
    assert np.trace(out.confusion) / len(labels) == pytest.approx(out.accuracy)
    np.testing.assert_allclose(
        out.precision, precision_score(labels, out.predictions, average=None, zero_division=0)
    )
    np.testing.assert_allclose(
        out.recall, recall_score(labels, out.predictions, average=None, zero_division=0)
    )
    assert out.progress_calls == [0.25, 0.5, 0.75, 1.0]


def test_summary_is_json_ready(zoo_eval, manifest):
    summary = zoo_eval.summary(manifest["labels"])
    again = json.loads(json.dumps(summary))
    assert again == summary
    assert set(summary) == {
        "accuracy", "labels", "confusion", "precision", "recall", "support", "count",
        "unlabelled",
    }  # fmt: skip
    assert summary["count"] == 10_000 and sum(summary["support"]) == 10_000
    assert summary["unlabelled"] == 0
    assert summary["labels"][0] == "T-shirt/top"
    assert len(summary["confusion"]) == 10 and len(summary["confusion"][0]) == 10
    with pytest.raises(ValueError, match="label names"):
        zoo_eval.summary(["a", "b"])


def test_evaluate_checks_its_input(zoo_model, fashion_test, manifest):
    images, labels = fashion_test
    model = zoo_model
    spec = InputSpec.from_dict(manifest["input"])
    with pytest.raises(ValueError, match="labels"):
        evaluate(model, images[:10], labels[:9], spec)
    with pytest.raises(ValueError, match="batch"):
        evaluate(model, images[:10], labels[:10], spec, batch=0)


def test_images_of_no_class_of_the_network_are_run_but_not_scored(
    zoo_model, fashion_test, manifest
):
    """A photo set labels some images "no class" (an index past the network's classes): they
    are classified, marked -1, and left out of every score; a set with none of the network's
    classes is refused with a reason."""
    from sklearn.metrics import confusion_matrix

    images, labels = fashion_test
    spec = InputSpec.from_dict(manifest["input"])
    images, labels = images[:200], labels[:200].copy()
    labels[::4] = 10  # one in four: not one of the ten classes
    out = evaluate(zoo_model, images, labels, spec)
    known = labels < 10
    assert out.probabilities.shape == (200, 10)
    np.testing.assert_array_equal(out.labels, np.where(known, labels, -1))
    np.testing.assert_array_equal(
        out.confusion, confusion_matrix(labels[known], out.predictions[known], labels=range(10))
    )
    assert out.accuracy == pytest.approx((out.predictions[known] == labels[known]).mean())
    summary = out.summary(manifest["labels"])
    assert summary["count"] == 150 and summary["unlabelled"] == 50
    with pytest.raises(ValueError, match="None of the 4 test images"):
        evaluate(zoo_model, images[:4], np.full(4, 10), spec)
