"""Temperature scaling and reliability (worker/techniques/calibration.py) against independent
references: the temperature that made the labels is found again; the NLL at the fitted T is the
minimum on a fine grid; the ECE of a hand-worked example."""

import numpy as np
import pytest

from worker.techniques import calibration


def test_fitted_temperature_recovers_the_one_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 4, (20000, 10))
    for true_t in (0.5, 2.5):
        p = calibration.softmax(logits, true_t)
        labels = np.array([rng.choice(10, p=row) for row in p])
        fitted = calibration.fit_temperature(logits, labels)
        assert fitted == pytest.approx(true_t, rel=0.05)
        grid = np.exp(np.linspace(np.log(0.1), np.log(10), 400))
        best = grid[np.argmin([calibration.nll(logits, labels, t) for t in grid])]
        assert (
            calibration.nll(logits, labels, fitted) <= calibration.nll(logits, labels, best) + 1e-9
        )


def test_softmax_and_nll_match_a_direct_computation():
    z = np.array([[2.0, 1.0, -1.0], [0.0, 3.0, 0.5]])
    t = 1.7
    direct = np.exp(z / t) / np.exp(z / t).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(calibration.softmax(z, t), direct, rtol=1e-12)
    labels = np.array([0, 2])
    assert calibration.nll(z, labels, t) == pytest.approx(
        -np.mean(np.log(direct[[0, 1], labels])), rel=1e-12
    )


def test_reliability_and_ece_of_a_hand_worked_example():
    # four images: confidences 0.95 (right), 0.92 (wrong), 0.65 (right), 0.35 (right)
    p = np.array([[0.95, 0.05], [0.92, 0.08], [0.35, 0.65], [0.35, 0.30]])
    p[3] = [0.35, 0.30]  # not normalised on purpose: only the top value counts
    labels = np.array([0, 1, 1, 0])
    out = calibration.reliability(p, labels, bins=10)
    bins = {round(b["low"], 1): b for b in out["bins"] if b["count"]}
    assert set(bins) == {0.9, 0.6, 0.3}
    assert bins[0.9]["count"] == 2 and bins[0.9]["accuracy"] == 0.5
    assert bins[0.9]["confidence"] == pytest.approx(0.935)
    # ECE = 2/4·|0.5 − 0.935| + 1/4·|1 − 0.65| + 1/4·|1 − 0.35|
    assert out["ece"] == pytest.approx(0.5 * 0.435 + 0.25 * 0.35 + 0.25 * 0.65)
    assert out["accuracy"] == 0.75
    with pytest.raises(ValueError):
        calibration.fit_temperature(np.zeros((0, 3)), np.zeros(0, int))
