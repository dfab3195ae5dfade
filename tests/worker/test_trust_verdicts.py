"""Trust-check verdicts follow their numbers (issue 19, part 5), with planted maps on the zoo
Tiny VGG: a map that ignores the model fails randomisation, a random map fails faithfulness,
an empty Grad-CAM (or one whose scrambled maps are empty) is "could not be checked", never
"pass". The rule itself (trust_rules) is checked on hand-made numbers."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from scipy.ndimage import sobel

from worker.runtime.model_loading import load_keras_model
from worker.techniques.attribution.model import AttributionModel
from worker.techniques.attribution.registry import explain
from worker.techniques.attribution.trust import (
    deletion_insertion,
    judge_map_faithfulness,
    random_baseline,
    random_map,
    randomise_cascade,
    run_trust_checks,
)
from worker.techniques.attribution.trust_rules import (
    FAITHFULNESS_MARGIN,
    RANDOM_MAPS,
    RANDOMISATION_MAX_SIMILARITY,
    judge_faithfulness,
    judge_randomisation,
    judged_step,
)

ROOT = Path(__file__).resolve().parents[2]
# Test images of Fashion-MNIST: 0, 2, 5 predicted right, 21 and 23 wrong (measured).
IMAGES = (0, 2, 5, 21, 23)


@pytest.fixture(scope="module")
def zoo():
    return AttributionModel(load_keras_model(ROOT / "model_zoo" / "tiny_vgg" / "model.keras"))


@pytest.fixture(scope="module")
def images():
    from datasets.registry import get_dataset

    pixels, _ = get_dataset("fashion-mnist").load("test")
    return pixels[:30].astype(np.float32) / 255.0


def sobel_edges(x: np.ndarray) -> np.ndarray:
    """The image's edge strength: a 'saliency map' that never looks at the model."""
    grey = x.mean(axis=-1).astype(np.float64)
    return np.hypot(sobel(grey, axis=0), sobel(grey, axis=1)).astype(np.float32)


@pytest.mark.parametrize("index", [0, 21])
def test_a_map_that_ignores_the_model_fails_randomisation(zoo, images, index):
    x = images[index]
    check = randomise_cascade(zoo, lambda: sobel_edges(x), seed=1)
    assert check.layers == ["output", "conv_2_2", "conv_2_1", "conv_1_2", "conv_1_1"]
    assert check.correlations == pytest.approx([1.0] * 5)
    summary = check.summary()
    assert summary["verdict"] == "fail" and summary["passes"] is False
    assert summary["similarity"] == pytest.approx(1.0)
    assert summary["judged_after"] == "conv_2_1" and summary["judged_step"] == 3
    assert "1.00" in summary["reason"] and f"{RANDOMISATION_MAX_SIMILARITY:.2f}" in summary["rule"]
    # The same cascade with a real method's map passes: the rule can tell them apart.
    target = zoo.predicted_class(x)

    def gradient() -> np.ndarray:
        return explain(zoo, x, "gradient", target=target).map

    assert randomise_cascade(zoo, gradient, seed=1).summary()["verdict"] == "pass"


@pytest.mark.parametrize("index", IMAGES)
def test_a_random_map_fails_faithfulness_and_occlusion_passes(zoo, images, index):
    x = images[index]
    target = zoo.predicted_class(x)
    baseline = random_baseline(zoo, x, target=target, seed=0)
    assert len(baseline.deletion_aucs) == RANDOM_MAPS
    for seed in (100 + index, 200 + index):  # fresh random maps, not among the baseline's
        planted = random_map(x.shape[:2], seed)
        curves = deletion_insertion(zoo, x, planted, target=target)
        verdict = judge_map_faithfulness(planted, curves, baseline)
        assert verdict.verdict == "fail", (index, seed, verdict.reason)
        assert verdict.passes is False and "no better than a random one" in verdict.reason
    # Occlusion's map measures what deletion asks about: it must pass on the same numbers.
    occlusion = explain(zoo, x, "occlusion", target=target).map
    curves = deletion_insertion(zoo, x, occlusion, target=target)
    assert judge_map_faithfulness(occlusion, curves, baseline).verdict == "pass"


