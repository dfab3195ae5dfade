"""The neighbourhood view's compute (worker/techniques/neighbourhood): the linear student
against planted linear teachers, and one picture's neighbourhood re-checked from its stored
pictures with an independent teacher."""

import numpy as np
import pytest

from worker.techniques.neighbourhood.student import fit_student


def _planted(classes: int, pixels: int, n: int, seed: int):
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal((classes, pixels))
    x = rng.random((n, pixels))
    scores = x @ weights.T
    bias = -np.median(scores, axis=0)  # every class gets a share of the points
    return weights, bias, x, np.argmax(scores + bias, axis=1)


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize("classes", [2, 3])
def test_student_recovers_a_planted_linear_teacher(classes):
    weights, _bias, x, labels = _planted(classes, 64, 3000, seed=classes)
    student = fit_student(x, labels, regularisation=0.01, seed=0)
    assert student.classes == list(range(classes))
    for towards in range(1, classes):
        planted = weights[towards] - weights[0]
        assert _cosine(student.push(towards, 0), planted) >= 0.9
    assert student.fidelity >= 0.9
    assert student.held_out == 750


def test_fidelity_is_agreement_on_the_held_out_neighbours():
    _w, _b, x, labels = _planted(3, 16, 400, seed=7)
    noisy = labels.copy()
    noisy[::5] = (noisy[::5] + 1) % 3  # a teacher no line can follow everywhere
    student = fit_student(x, noisy, regularisation=1.0, seed=3)
    held = np.random.default_rng(3).permutation(400)[:100]
    assert student.fidelity == pytest.approx(np.mean(student.predict(x[held]) == noisy[held]))
    assert student.fidelity < 1.0


def test_a_single_label_gives_a_student_without_direction():
    x = np.random.default_rng(0).random((50, 8))
    student = fit_student(x, np.full(50, 4))
    assert student.classes == [4]
    assert student.push(4, 2) is None
    assert (student.predict(x) == 4).all() and student.fidelity == 1.0


def test_regularisation_must_be_positive():
    with pytest.raises(ValueError, match="greater than 0"):
        fit_student(np.zeros((10, 2)), np.arange(10) % 2, regularisation=0)


@pytest.fixture(scope="module")
def digits_vae():
    from model_zoo.vae.store import zoo_vae
    from worker.techniques.neighbourhood.vae import Vae

    return Vae(zoo_vae("digits").directory)


class LinearTeacher:
    """softmax(W·pixels + b) on uint8 pictures: a teacher whose answer we can recompute."""

    def __init__(self, shape, classes=10, seed=0):
        rng = np.random.default_rng(seed)
        self.weights = rng.standard_normal((classes, int(np.prod(shape)))) * 0.2
        self.bias = np.zeros(classes)

    def __call__(self, images: np.ndarray) -> np.ndarray:
        scores = images.reshape(len(images), -1) / 255.0 @ self.weights.T + self.bias
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        return scores / scores.sum(axis=1, keepdims=True)


def test_a_pictures_neighbourhood_is_what_its_stored_pictures_say(digits_vae):
    from datasets.registry import get_dataset
    from worker.techniques.neighbourhood.view import NeighbourhoodParams, explore

    images, labels = get_dataset("digits").load("test")
    teacher = LinearTeacher(images.shape[1:])
    params = NeighbourhoodParams(neighbours=120, radius=1.5, path_steps=6, seed=4)
    summary, arrays = explore(
        digits_vae, teacher, images[3], int(labels[3]), [str(d) for d in range(10)], params
    )
    pictures, path = arrays["neighbours.npy"], arrays["path.npy"]
    assert pictures.shape == (120, 8, 8, 1) and pictures.dtype == np.uint8
    # The teacher's labels are the teacher's answers on the stored pictures.
    assert summary["neighbours"]["labels"] == np.argmax(teacher(pictures), axis=1).tolist()
    assert summary["path"]["labels"] == np.argmax(teacher(path), axis=1).tolist()
    assert summary["predicted"] == int(np.argmax(teacher(images[3:4])))
    # Codes: drawn around the picture's code, decoded into the stored pictures.
    code = digits_vae.encode(images[3:4])[0]
    codes = np.asarray(summary["neighbours"]["codes"])
    np.testing.assert_allclose(summary["code"], code, atol=1e-4)
    assert np.abs(codes - code).mean() == pytest.approx(1.5 * np.sqrt(2 / np.pi), rel=0.15)
    np.testing.assert_array_equal(digits_vae.decode(codes[:5]), pictures[:5])
    # The path runs from the true class's mean through the picture (to the predicted's).
    path_codes = np.asarray(summary["path"]["codes"])
    np.testing.assert_allclose(path_codes[0], digits_vae.class_mean(int(labels[3])), atol=1e-4)
    np.testing.assert_allclose(path_codes[summary["path"]["image_index"]], code, atol=1e-4)
    # The student was fitted on these pictures with these labels.
    student = fit_student(
        pictures.reshape(120, -1) / 255.0, np.asarray(summary["neighbours"]["labels"]), 1.0, 4
    )
    assert summary["student"]["fidelity"] == pytest.approx(student.fidelity, abs=1e-4)
    assert summary["student"]["classes"] == student.classes


def test_settings_out_of_range_are_refused():
    from worker.techniques.neighbourhood.view import NeighbourhoodParams

    with pytest.raises(ValueError, match="radius must be between"):
        NeighbourhoodParams(radius=9).check()
    with pytest.raises(ValueError, match="neighbours must be between"):
        NeighbourhoodParams(neighbours=5000).check()


def test_notes_say_when_the_reading_is_weak():
    from worker.techniques.neighbourhood.view import plain_notes

    names = ["T-shirt", "Trouser", "Shirt"]
    counts = np.array([190, 9, 1])
    notes = plain_notes(counts, [0, 1, 2], 2, 0, 0, names)
    assert notes == [
        "Only 1 Shirt among the 200 neighbours: the student's weights for that class rest on "
        "very few pictures. Increase the radius or the neighbours."
    ]
    assert plain_notes(np.array([150, 50, 0]), [0, 1], 2, 0, 0, names)[0].startswith(
        "No neighbour was labelled Shirt"
    )
    assert plain_notes(np.array([200, 0, 0]), [0], 2, 0, 0, names)[0].startswith(
        "All 200 neighbours were labelled T-shirt"
    )
    assert plain_notes(np.array([100, 50, 50]), [0, 1, 2], 2, 0, 1, names) == [
        "The VAE's copy of the picture is labelled Trouser, not T-shirt: the neighbourhood is "
        "that of a slightly different picture."
    ]
