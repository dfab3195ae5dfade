"""Creating comparisons of two networks (or two epochs of one) and running them.

The test-split comparison is built from the two networks' evaluations (their stored
probabilities.npy; an evaluation not yet computed is computed and stored for Evaluate too); a
network at a training epoch has no evaluation, so its probabilities are computed here. The
layer similarity runs both networks over the same seeded sample of test images
(worker/techniques/comparison.py). The web process checks requests and serves stored files."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import transaction

from backend.comparisons.models import Comparison, ComparisonKind, ComparisonResult
from backend.core import media
from backend.core.results import store_result
from backend.jobs import costs
from backend.jobs import services as jobs
from backend.jobs.models import JobKind, JobStatus
from backend.networks.models import Network

TASK = "comparisons.run_comparison"
DEFAULT_IMAGES = 1000
MAX_IMAGES = 10000


class RequestInvalid(ValueError):
    """A request the worker cannot run as asked (answered 400 with this sentence)."""


def _label(network: Network, epoch: int) -> str:
    name = network.title or network.name
    return f"{name} (epoch {epoch})" if epoch else name


def _epoch(network: Network, epoch: int | None, side: str) -> int:
    try:
        return network.resolve_epoch(epoch)
    except ValueError as exc:
        raise RequestInvalid(f"Network {side} ({network.name}): {exc}") from exc


def _test_size(network: Network) -> int:
    from datasets.registry import get_dataset

    splits = get_dataset(network.dataset.name).manifest.get("splits") or {}
    return int(splits.get("test") or 0)


def _layers(network: Network, wanted, side: str) -> list[str]:
    names = [layer["name"] for layer in network.layers]
    if not wanted:
        return names
    if not isinstance(wanted, list) or not all(isinstance(n, str) for n in wanted):
        raise RequestInvalid(f"layers_{side.lower()} must be a list of layer names.")
    unknown = [n for n in wanted if n not in names]
    if unknown:
        raise RequestInvalid(f"Network {side} has no layer {unknown[0]!r}.")
    return [n for n in names if n in wanted]  # in network order, each once


def clean_params(network_a: Network, network_b: Network, kind: str, data: dict) -> dict:
    """The complete, checked request (its cache key): versions, weights, epochs, dataset, N and
    layers. RequestInvalid with a sentence saying what to change."""
    epoch_a = _epoch(network_a, data.get("epoch_a"), "A")
    epoch_b = _epoch(network_b, data.get("epoch_b"), "B")
    if network_a.pk == network_b.pk and epoch_a == epoch_b:
        raise RequestInvalid("Choose two different networks, or two different epochs of one.")
    if network_a.dataset is None:
        raise RequestInvalid(
            f"{network_a.name} has no dataset linked, so there are no test images to compare on."
        )
    if kind == ComparisonKind.TEST_SPLIT:
        if network_b.dataset_id != network_a.dataset_id:
            raise RequestInvalid(
                f"{network_a.name} was trained on {network_a.dataset.name} and {network_b.name} "
                f"on {network_b.dataset.name if network_b.dataset else 'no linked dataset'}: "
                "the test-split comparison needs two networks of the same dataset (the layer "
                "similarity does not)."
            )
        if list(network_a.labels) != list(network_b.labels):
            raise RequestInvalid("The two networks name their classes differently.")
    else:
        spec_a, spec_b = network_a.input_spec or {}, network_b.input_spec or {}
        if spec_a.get("channels") != spec_b.get("channels"):
            raise RequestInvalid(
                "The two networks take pictures with different numbers of colour channels, "
                "so they cannot be shown the same test images."
            )
    available = _test_size(network_a)
    if kind == ComparisonKind.TEST_SPLIT:
        images = available
    else:
        images = data.get("images") or DEFAULT_IMAGES
        if (
            isinstance(images, bool)
            or not isinstance(images, int)
            or not 10 <= images <= MAX_IMAGES
        ):
            raise RequestInvalid(f"images must be a whole number from 10 to {MAX_IMAGES:,}.")
        images = min(images, available)
    try:
        costs.fit_comparison(network_a, network_b, images, TASK,
                             layers=kind == ComparisonKind.LAYER_SIMILARITY)  # fmt: skip
    except costs.TooCostly as exc:
        raise RequestInvalid(str(exc)) from exc

    def side(network: Network, epoch: int) -> dict:
        return {"network": network.name, "version": network.version,
                "weights_sha256": network.weights_sha256, "epoch": epoch}  # fmt: skip

    params = {
        "kind": kind,
        "a": side(network_a, epoch_a),
        "b": side(network_b, epoch_b),
        "dataset": network_a.dataset.name,
        "images": images,
    }
    if kind == ComparisonKind.LAYER_SIMILARITY:
        params["layers_a"] = _layers(network_a, data.get("layers_a"), "A")
        params["layers_b"] = _layers(network_b, data.get("layers_b"), "B")
    return params


def params_key(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def find_result(key: str) -> ComparisonResult | None:
    result = ComparisonResult.objects.filter(params_key=key).first()
    if result is not None and not result.is_stored():
        result.delete()  # its files are gone: compute again
        return None
    return result


def create_comparison(owner, network_a: Network, network_b: Network, data: dict) -> Comparison:
    """A row first; a stored result for the same versions, epochs, dataset, N and layers is
    reused without queueing anything."""
    kind = data.get("kind") or ComparisonKind.LAYER_SIMILARITY
    params = clean_params(network_a, network_b, kind, data)
    cached = find_result(params_key(params))
    with transaction.atomic():
        if cached is not None:
            job = jobs.create_job(owner, JobKind.COMPARISON, status=JobStatus.SUCCEEDED,
                                  message="Reused a stored result.")  # fmt: skip
        else:
            job = jobs.create_job(owner, JobKind.COMPARISON)
        comparison = Comparison.objects.create(
            owner=owner, kind=kind, network_a=network_a, network_b=network_b,
            epoch_a=params["a"]["epoch"], epoch_b=params["b"]["epoch"], params=params,
            job=job, result=cached,
        )  # fmt: skip
    if cached is None:
        jobs.enqueue(job, TASK)
    return comparison


def result_directory(key: str) -> str:
    return str(Path("comparisons") / key[:24])


def _evaluation_probabilities(network: Network, progress=None):
    """The network's stored evaluation (computed and stored now if it has none)."""
    import numpy as np

    from backend.evaluations import services as evaluations
    from backend.evaluations.models import DatasetViewKind, DatasetViewResult

    kind = DatasetViewKind.EVALUATION
    key = evaluations.params_key({})
    result = evaluations.find_result(network, kind, key)
    if result is None:
        directory = evaluations.result_directory(network, kind, key)
        summary = evaluations.compute(network, kind, {}, Path(settings.MEDIA_ROOT) / directory,
                                      progress=progress)  # fmt: skip
        media.publish(directory)
        result = store_result(
            DatasetViewResult, {"network": network, "kind": kind, "params_key": key},
            {"params": {}, "directory": directory, "summary": summary},
        )  # fmt: skip
    probabilities = np.load(result.file("probabilities.npy"), allow_pickle=False)
    labels = np.load(result.file("labels.npy"), allow_pickle=False)
    return probabilities, labels


