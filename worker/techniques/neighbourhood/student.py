"""The student: a multinomial logistic regression (one linear layer) fitted on neighbours'
pixels with the teacher's labels. Its weights say which pixels push the teacher towards each
class near this picture; its fidelity (agreement with the teacher on held-out neighbours)
says how far to trust that reading."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

HELD_OUT = 0.25


@dataclass
class Student:
    classes: list[int]  # the teacher's labels seen among the neighbours, ascending
    weights: np.ndarray  # len(classes) × P (one row per class)
    bias: np.ndarray  # len(classes)
    fidelity: float | None  # agreement with the teacher on held-out neighbours
    train_agreement: float
    held_out: int

    def predict(self, pixels: np.ndarray) -> np.ndarray:
        """The student's label for each row of ``pixels`` (N × P)."""
        if len(self.classes) == 1:
            return np.full(len(pixels), self.classes[0])
        scores = pixels @ self.weights.T + self.bias
        return np.asarray(self.classes)[np.argmax(scores, axis=1)]

    def push(self, towards: int, away_from: int) -> np.ndarray | None:
        """The pixel weights that push the student towards class ``towards`` rather than
        ``away_from`` (the difference of their rows: softmax weights are defined up to a
        shared offset, their differences are not); None when either class is missing."""
        if towards not in self.classes or away_from not in self.classes:
            return None
        rows = {c: i for i, c in enumerate(self.classes)}
        return self.weights[rows[towards]] - self.weights[rows[away_from]]


def fit_student(
    pixels: np.ndarray, labels: np.ndarray, regularisation: float = 1.0, seed: int = 0
) -> Student:
    """Fit on 75% of the neighbours (seeded), measure agreement on the other 25%.

    ``pixels`` N × P in [0, 1], ``labels`` the teacher's; ``regularisation`` is the L2 penalty
    (scikit-learn's C = 1 / regularisation)."""
    from sklearn.linear_model import LogisticRegression

    pixels = np.asarray(pixels, np.float64)
    labels = np.asarray(labels).astype(int)
    if regularisation <= 0:
        raise ValueError("The regularisation must be greater than 0.")
    classes = sorted(set(labels.tolist()))
    order = np.random.default_rng(seed).permutation(len(labels))
    held = order[: int(round(HELD_OUT * len(labels)))]
    fit = order[len(held) :]
    if len(set(labels[fit].tolist())) < 2:
        # One class only: nothing separates; every weight is zero and the student always
        # answers that class (the caller says the radius should grow).
        weights = np.zeros((len(classes), pixels.shape[1]))
        student = Student(classes, weights, np.zeros(len(classes)), None, 1.0, len(held))
    else:
        from threadpoolctl import threadpool_limits

        model = LogisticRegression(C=1.0 / regularisation, max_iter=2000, random_state=seed)
        # One BLAS thread: on a few hundred rows, threads (beside TensorFlow's) cost 10-50×.
        with threadpool_limits(1):
            model.fit(pixels[fit], labels[fit])
        weights = np.zeros((len(classes), pixels.shape[1]))
        bias = np.full(len(classes), -np.inf)  # a class unseen in the fit is never predicted
        fitted = model.classes_.tolist()
        coef = (
            model.coef_ if len(fitted) > 2 else np.vstack([-model.coef_[0] / 2, model.coef_[0] / 2])
        )
        intercept = (
            model.intercept_ if len(fitted) > 2
            else np.array([-model.intercept_[0] / 2, model.intercept_[0] / 2])
        )  # fmt: skip
        for row, cls in enumerate(fitted):
            weights[classes.index(cls)] = coef[row]
            bias[classes.index(cls)] = intercept[row]
        student = Student(classes, weights, bias, None, 0.0, len(held))
        student.train_agreement = float(np.mean(student.predict(pixels[fit]) == labels[fit]))
    if len(held):
        student.fidelity = float(np.mean(student.predict(pixels[held]) == labels[held]))
    return student
