"""run_analysis output files, weight export and the per-process model cache."""

from __future__ import annotations

import numpy as np
import pytest

from tests.fixtures.models import build_bn_strided, build_tiny_vgg_28, save_model
from worker.runtime import model_cache
from worker.techniques.activations import ActivationExtractor
from worker.techniques.analysis import run_analysis
from worker.techniques.kernels import export_weights


@pytest.fixture(scope="module")
def tiny_model():
    return build_tiny_vgg_28(seed=7)


def test_run_analysis_writes_every_layer_atomically(tmp_path, tiny_model):
    extractor = ActivationExtractor(tiny_model)
    x = np.random.default_rng(0).uniform(0, 1, (28, 28, 1)).astype(np.float32)
    out_dir = tmp_path / "results" / "job1"
    result = run_analysis(extractor, x, out_dir)

    assert len(result.layers) == len(extractor.layers) == 8
    # every layer, the probabilities and the overview's previews
    expected_files = {f"layer{i:03d}.npy" for i in range(8)} | {"probabilities.npy", "previews.csb"}
    assert {p.name for p in out_dir.iterdir()} == expected_files
    for info, activation in zip(result.layers, extractor.run(x), strict=True):
        saved = np.load(out_dir / info["file"])
        assert saved.dtype == np.float32 and list(saved.shape) == info["shape"]
        np.testing.assert_array_equal(saved, activation)
    assert result.layers[0] == {
        "index": 0,
        "name": "conv1_1",
        "type": "Conv2D",
        "shape": [28, 28, 8],
        "file": "layer000.npy",
    }
    probs = np.load(out_dir / "probabilities.npy")
    assert sum(result.probabilities) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(probs, result.probabilities, atol=1e-7)
    # Nothing but the result folder is left beside it (no temp folders).
    assert [p.name for p in out_dir.parent.iterdir()] == ["job1"]

    # Re-running replaces the complete result, still leaving no temp folder behind.
    run_analysis(extractor, x, out_dir)
    assert [p.name for p in out_dir.parent.iterdir()] == ["job1"]


def test_run_analysis_failure_leaves_nothing(tmp_path, tiny_model):
    extractor = ActivationExtractor(tiny_model)
    with pytest.raises(ValueError):
        run_analysis(extractor, np.zeros((5, 5, 1), np.float32), tmp_path / "job")
    assert list(tmp_path.iterdir()) == []


def test_export_weights(tmp_path):
    model = build_bn_strided(seed=1)
    exported = export_weights(model, tmp_path)
    by_name = {e["name"]: e for e in exported}
    assert set(by_name) == {"conv_s2", "bn", "conv4_s2", "logits"}
    conv = by_name["conv_s2"]
    assert conv["index"] == 0 and conv["kernel"] == "layer000_kernel.npy"
    assert conv["bias"] is None and conv["kernel_shape"] == [3, 3, 3, 6]
    np.testing.assert_array_equal(np.load(tmp_path / conv["kernel"]), model.layers[1].kernel)
    bn = by_name["bn"]
    gamma, beta, mean, var = model.get_layer("bn").get_weights()
    np.testing.assert_array_equal(np.load(tmp_path / bn["moving_variance"]), var)
    np.testing.assert_array_equal(np.load(tmp_path / bn["gamma"]), gamma)
    assert bn["kernel"] is None
    logits = by_name["logits"]
    assert logits["index"] == 8 and logits["bias"] == "layer008_bias.npy"
    assert np.load(tmp_path / logits["bias"]).dtype == np.float32


def test_model_cache_loads_once(tmp_path, tiny_model):
    path = str(save_model(tiny_model, tmp_path / "net.keras"))
    model_cache.clear()
    first = model_cache.get_extractor(path, "sha-a")
    assert model_cache.get_extractor(path, "sha-a") is first
    assert model_cache.get_extractor(path, "sha-b") is not first
    model_cache.clear()
    assert model_cache.get_extractor(path, "sha-a") is not first
    model_cache.clear()
