"""Creating dataset-level views and running them. Evaluation, embeddings and top-activating
examples read the network's dataset (its test split) in the worker; the web process only
checks requests and serves stored files."""

import hashlib
import json
from pathlib import Path

from django.db import transaction

from backend.evaluations.models import DatasetView, DatasetViewKind, DatasetViewResult
from backend.jobs import costs
from backend.jobs import services as jobs
from backend.jobs.models import JobKind, JobStatus
from backend.networks.models import Network

JOB_KINDS = {
    DatasetViewKind.EVALUATION: JobKind.EVALUATION,
    DatasetViewKind.EMBEDDING: JobKind.EMBEDDING,
    DatasetViewKind.TOP_ACTIVATIONS: JobKind.TOP_ACTIVATIONS,
    DatasetViewKind.FILTER_RANKING: JobKind.FILTER_RANKING,
}
EMBED_METHODS = ("tsne", "umap", "pca")
MAX_K = 64
SUBSET_SEED = 0


class RequestInvalid(ValueError):
    """A request naming an unknown layer, method or parameter (answered 400)."""


def _dataset_name(network: Network) -> str:
    if network.dataset is None:
        raise RequestInvalid(
            "This network has no dataset linked, so there is no test split to run it on. "
            "Link one on the Models page (or: manage.py link_dataset --network NAME --dataset "
            "DATASET)."
        )
    return network.dataset.name


def _spatial_layer(network: Network, layer: str | None) -> str:
    from worker.techniques.attribution.layers import spatial_layers

    allowed = spatial_layers(network.layers)
    if not layer:
        raise RequestInvalid(f"Choose a layer: one of {', '.join(allowed)}.")
    if layer not in allowed:
        raise RequestInvalid(
            f"Layer {layer!r} has no spatial output; choose one of {', '.join(allowed)}."
        )
    return layer


def clean_params(network: Network, kind: str, data: dict) -> dict:
    """The complete, checked parameters of a request (they form its cache key)."""
    test_images = _test_size(network)
    if kind == DatasetViewKind.EVALUATION:
        _fit(network, test_images, f"Evaluating on all {test_images:,} test images")
        return {}
    if kind == DatasetViewKind.TOP_ACTIVATIONS:
        k = data.get("k") or 9
        if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_K:
            raise RequestInvalid(f"k must be a whole number from 1 to {MAX_K}.")
        layer = _spatial_layer(network, data.get("layer"))
        _fit(
            network, test_images, f"Finding the top images of {layer} among {test_images:,}",
            upto=layer, advice="Choose a layer nearer the input, or link a smaller dataset.",
        )  # fmt: skip
        return {"layer": layer, "k": k}
    if kind == DatasetViewKind.FILTER_RANKING:
        return _ranking_params(network, data)
    from worker.techniques.embedding import default_embedding_layer, normalise_embed_params

    method = data.get("method")
    if method not in EMBED_METHODS:
        raise RequestInvalid(f"method must be one of {', '.join(EMBED_METHODS)}.")
    names = [layer["name"] for layer in network.layers]
    layer = data.get("layer") or default_embedding_layer(network.layers)
    if layer not in names:
        raise RequestInvalid(f"There is no layer {layer!r} in this network.")
    subset = data.get("subset")
    if subset is not None and (isinstance(subset, bool) or not isinstance(subset, int)
                               or subset < 10):  # fmt: skip
        raise RequestInvalid("subset must be a whole number of at least 10 images.")
    try:
        params = normalise_embed_params(method, data.get("params"))
    except ValueError as exc:
        raise RequestInvalid(str(exc)) from exc
    # a subset too large to read within the time limit shrinks to one that fits
    wanted = min(subset or test_images, test_images)
    fitting = _fit(
        network, wanted, f"Reading {layer} for {wanted:,} test images", upto=layer, shrink=True,
        advice="Choose a layer nearer the input.",
    )  # fmt: skip
    if fitting < wanted:
        subset = fitting
    return {"method": method, "layer": layer, "params": params, "subset": subset}


def _test_size(network: Network) -> int:
    """How many test images the network's dataset has (0 when its manifest does not say)."""
    from datasets.registry import get_dataset

    splits = get_dataset(_dataset_name(network)).manifest.get("splits") or {}
    return int(splits.get("test") or 0)


def _fit(network: Network, images: int, what: str, **options) -> int:
    try:
        return costs.fit_dataset_pass(
            network, images, what, "evaluations.run_dataset_view", **options
        )
    except costs.TooCostly as exc:
        raise RequestInvalid(str(exc)) from exc


def _ranking_params(network: Network, data: dict) -> dict:
    from worker.techniques.filter_ranking import RANKABLE_TYPES, SAMPLE_SIZE, SEED, SUBSET_SIZE

    allowed = [layer["name"] for layer in network.layers if layer.get("type") in RANKABLE_TYPES]
    layer = data.get("layer")
    if layer not in allowed:
        raise RequestInvalid(
            f"Choose a convolution layer: one of {', '.join(allowed) or '(none)'}."
        )
    subset = data.get("subset") or SUBSET_SIZE
    if isinstance(subset, bool) or not isinstance(subset, int) or not 10 <= subset <= 10000:
        raise RequestInvalid("subset must be a whole number of test images from 10 to 10000.")
    try:
        subset = costs.fit_ranking_subset(
            network, layer, SAMPLE_SIZE, subset, "evaluations.run_dataset_view"
        )
    except costs.TooCostly as exc:
        raise RequestInvalid(str(exc)) from exc
    return {"layer": layer, "subset": subset, "sample": SAMPLE_SIZE, "seed": SEED}


