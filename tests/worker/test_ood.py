"""The out-of-distribution scores (worker/techniques/ood.py) against independent references:
Mahalanobis distances computed one image and one class at a time; the AUROC against
scikit-learn's; the energy against SciPy's logsumexp; the in-graph layer summaries against
NumPy on the layers' full outputs."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn.metrics import roc_auc_score

from worker.techniques import ood

ROOT = Path(__file__).resolve().parents[2]


def test_mahalanobis_against_a_direct_computation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 6)) + np.repeat(np.eye(3, 6) * 4, 100, axis=0)
    labels = np.repeat([0, 1, 2], 100)
    stats = ood.fit_mahalanobis(x, labels, shrinkage=0.1)
    means = np.stack([x[labels == c].mean(0) for c in range(3)])
    centred = x - means[labels]
    cov = centred.T @ centred / len(x)
    cov = 0.9 * cov + 0.1 * np.trace(cov) / 6 * np.eye(6)
    inverse = np.linalg.inv(cov)
    probe = rng.normal(size=(20, 6)) * 3
    direct = [min((p - m) @ inverse @ (p - m) for m in means) for p in probe]
    np.testing.assert_allclose(ood.mahalanobis_scores(stats, probe), direct, rtol=1e-9)


def test_energy_auroc_and_conformal_threshold():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(50, 10)) * 5
    np.testing.assert_allclose(ood.energy_scores(z), -logsumexp(z, axis=1), rtol=1e-12)
    inside, outside = rng.normal(size=400), rng.normal(1.0, 1.0, size=300)
    outside[:10] = inside[:10]  # ties count half
    labels = np.r_[np.zeros(400), np.ones(300)]
    assert ood.auroc(inside, outside) == pytest.approx(
        roc_auc_score(labels, np.r_[inside, outside]), abs=1e-12
    )
    scores = rng.normal(size=2000)
    threshold = ood.threshold_for(scores)
    # the ⌈(n + 1)·0.95⌉-th smallest: 1901 of 2000 at or under it
    assert (scores <= threshold).sum() == 1901
    fresh = rng.normal(size=200_000)
    assert (fresh > threshold).mean() <= 0.05 + 0.005


def test_layer_summaries_in_the_graph_equal_numpy_on_full_outputs():
    import keras

    from datasets.registry import get_dataset
    from worker.inputs.input_spec import InputSpec
    from worker.inputs.preprocessing import PreparedImages, prepare_batch
    from worker.runtime.introspection import describe_layers
    from worker.runtime.model_loading import load_keras_model
    from worker.techniques.attribution.model import AttributionModel

    folder = ROOT / "model_zoo" / "tiny_vgg"
    keras_model = load_keras_model(folder / "model.keras")
    spec = InputSpec.from_dict(json.loads((folder / "manifest.json").read_text())["input"])
    layers = ood.feature_layers(describe_layers(keras_model))
    assert layers == ["conv_1_1", "conv_1_2", "max_pool_1", "conv_2_1", "conv_2_2", "max_pool_2"]
    images, labels = get_dataset("fashion-mnist").load("test")
    model = AttributionModel(keras_model, batch_budget=2 << 20)  # several batches
    got = ood.layer_summaries(model, layers, PreparedImages(images[:300], spec))
    outputs = keras.Model(keras_model.inputs, [keras_model.get_layer(n).output for n in layers])(
        prepare_batch(images[:300], spec)
    )
    for features, maps in zip(got, outputs, strict=True):
        np.testing.assert_allclose(features, ood.summarise(np.asarray(maps)), rtol=1e-4, atol=1e-5)
    # a fitted ensemble: its held-out scores are standardised per layer, and clothing scores
    # below noise
    stats, held_out = ood.fit_ensemble(layers, got, labels[:300], got)
    assert held_out.mean() == pytest.approx(0.0, abs=1e-6)
    noise = np.random.default_rng(2).integers(0, 256, (20, 28, 28), dtype=np.uint8)
    noisy = stats.scores(ood.layer_summaries(model, layers, PreparedImages(noise, spec)))
    assert noisy.min() > ood.threshold_for(held_out)
    restored = ood.EnsembleStats.load(_saved(stats))
    np.testing.assert_allclose(restored.scores(got), held_out)


def _saved(stats) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "ood.npz"
    path.write_bytes(stats.to_bytes())
    return path


def test_wide_layers_are_averaged_down_and_feature_layers_spaced():
    wide = np.arange(2 * 1300, dtype=float).reshape(2, 1300)
    small = ood.shrink_dims(wide, 512)
    assert small.shape == (2, 512)
    assert small[0, 0] == pytest.approx(wide[0, :3].mean())
    layers = [{"name": f"c{i}", "type": "Conv2D", "output_shape": [8, 8, 4]} for i in range(20)]
    picked = ood.feature_layers(layers)
    assert len(picked) == ood.MAX_LAYERS and picked[0] == "c0" and picked[-1] == "c19"
