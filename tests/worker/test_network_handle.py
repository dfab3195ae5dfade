"""NetworkHandle: built from a network row's stored fields, it preprocesses like
worker.inputs.preprocessing and reaches the model cache with the right key and black value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import black_value, prepare_batch, preprocess
from worker.runtime import model_cache
from worker.runtime.network_handle import NetworkHandle

ROOT = Path(__file__).resolve().parents[2]
SPEC = {"height": 4, "width": 4, "channels": 3, "mean": [0.5, 0.4, 0.3], "std": [0.2]}


def never_located() -> Path:
    raise AssertionError("preprocessing must not look for the model file")


def test_preprocessing_matches_the_one_module_without_finding_the_model():
    handle = NetworkHandle.from_fields(never_located, "sha", SPEC)
    spec = InputSpec.from_dict(SPEC)
    pixels = np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    batch = np.random.default_rng(1).integers(0, 256, (2, 4, 4, 3), dtype=np.uint8)
    assert handle.input_spec == spec
    np.testing.assert_array_equal(handle.preprocess(pixels), preprocess(pixels, spec))
    np.testing.assert_array_equal(handle.prepare_batch(batch), prepare_batch(batch, spec))
    np.testing.assert_array_equal(handle.black_value, black_value(spec))


def test_checkpoints_by_epoch():
    handle = NetworkHandle.from_fields("m.keras", "sha", SPEC, {1: "ckpt/epoch_01.weights.h5"})
    assert handle.checkpoint_path(1) == Path("ckpt/epoch_01.weights.h5")
    assert handle.checkpoint_path(2) is None
    assert NetworkHandle.from_fields("m.keras", "sha", SPEC).checkpoint_path(1) is None


def test_models_come_from_the_cache_keyed_by_path_and_hash(monkeypatch):
    calls = []
    for name in ("get_extractor", "get_checkpoint_extractor", "get_attribution_model",
                 "get_feature_vis_model"):  # fmt: skip
        monkeypatch.setattr(
            model_cache, name, lambda *a, _name=name, **k: calls.append((_name, a, k)) or _name
        )
    handle = NetworkHandle.from_fields(Path("/models/m.keras"), "sha", SPEC)
    assert handle.extractor() == "get_extractor"
    assert handle.extractor(Path("/c/e1.h5")) == "get_checkpoint_extractor"
    assert handle.attribution_model(scratch=True) == "get_attribution_model"
    assert handle.feature_vis_model() == "get_feature_vis_model"
    assert calls[0] == ("get_extractor", ("/models/m.keras", "sha"), {})
    assert calls[1] == ("get_checkpoint_extractor", ("/models/m.keras", "sha", "/c/e1.h5"), {})
    name, args, kwargs = calls[2]
    assert args[:2] == ("/models/m.keras", "sha") and kwargs == {"scratch": True}
    np.testing.assert_array_equal(args[2], black_value(InputSpec.from_dict(SPEC)))
    assert calls[3] == ("get_feature_vis_model", ("/models/m.keras", "sha", handle.input_spec), {})


def test_building_a_handle_and_preprocessing_import_no_tensorflow():
    # A fresh process: the web process preprocesses previews through a handle.
    code = (
        "import sys, numpy as np; from worker.runtime.network_handle import NetworkHandle; "
        f"h = NetworkHandle.from_fields('m.keras', 'sha', {SPEC!r}); "
        "h.preprocess(np.zeros((4, 4, 3), np.uint8)); print('tensorflow' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "False"