def params_key(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def find_result(network: Network, kind: str, key: str) -> DatasetViewResult | None:
    result = DatasetViewResult.objects.filter(network=network, kind=kind, params_key=key).first()
    if result is not None and not result.is_stored():
        result.delete()  # its files are gone: compute again
        return None
    return result


def create_dataset_view(owner, network: Network, kind: str, data: dict) -> DatasetView:
    """A row first; a stored result for the same network version and parameters is reused."""
    params = clean_params(network, kind, data)
    cached = find_result(network, kind, params_key(params))
    with transaction.atomic():
        if cached is not None:
            job = jobs.create_job(
                owner, JOB_KINDS[kind], status=JobStatus.SUCCEEDED,
                message="Reused a stored result.",
            )  # fmt: skip
        else:
            job = jobs.create_job(owner, JOB_KINDS[kind])
        view = DatasetView.objects.create(
            owner=owner, network=network, kind=kind, params=params, job=job, result=cached
        )
    if cached is None:
        jobs.enqueue(job, "evaluations.run_dataset_view")
    return view


def result_directory(network: Network, kind: str, key: str) -> str:
    return str(Path("dataset-views") / f"{network.name}-v{network.version}" / f"{kind}-{key[:20]}")


def _model_and_data(network: Network):
    from datasets.registry import get_dataset
    from worker.inputs.preprocessing import prepare_batch

    handle = network.compute_handle()
    model = handle.attribution_model()
    images, labels = get_dataset(_dataset_name(network)).load("test")
    return model, handle.input_spec, images, labels, prepare_batch


def compute(network: Network, kind: str, params: dict, out_dir: Path, progress=None) -> dict:
    """Run one dataset-level view and write its files atomically; return its summary."""
    import numpy as np

    from worker.techniques.attribution.run import write_arrays

    model, spec, images, labels, prepare_batch = _model_and_data(network)
    if kind == DatasetViewKind.EVALUATION:
        from worker.techniques.evaluation import evaluate

        output = evaluate(model, images, labels, spec, progress=progress)
        write_arrays(out_dir, {
            "probabilities.npy": output.probabilities.astype(np.float32),
            "predictions.npy": output.predictions.astype(np.int32),
            "labels.npy": output.labels.astype(np.int32),
        })  # fmt: skip
        return output.summary(network.labels)
    if kind == DatasetViewKind.TOP_ACTIVATIONS:
        from worker.inputs.preprocessing import PreparedImages
        from worker.techniques.top_activating import top_activating

        x = PreparedImages(images, spec)  # preprocessed a batch at a time
        summary = top_activating(model, params["layer"], x, k=params["k"], progress=progress)
        write_arrays(out_dir, {})
        return summary
    if kind == DatasetViewKind.FILTER_RANKING:
        summary = _compute_ranking(network, spec, images, labels, prepare_batch, params, progress)
        write_arrays(out_dir, {})
        return summary
    return _compute_embedding(model, spec, images, labels, prepare_batch, params, out_dir,
                              progress)  # fmt: skip


def subset_indices(total: int, subset: int | None):
    """A seeded random sample of the test split, in index order (all of it for None)."""
    import numpy as np

    if subset is None or subset >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(SUBSET_SEED).choice(total, subset, replace=False))


def _compute_embedding(model, spec, images, labels, prepare_batch, params, out_dir, progress):
    import time

    import numpy as np

    from worker.inputs.preprocessing import PreparedImages
    from worker.techniques.attribution.run import write_arrays
    from worker.techniques.embedding import embed, layer_features
    from worker.techniques.progress import scaled

    started = time.perf_counter()
    indices = subset_indices(len(images), params["subset"])
    x = PreparedImages(images[indices], spec)  # preprocessed a batch at a time
    # the features first (a tenth to a third of the time), then the map; 256 images a batch so
    # a large network's features still report every few seconds
    features = layer_features(
        model, params["layer"], x, batch=256, progress=scaled(progress, 0.0, 0.25)
    )
    predictions = np.argmax(model.logits(x, chunk=model.bounded_batch()), axis=1)
    coords = embed(
        features, params["method"], params=params["params"], progress=scaled(progress, 0.25, 1.0)
    )
    points = np.stack([indices, labels[indices], predictions], axis=1).astype(np.int32)
    write_arrays(out_dir, {"coords.npy": coords.astype(np.float32), "points.npy": points})
    return {
        "count": int(len(indices)),
        "layer": params["layer"],
        "method": params["method"],
        "features": int(features.shape[1]),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _compute_ranking(network, spec, images, labels, prepare_batch, params, progress):
    """Kernel norms, activations on a seeded sample, ablation on a seeded subset."""
    import time

    from worker.techniques.filter_ranking import rank_filters, seeded_indices

    started = time.perf_counter()
    model = network.compute_handle().extractor().model
    sample = seeded_indices(len(images), params["sample"], params["seed"])
    subset = seeded_indices(len(images), params["subset"], params["seed"] + 1)
    summary = rank_filters(
        model, params["layer"], prepare_batch(images[sample], spec),
        prepare_batch(images[subset], spec), labels[subset], progress=progress,
    )  # fmt: skip
    summary.update(
        sample_size=int(len(sample)), subset_size=int(len(subset)),
        sample_seed=params["seed"], subset_seed=params["seed"] + 1,
        seconds=round(time.perf_counter() - started, 2),
    )  # fmt: skip
    return summary
