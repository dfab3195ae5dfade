"""One picture's neighbourhood: codes sampled around its VAE code, the paths from it to the
mean codes of its true and its predicted class, every one decoded and labelled by the network
(the teacher), and a linear student fitted on the neighbours.

The pictures are stored as .npy (``neighbours.npy``, ``path.npy``: uint8 N×H×W×C); everything
else (codes, labels, the student's weights and fidelity) is in the returned summary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from worker.techniques.neighbourhood.files import NEIGHBOURS_FILE, PATH_FILE, VERSION
from worker.techniques.neighbourhood.student import fit_student
from worker.techniques.neighbourhood.vae import Vae
from worker.techniques.progress import Progress, tell

FEW = 5  # fewer neighbours of a class than this: its student weights are said to be shaky

Teacher = Callable[[np.ndarray], np.ndarray]  # uint8 N×H×W×C -> N×K probabilities


@dataclass(frozen=True)
class NeighbourhoodParams:
    neighbours: int = 200
    radius: float = 1.0  # in units of the prior's standard deviation (codes ~ N(0, I))
    regularisation: float = 1.0  # the student's L2 penalty
    path_steps: int = 10  # pictures from the image to each class mean (excluding the image)
    seed: int = 0

    LIMITS = {"neighbours": (20, 1000), "radius": (0.05, 5.0), "regularisation": (1e-4, 1e4)}

    def check(self) -> None:
        """ValueError with a sentence for a setting out of range."""
        for name, (low, high) in self.LIMITS.items():
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"{name} must be between {low:g} and {high:g}; got {value:g}.")


def _rounded(array: np.ndarray, digits: int = 4) -> list:
    return np.round(np.asarray(array, np.float64), digits).tolist()


def _path(start: np.ndarray, end: np.ndarray | None, steps: int) -> np.ndarray:
    if end is None:
        return np.zeros((0, start.size), np.float32)
    t = np.linspace(0.0, 1.0, steps + 1)[1:, None]
    return (start[None] + t * (end - start)[None]).astype(np.float32)


def _pixel_image(weights: np.ndarray | None, shape: Sequence[int]) -> list | None:
    """A student's weight row as an H×W image (colour channels averaged)."""
    if weights is None:
        return None
    return _rounded(weights.reshape(shape).mean(axis=-1), 5)