def _probabilities(network: Network, epoch: int, progress=None):
    if not epoch:
        return _evaluation_probabilities(network, progress)
    from datasets.registry import get_dataset
    from worker.techniques.comparison import probabilities_of

    handle = network.compute_handle()
    images, labels = get_dataset(network.dataset.name).load("test")
    return probabilities_of(handle.extractor_at(epoch), handle.input_spec, images,
                            progress=progress), labels  # fmt: skip


def compute(comparison: Comparison, out_dir: Path, progress=None) -> dict:
    """Run one comparison, write its files atomically, return its summary."""
    import time

    import numpy as np

    from worker.techniques.attribution.run import write_arrays
    from worker.techniques.progress import scaled

    started = time.perf_counter()
    a, b = comparison.network_a, comparison.network_b
    params = comparison.params
    if comparison.kind == ComparisonKind.TEST_SPLIT:
        from worker.techniques.comparison import compare_predictions

        pa, labels = _probabilities(a, comparison.epoch_a, scaled(progress, 0.0, 0.5))
        pb, labels_b = _probabilities(b, comparison.epoch_b, scaled(progress, 0.5, 1.0))
        if not np.array_equal(labels, labels_b):
            raise ValueError("The two evaluations were made on different test images.")
        summary = compare_predictions(pa, pb, labels, a.labels)
        write_arrays(out_dir, {"probabilities_a.npy": pa, "probabilities_b.npy": pb,
                               "labels.npy": labels.astype(np.int32)})  # fmt: skip
    else:
        from backend.evaluations.services import subset_indices
        from datasets.registry import get_dataset
        from worker.techniques.comparison import layer_similarity

        images, _ = get_dataset(params["dataset"]).load("test")
        images = images[subset_indices(len(images), params["images"])]
        ha, hb = a.compute_handle(), b.compute_handle()
        extractor_a = ha.extractor_at(comparison.epoch_a)
        extractor_b = hb.extractor_at(comparison.epoch_b)
        names_a = [layer["name"] for layer in extractor_a.layers]
        names_b = [layer["name"] for layer in extractor_b.layers]
        values = layer_similarity(
            extractor_a, ha.input_spec, extractor_b, hb.input_spec, images,
            [names_a.index(n) for n in params["layers_a"]],
            [names_b.index(n) for n in params["layers_b"]], progress=progress,
        )  # fmt: skip
        write_arrays(out_dir, {"cka.npy": values.astype(np.float32)})
        summary = {
            "layers_a": params["layers_a"],
            "layers_b": params["layers_b"],
            "cka": [[round(float(v), 4) for v in row] for row in values],
            "images": params["images"],
        }
    summary["label_a"] = _label(a, comparison.epoch_a)
    summary["label_b"] = _label(b, comparison.epoch_b)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary
