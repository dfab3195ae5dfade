"""Neighbourhood view benchmark (issue 21): the job's stages for 200 neighbours of a
misclassified Fashion-MNIST test picture — encode, sample, decode (200 neighbours and the
21-picture path), label with the network, fit the student — and the whole ``explore`` call,
for both zoo networks as the teacher.

Run in the worker's TensorFlow settings. Django-free:
``.venv/bin/python bench/neighbourhood_bench.py`` prints a markdown section.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

from worker.runtime.tf_env import configure_worker_process  # noqa: E402

LANES = configure_worker_process()
RUNS = 5
NEIGHBOURS = 200


def _median(fn, runs: int) -> tuple[float, object]:
    fn()  # warm-up: traces the functions
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def bench_teacher(name: str, folder: str, vae, images, labels, runs: int) -> str:
    import json

    from worker.inputs.input_spec import InputSpec
    from worker.inputs.preprocessing import prepare_batch
    from worker.runtime.model_loading import load_keras_model
    from worker.techniques.attribution.model import AttributionModel
    from worker.techniques.neighbourhood.student import fit_student
    from worker.techniques.neighbourhood.view import NeighbourhoodParams, explore

    manifest = json.loads((ROOT / "model_zoo" / folder / "manifest.json").read_text())
    spec = InputSpec.from_dict(manifest["input"])
    model = AttributionModel(load_keras_model(ROOT / "model_zoo" / folder / "model.keras"))

    def teacher(pictures):
        return model.probabilities(prepare_batch(pictures, spec))

    wrong = int(np.flatnonzero(np.argmax(teacher(images[:500]), 1) != labels[:500])[0])
    image, label = images[wrong], int(labels[wrong])
    encode, code = _median(lambda: vae.encode(image[None])[0], runs)
    rng = np.random.default_rng(0)
    sample, codes = _median(
        lambda: code + rng.standard_normal((NEIGHBOURS, code.size)).astype("f4"), runs
    )
    codes = np.concatenate([codes, np.repeat(code[None], 21, axis=0)])
    decode, pictures = _median(lambda: vae.decode(codes), runs)
    label_time, probs = _median(lambda: teacher(pictures), runs)
    flat = pictures[:NEIGHBOURS].reshape(NEIGHBOURS, -1) / 255.0
    answers = np.argmax(probs[:NEIGHBOURS], 1)
    fit, _ = _median(lambda: fit_student(flat, answers), runs)
    params = NeighbourhoodParams(neighbours=NEIGHBOURS)
    whole, (summary, _) = _median(
        lambda: explore(vae, teacher, image, label, manifest["labels"], params), runs
    )
    fidelity = summary["student"]["fidelity"]
    return (
        f"| `{name}` (picture {wrong}) | {encode * 1e3:.1f} | {sample * 1e3:.2f} | "
        f"{decode * 1e3:.1f} | {label_time * 1e3:.1f} | {fit * 1e3:.1f} | {whole * 1e3:.1f} | "
        f"{'—' if fidelity is None else f'{fidelity:.0%}'} |"
    )


def run(runs: int = RUNS) -> list[str]:

    import tensorflow as tf

    from datasets.registry import get_dataset
    from model_zoo.vae.store import zoo_vae
    from worker.techniques.neighbourhood.vae import Vae

    vae = Vae(zoo_vae("fashion-mnist").directory)
    images, labels = get_dataset("fashion-mnist").load("test")
    lines = [
        "",
        "## Neighbourhood view",
        "",
        f"Why was this misclassified? (issue 21): the job's stages for {NEIGHBOURS} neighbours of "
        "the first Fashion-MNIST test picture each network gets wrong (8-dimensional VAE, "
        f"radius 1, path of 21 pictures). Median of {runs} warm runs; TensorFlow "
        f"{tf.__version__}, {LANES} lane(s). The job adds loading (cached per worker) and "
        "writing two small .npy files.",
        "",
        "| teacher | encode (ms) | sample (ms) | decode 221 (ms) | label 221 (ms) "
        "| fit student (ms) | whole `explore` (ms) | fidelity |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, folder in (("tiny-vgg", "tiny_vgg"), ("deep-bn", "deep_bn")):
        lines.append(bench_teacher(name, folder, vae, images, labels, runs))
    return lines


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    args = parser.parse_args()
    print("\n".join(run(args.runs)))


if __name__ == "__main__":
    main()