def explore(
    vae: Vae,
    teacher: Teacher,
    image: np.ndarray,
    true_label: int,
    class_names: Sequence[str],
    params: NeighbourhoodParams,
    progress: Progress | None = None,
) -> tuple[dict, dict[str, np.ndarray]]:
    """The summary and the arrays (pictures) of ``image``'s neighbourhood."""
    params.check()
    rng = np.random.default_rng(params.seed)
    shape = tuple(image.shape)
    tell(progress, 0.05, "Encoding the picture", stage="encoding")
    own_probs = teacher(image[None])[0]
    predicted = int(np.argmax(own_probs))
    code = vae.encode(image[None])[0]
    to_true = _path(code, vae.class_mean(true_label), params.path_steps)
    to_pred = (
        _path(code, vae.class_mean(predicted), params.path_steps)
        if predicted != true_label
        else _path(code, None, 0)
    )  # noqa: E501
    # One path through the picture: the true class's mean ... the picture ... the predicted's.
    path_codes = np.concatenate([to_true[::-1], code[None], to_pred])
    eps = rng.standard_normal((params.neighbours, code.size)).astype(np.float32)
    codes = code[None] + np.float32(params.radius) * eps

    tell(progress, 0.2, f"Drawing {params.neighbours} neighbours", stage="decoding")
    pictures = vae.decode(codes)
    path_pictures = vae.decode(path_codes)
    reconstruction = path_pictures[len(to_true)]
    tell(progress, 0.45, "Labelling the neighbours with the network", stage="labelling")
    probs = teacher(pictures)
    path_probs = teacher(path_pictures)
    labels = np.argmax(probs, axis=1)
    path_labels = np.argmax(path_probs, axis=1)

    tell(progress, 0.7, "Fitting the student", stage="fitting")
    flat = pictures.reshape(len(pictures), -1).astype(np.float64) / 255.0
    student = fit_student(flat, labels, params.regularisation, params.seed)

    # Where each neighbour lies along the true → predicted direction (0 at the picture).
    direction = (to_pred[-1] - to_true[-1]) if len(to_pred) and len(to_true) else None
    if direction is not None and np.linalg.norm(direction) > 0:
        unit = direction / np.linalg.norm(direction)
        position = (codes - code[None]) @ unit
        path_position = (path_codes - code[None]) @ unit
    else:
        position = np.zeros(len(codes))
        path_position = np.arange(len(path_codes)) - len(to_true)

    counts = np.bincount(labels, minlength=len(own_probs))
    recon_label = int(path_labels[len(to_true)])
    notes = plain_notes(counts, student.classes, true_label, predicted, recon_label, class_names)
    summary = {
        "version": VERSION,
        "params": {
            k: getattr(params, k)
            for k in ("neighbours", "radius", "regularisation", "path_steps", "seed")
        },  # fmt: skip
        "classes": list(class_names),
        "true_label": int(true_label),
        "predicted": predicted,
        "probabilities": _rounded(own_probs, 5),
        "image_shape": list(shape),
        "latent": int(code.size),
        "code": _rounded(code),
        "reconstruction_label": recon_label,
        "reconstruction_error": round(
            float(np.mean((reconstruction / 255.0 - image / 255.0) ** 2)), 6
        ),
        "neighbours": {
            "codes": _rounded(codes),
            "labels": labels.astype(int).tolist(),
            "confidence": _rounded(probs.max(axis=1), 4),
            "position": _rounded(position),
            "counts": counts.astype(int).tolist(),
        },
        "path": {
            "codes": _rounded(path_codes),
            "labels": path_labels.astype(int).tolist(),
            "confidence": _rounded(path_probs.max(axis=1), 4),
            "position": _rounded(path_position),
            "image_index": len(to_true),  # the picture's own code on the path
        },
        "student": {
            "classes": student.classes,
            "fidelity": None if student.fidelity is None else round(student.fidelity, 4),
            "train_agreement": round(student.train_agreement, 4),
            "held_out": student.held_out,
            "weights": {
                "true": _pixel_image(_row(student, true_label), shape),
                "predicted": _pixel_image(_row(student, predicted), shape),
                "push": _pixel_image(student.push(predicted, true_label), shape),
            },
        },
        "notes": notes,
    }
    tell(progress, 1.0, "Done", stage="done")
    return summary, {NEIGHBOURS_FILE: pictures, PATH_FILE: path_pictures}


def plain_notes(
    counts: np.ndarray,
    student_classes: list[int],
    true_label: int,
    predicted: int,
    recon_label: int,
    class_names: Sequence[str],
) -> list[str]:
    """Sentences that say when the view's reading is weak: one label only, a class missing or
    with very few neighbours, or a VAE copy the network answers differently."""
    neighbours = int(np.sum(counts))
    notes = []
    if len(student_classes) == 1:
        notes.append(
            f"All {neighbours} neighbours were labelled "
            f"{class_names[student_classes[0]]}: nothing nearby changes the network's answer. "
            "Increase the radius to reach a border between classes."
        )
    elif predicted != true_label and not {predicted, true_label} <= set(student_classes):
        missing = [c for c in (predicted, true_label) if c not in student_classes]
        notes.append(
            f"No neighbour was labelled {class_names[missing[0]]}, so the student cannot say "
            "which pixels separate the two classes. Increase the radius."
        )
    few = [c for c in dict.fromkeys((true_label, predicted)) if 0 < counts[c] < FEW]
    if len(student_classes) > 1 and few:
        named = " and ".join(f"{counts[c]} {class_names[c]}" for c in few)
        notes.append(
            f"Only {named} among the {neighbours} neighbours: the student's weights for "
            "that class rest on very few pictures. Increase the radius or the neighbours."
        )
    if recon_label != predicted:
        notes.append(
            f"The VAE's copy of the picture is labelled {class_names[recon_label]}, not "
            f"{class_names[predicted]}: the neighbourhood is that of a slightly different picture."
        )
    return notes


def _row(student, label: int) -> np.ndarray | None:
    if label not in student.classes or len(student.classes) < 2:
        return None
    return student.weights[student.classes.index(label)]


def write_neighbourhood(summary: dict, arrays: dict[str, np.ndarray], out_dir: Path) -> dict:
    from worker.techniques.attribution.run import write_arrays

    write_arrays(out_dir, arrays)
    return summary
