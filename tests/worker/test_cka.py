"""Linear CKA (Kornblith et al., ICML 2019) and its minibatch estimate, against a NumPy
reference of the paper's formulas and on cases whose answer is known."""

from pathlib import Path

import numpy as np
import pytest

from worker.techniques.cka import MinibatchCKA, batch_bounds, gram, linear_cka, unbiased_hsic

ROOT = Path(__file__).resolve().parents[2]


def reference_hsic(k: np.ndarray, l: np.ndarray) -> float:  # noqa: E741
    """The paper's (biased) HSIC: tr(KHLH) / (n-1)², H the centring matrix (eq. 3)."""
    n = len(k)
    h = np.eye(n) - np.ones((n, n)) / n
    return float(np.trace(k @ h @ l @ h)) / (n - 1) ** 2


def reference_cka(x: np.ndarray, y: np.ndarray) -> float:
    """CKA from Gram matrices, the paper's eq. (4) with linear kernels."""
    k = x.reshape(len(x), -1) @ x.reshape(len(x), -1).T
    l = y.reshape(len(y), -1) @ y.reshape(len(y), -1).T  # noqa: E741
    return reference_hsic(k, l) / np.sqrt(reference_hsic(k, k) * reference_hsic(l, l))


def reference_unbiased_hsic(k: np.ndarray, l: np.ndarray) -> float:  # noqa: E741
    """Song et al. (2012) eq. (5), written out with explicit loops-free sums."""
    n = len(k)
    kt = k - np.diag(np.diag(k))
    lt = l - np.diag(np.diag(l))
    one = np.ones(n)
    value = (
        np.trace(kt @ lt)
        + (one @ kt @ one) * (one @ lt @ one) / ((n - 1) * (n - 2))
        - 2 / (n - 2) * (one @ kt @ lt @ one)
    )
    return float(value / (n * (n - 3)))


def test_linear_cka_matches_the_papers_kernel_formula():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 7, 7, 3))
    y = np.tanh(x.reshape(60, -1) @ rng.normal(size=(147, 20))) + 0.3 * rng.normal(size=(60, 20))
    assert linear_cka(x, y) == pytest.approx(reference_cka(x, y), rel=1e-9)
    assert 0.0 < linear_cka(x, y) < 1.0


def test_unbiased_hsic_matches_song_et_al():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(30, 8)), rng.normal(size=(30, 5))
    k, l = gram(a), gram(b)  # noqa: E741
    assert unbiased_hsic(k, l) == pytest.approx(reference_unbiased_hsic(k, l), rel=1e-9)
    with pytest.raises(ValueError):
        unbiased_hsic(k[:3, :3], l[:3, :3])


def test_minibatch_cka_approaches_the_full_cka():
    """Unbiased minibatch estimates converge to the full-data CKA (Nguyen et al., 2021)."""
    rng = np.random.default_rng(2)
    n = 1000
    x = rng.normal(size=(n, 40))
    layers_b = [x @ rng.normal(size=(40, 30)), np.tanh(x[:, :10]) + rng.normal(size=(n, 10)),
                rng.normal(size=(n, 25))]  # fmt: skip
    acc = MinibatchCKA(1, len(layers_b))
    for start, stop in batch_bounds(n, 250):
        acc.update([x[start:stop]], [f[start:stop] for f in layers_b])
    values = acc.result()[0]
    for value, y in zip(values[:2], layers_b[:2], strict=True):
        assert value == pytest.approx(linear_cka(x, y), abs=0.03)
    # independent features: the paper's biased estimate stays above 0 at finite n (~0.03 here),
    # the unbiased minibatch estimate does not
    assert values[0] > 0.5 and abs(values[2]) < 0.01 < linear_cka(x, layers_b[2])


def test_batch_bounds_never_leave_a_batch_too_small():
    assert batch_bounds(1000, 250) == [(0, 250), (250, 500), (500, 750), (750, 1000)]
    assert batch_bounds(502, 250) == [(0, 250), (250, 502)]
    assert batch_bounds(10, 250) == [(0, 10)]


@pytest.fixture(scope="module")
def tiny_vgg():

    import keras

    return keras.models.load_model(ROOT / "model_zoo" / "tiny_vgg" / "model.keras")


@pytest.fixture(scope="module")
def test_images():
    from datasets.registry import get_dataset

    images, _ = get_dataset("fashion-mnist").load("test")
    return images[:300]


def _run(model, images):
    from worker.inputs.input_spec import InputSpec
    from worker.inputs.preprocessing import prepare_batch
    from worker.techniques.activations import ActivationExtractor

    extractor = ActivationExtractor(model)
    spec = InputSpec.from_dict(json_spec())
    return extractor, spec, extractor.run_batch(prepare_batch(images, spec))


def json_spec():
    import json

    manifest = json.loads((ROOT / "model_zoo" / "tiny_vgg" / "manifest.json").read_text())
    return manifest["input"]


def test_a_network_against_itself_has_a_diagonal_of_one(tiny_vgg, test_images):
    from worker.techniques.comparison import layer_similarity

    extractor, spec, _ = _run(tiny_vgg, test_images[:8])
    positions = list(range(len(extractor.layers)))
    values = layer_similarity(extractor, spec, extractor, spec, test_images, positions,
                              positions, batch=100)  # fmt: skip
    assert np.allclose(np.diag(values), 1.0, atol=1e-9)
    assert np.allclose(values, values.T, atol=1e-9)
    # the whole matrix agrees with the full-batch formula
    _, _, outputs = _run(tiny_vgg, test_images)
    assert values[0, -1] == pytest.approx(reference_cka(outputs[0], outputs[-1]), abs=0.05)


def test_an_orthogonal_rotation_of_a_layers_channels_leaves_cka_unchanged(tiny_vgg, test_images):
    _, _, outputs = _run(tiny_vgg, test_images[:200])
    conv = outputs[0]  # H × W × C
    rotation, _ = np.linalg.qr(np.random.default_rng(3).normal(size=(conv.shape[-1],) * 2))
    rotated = conv @ rotation  # every pixel's channel vector turned the same way
    assert not np.allclose(rotated, conv)
    for other in (outputs[0], outputs[3], outputs[-1]):
        before = MinibatchCKA(1, 1)
        after = MinibatchCKA(1, 1)
        for start, stop in batch_bounds(200, 50):
            before.update([conv[start:stop]], [other[start:stop]])
            after.update([rotated[start:stop]], [other[start:stop]])
        assert after.result()[0, 0] == pytest.approx(before.result()[0, 0], abs=1e-6)
        assert reference_cka(rotated, other) == pytest.approx(reference_cka(conv, other), abs=1e-6)


def test_a_random_network_is_unlike_the_trained_one(tiny_vgg, test_images):
    import keras

    from worker.techniques.comparison import layer_similarity

    keras.utils.set_random_seed(0)
    scrambled = keras.models.clone_model(tiny_vgg)  # same layers, fresh random weights
    scrambled.build(tiny_vgg.input_shape)
    trained, spec, _ = _run(tiny_vgg, test_images[:8])
    random_net, _, _ = _run(scrambled, test_images[:8])
    last = len(trained.layers) - 1
    values = layer_similarity(trained, spec, random_net, spec, test_images, [last], [last],
                              batch=100)  # fmt: skip
    itself = layer_similarity(trained, spec, trained, spec, test_images, [last], [last],
                              batch=100)  # fmt: skip
    assert itself[0, 0] == pytest.approx(1.0)
    assert values[0, 0] < 0.5