def test_an_all_zero_gradcam_could_not_be_checked(zoo, images):
    # At its default layer (max_pool_2) Grad-CAM is zero everywhere for image 0 (measured).
    report = run_trust_checks(zoo, images[0], "gradcam", steps=10)
    assert report.layer == "max_pool_2" and np.ptp(report.map) == 0
    summary = report.summary()
    for check in ("randomisation", "faithfulness"):
        assert summary[check]["verdict"] == "unchecked", summary[check]
        assert "empty" in summary[check]["reason"]
    assert summary["randomisation"]["passes"] is None
    assert summary["randomisation"]["similarity"] is None
    assert "neither check could be made" in summary["verdict"]


def test_gradcam_whose_scrambled_maps_are_empty_is_not_a_pass(zoo, images):
    """The case of issue 19: a Grad-CAM map with structure whose scrambled maps are flat (no
    similarity to plot, a chart of one point, blank cells) used to read "pass"."""
    report = run_trust_checks(zoo, images[25], "gradcam", steps=10)
    assert np.ptp(report.map) > 0
    # Flat once the top layers are scrambled (measured: only the first step has a number).
    assert report.randomisation.correlations[2:] == [None] * 3
    summary = report.summary()["randomisation"]
    assert summary["verdict"] == "unchecked" and summary["passes"] is None
    assert "cannot be measured" in summary["reason"]


def test_the_rule_on_hand_made_numbers():
    layers = ["output", "dense", "conv_2", "conv_1"]
    assert judged_step(4) == 2 and judged_step(5) == 3 and judged_step(1) == 1
    judge = judge_randomisation
    # Below the threshold from the judged step on: pass; a high value later: fail.
    assert judge(layers, [0.9, 0.3, 0.2, 0.1], False)[0].verdict == "pass"
    assert judge(layers, [0.9, 0.3, 0.2, 0.7], False)[0].verdict == "fail"
    assert judge(layers, [0.1, -0.8, 0.1, 0.1], False)[1] == pytest.approx(0.8)  # |rho|
    # Exactly at the threshold is not below it.
    verdict, _ = judge(layers, [0.0, RANDOMISATION_MAX_SIMILARITY, 0.0, 0.0], False)
    assert verdict.verdict == "fail"
    # No number to judge: never a pass.
    for correlations in ([0.1, None, 0.1, 0.1], [0.1, 0.1, math.nan, 0.1], [0.2]):
        assert judge(layers, correlations, False)[0].verdict == "unchecked", correlations
    assert judge([], [], False)[0].verdict == "unchecked"
    assert judge(layers, [0.1] * 4, True)[0].verdict == "unchecked"

    m = FAITHFULNESS_MARGIN
    rnd_del, rnd_ins = [0.4, 0.5, 0.45], [0.6, 0.7, 0.65]
    assert judge_faithfulness(0.4 - m - 0.01, 0.0, rnd_del, rnd_ins, False).verdict == "pass"
    assert judge_faithfulness(1.0, 0.7 + m + 0.01, rnd_del, rnd_ins, False).verdict == "pass"
    # Better than the random maps' mean but not than every one of them: fail.
    assert judge_faithfulness(0.42, 0.68, rnd_del, rnd_ins, False).verdict == "fail"
    assert judge_faithfulness(0.4 - m / 2, 0.7 + m / 2, rnd_del, rnd_ins, False).verdict == "fail"
    assert judge_faithfulness(math.nan, 0.9, rnd_del, rnd_ins, False).verdict == "unchecked"
    assert judge_faithfulness(0.1, 0.9, [], [], False).verdict == "unchecked"
    assert judge_faithfulness(0.1, 0.9, rnd_del, rnd_ins, True).verdict == "unchecked"
