"""Layer features and 2-D maps: features against a Keras sub-model, the default layer, the
parameter rules, and the maps' quality (scikit-learn's trustworthiness, kNN accuracy)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.manifold import trustworthiness
from sklearn.model_selection import LeaveOneOut, cross_val_score
from sklearn.neighbors import KNeighborsClassifier

from datasets.registry import get_dataset
from tests.fixtures.models import build_bn_strided
from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import prepare_batch
from worker.runtime.introspection import describe_layers
from worker.runtime.model_loading import load_keras_model
from worker.techniques.attribution.model import AttributionModel
from worker.techniques.embedding import (
    default_embedding_layer,
    embed,
    knn_accuracy,
    layer_features,
    normalise_embed_params,
)

ROOT = Path(__file__).resolve().parents[2]
TINY_VGG = ROOT / "model_zoo" / "tiny_vgg"
SUBSET = 2000


@pytest.fixture(scope="module")
def zoo():
    keras_model = load_keras_model(TINY_VGG / "model.keras")
    return keras_model, AttributionModel(keras_model)


@pytest.fixture(scope="module")
def subset(zoo):
    dataset = get_dataset("fashion-mnist")
    if not dataset.available():
        pytest.skip("Fashion-MNIST is not installed")
    images, labels = dataset.load("test")
    spec = InputSpec.from_dict(json.loads((TINY_VGG / "manifest.json").read_text())["input"])
    return prepare_batch(images[:SUBSET], spec), np.asarray(labels[:SUBSET])


@pytest.fixture(scope="module")
def features(zoo, subset):
    _, model = zoo
    x, _ = subset
    return layer_features(model, "flatten", x, batch=700)


def test_layer_features_match_a_keras_sub_model(zoo, subset, features):
    import keras

    keras_model, model = zoo
    x, _ = subset
    assert features.shape == (SUBSET, 7 * 7 * 32) and features.dtype == np.float32
    for layer in ("flatten", "conv_2_1"):
        sub = keras.Model(keras_model.inputs[0], keras_model.get_layer(layer).output)
        want = np.asarray(sub(x[:50], training=False)).reshape(50, -1)
        got = features[:50] if layer == "flatten" else layer_features(model, layer, x[:50])
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    calls = []
    layer_features(model, "flatten", x[:10], batch=4, progress=lambda f, m: calls.append(f))
    assert calls == [0.4, 0.8, 1.0]
    with pytest.raises(ValueError, match="unknown layer"):
        layer_features(model, "nope", x[:2])


def test_default_embedding_layer(zoo):
    keras_model, _ = zoo
    assert default_embedding_layer(describe_layers(keras_model)) == "flatten"
    deep = load_keras_model(ROOT / "model_zoo" / "deep_bn" / "model.keras")
    assert default_embedding_layer(describe_layers(deep)) == "global_avg_pool"
    # Dropout right before the output (and after global pooling) is skipped.
    assert default_embedding_layer(describe_layers(build_bn_strided(seed=0))) == "gap"
    chain = [
        {"name": "conv", "type": "Conv2D", "inbound": ["input"]},
        {"name": "flat", "type": "Flatten", "inbound": ["conv"]},
        {"name": "drop", "type": "Dropout", "inbound": ["flat"]},
        {"name": "dense", "type": "Dense", "inbound": ["drop"]},
        {"name": "softmax", "type": "Softmax", "inbound": ["dense"]},
    ]
    assert default_embedding_layer(chain) == "flat"


def test_normalise_embed_params():
    assert normalise_embed_params("tsne", None) == {
        "perplexity": 30.0, "iterations": 500, "early_exaggeration_iterations": 250,
    }  # fmt: skip
    assert normalise_embed_params("umap", {"n_neighbors": 30.0}) == {
        "n_neighbors": 30, "min_dist": 0.1, "epochs": 200,
    }  # fmt: skip
    assert normalise_embed_params("pca", {}) == {}
    for method, params in [
        ("tsne", {"perplexity": 4}),
        ("tsne", {"perplexity": 101}),
        ("tsne", {"perplexity": "30"}),
        ("tsne", {"iterations": 10.5}),
        ("tsne", {"perplexity": float("nan")}),
        ("umap", {"n_neighbors": 1}),
        ("umap", {"min_dist": -0.1}),
        ("umap", {"min_dist": True}),
        ("umap", {"epochs": 5}),
        ("pca", {"whiten": 1}),
        ("mds", {}),
        ("tsne", [1, 2]),
    ]:
        with pytest.raises(ValueError):
            normalise_embed_params(method, params)


def test_knn_accuracy_matches_scikit_learn_leave_one_out():
    rng = np.random.default_rng(0)
    coords = rng.normal(size=(150, 2))
    labels = (coords[:, 0] + 0.5 * rng.normal(size=150) > 0).astype(int)
    want = cross_val_score(
        KNeighborsClassifier(n_neighbors=5), coords, labels, cv=LeaveOneOut()
    ).mean()
    assert knn_accuracy(coords, labels, k=5) == pytest.approx(want)


@pytest.mark.parametrize(("method", "minimum"), [("tsne", 0.90), ("umap", 0.90), ("pca", 0.80)])
def test_embedding_quality(features, subset, method, minimum):
    _, labels = subset
    calls, details = [], []

    def report(fraction, message, **detail):  # as the job runner's callback takes them
        calls.append(fraction)
        details.append((message, detail))

    report.takes_details = True
    coords = embed(features, method, seed=0, progress=report)
    assert coords.shape == (SUBSET, 2) and coords.dtype == np.float32
    assert np.all(np.isfinite(coords))
    # Measured: t-SNE 0.983, UMAP 0.971, PCA 0.874 (PCA is linear: a weaker map).
    assert trustworthiness(features, coords, n_neighbors=10) >= minimum
    if method != "pca":
        assert knn_accuracy(coords, labels, k=10) >= 0.80
    assert calls and calls[-1] == 1.0 and calls == sorted(calls)
    # Each stage in words, with its step counts where it has them (issue 20).
    messages = [m for m, _ in details]
    if method == "tsne":
        counted = [d for m, d in details if d.get("stage") == "t-SNE" and d.get("total")]
        assert counted and counted[-1]["done"] == counted[-1]["total"] == 750
        assert "t-SNE: iteration 750 of 750" in " ".join(messages)
        assert any("nearest neighbours" in m for m in messages)
    if method == "umap":
        epochs = [d for _, d in details if d.get("stage") == "UMAP: layout"]
        assert epochs and epochs[-1]["done"] == epochs[-1]["total"]
        assert any("neighbour graph" in m for m in messages)


def test_embedding_is_reproducible_and_validated(features):
    small = features[:300]
    np.testing.assert_array_equal(embed(small, "pca"), embed(small, "pca"))
    np.testing.assert_array_equal(
        embed(small, "umap", params={"epochs": 20}, seed=1),
        embed(small, "umap", params={"epochs": 20}, seed=1),
    )
    np.testing.assert_array_equal(
        embed(small, "tsne", params={"iterations": 100}, seed=3),
        embed(small, "tsne", params={"iterations": 100}, seed=3),
    )
    with pytest.raises(ValueError, match="N x D"):
        embed(small[0], "pca")
    with pytest.raises(ValueError, match="NaN"):
        embed(np.full((5, 3), np.nan, np.float32), "pca")
    with pytest.raises(ValueError, match="unknown embedding method"):
        embed(small, "mds")
