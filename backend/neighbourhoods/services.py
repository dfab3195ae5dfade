"""Creating neighbourhood requests (why was this test picture misclassified?) and running them.

The VAE is the one shipped for the network's dataset (model_zoo/vae); the web process checks
the request (a network with a dataset that has a VAE, a test picture that exists, settings in
range, a job that fits the worker's time limit) and never imports TensorFlow."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.db import transaction

from backend.jobs import costs
from backend.jobs import services as jobs
from backend.jobs.models import JobKind, JobStatus
from backend.neighbourhoods.models import DatasetVae, Neighbourhood, NeighbourhoodResult
from backend.networks.models import Network
from model_zoo.vae.store import VaeFiles, zoo_vae
from worker.techniques.neighbourhood.files import VERSION

TASK = "neighbourhoods.run_neighbourhood"
DEFAULTS = {"neighbours": 200, "radius": 1.0, "regularisation": 1.0, "seed": 0}
LIMITS = {"neighbours": (20, 1000), "radius": (0.05, 5.0), "regularisation": (1e-4, 1e4)}
PATH_STEPS = 10


class RequestInvalid(ValueError):
    """A request the worker cannot run as asked (answered 400 with this sentence)."""


def vae_for(dataset_name: str) -> VaeFiles | None:
    """The dataset's VAE: the zoo's shipped one, else the latest one a job trained for it
    (its files fetched to this machine); None when it has none."""
    files = zoo_vae(dataset_name)
    if files is not None:
        return files if files.is_complete() else None
    trained = stored_vae(dataset_name)
    return VaeFiles(trained.local_dir()) if trained is not None else None


def stored_vae(dataset_name: str) -> DatasetVae | None:
    """The latest VAE trained for a registered dataset whose files still exist."""
    for trained in DatasetVae.objects.filter(dataset__name=dataset_name)[:3]:
        if trained.is_stored():
            return trained
    return None


def _test_size(dataset_name: str) -> int:
    from datasets.registry import get_dataset

    return int((get_dataset(dataset_name).manifest.get("splits") or {}).get("test") or 0)


def clean_params(network: Network, data: dict) -> dict:
    """The complete, checked request (its cache key); RequestInvalid with what to change."""
    if network.dataset is None:
        raise RequestInvalid(
            f"{network.name} has no dataset linked: there are no test pictures, and no VAE "
            "to draw neighbours from. Link a dataset to the network first."
        )
    dataset = network.dataset.name
    files = vae_for(dataset)
    if files is None and zoo_vae(dataset) is not None:
        raise RequestInvalid(
            f"The VAE shipped for {dataset} is missing or damaged on this server "
            f"({zoo_vae(dataset).directory.name}); an administrator can restore it with git."
        )
    if files is None:
        raise RequestInvalid(
            f"There is no VAE for {dataset} yet, so its pictures have no neighbourhood to "
            "draw. Train one for it first (POST /api/vaes/ with the dataset's name; the zoo "
            "datasets fashion-mnist and digits ship theirs)."
        )
    index = data.get("index")
    size = _test_size(dataset)
    if not isinstance(index, int) or not 0 <= index < size:
        raise RequestInvalid(f"Choose a test picture from 0 to {size - 1}.")
    settings = {}
    for name, default in DEFAULTS.items():
        value = data.get(name)
        settings[name] = default if value is None else value
    for name, (low, high) in LIMITS.items():
        if not low <= settings[name] <= high:
            raise RequestInvalid(f"{name.capitalize()} must be between {low:g} and {high:g}.")
    settings["neighbours"] = int(settings["neighbours"])
    settings["seed"] = int(settings["seed"])
    try:
        costs.check_neighbourhood(network, settings["neighbours"] + 2 * PATH_STEPS + 2, TASK)
    except costs.TooCostly as exc:
        raise RequestInvalid(str(exc)) from exc
    manifest = files.manifest()
    return {
        "network": network.pk, "version": network.version, "weights": network.weights_sha256,
        "dataset": dataset, "index": index, "vae": manifest["sha256"]["decoder"],
        "path_steps": PATH_STEPS, "compute_version": VERSION, **settings,
    }  # fmt: skip


def params_key(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()


def find_result(key: str) -> NeighbourhoodResult | None:
    result = NeighbourhoodResult.objects.filter(params_key=key).first()
    if result is not None and not result.is_stored():
        result.delete()  # its files are gone: compute again
        return None
    return result


def result_directory(key: str) -> str:
    return str(Path("neighbourhoods") / key[:24])


def create_neighbourhood(owner, network: Network, data: dict) -> Neighbourhood:
    """A row first; a stored result for the same network, picture and settings is reused."""
    params = clean_params(network, data)
    cached = find_result(params_key(params))
    with transaction.atomic():
        if cached is not None:
            job = jobs.create_job(owner, JobKind.NEIGHBOURHOOD, status=JobStatus.SUCCEEDED,
                                  message="Reused a stored result.")  # fmt: skip
        else:
            job = jobs.create_job(owner, JobKind.NEIGHBOURHOOD)
        request = Neighbourhood.objects.create(
            owner=owner, network=network, dataset=params["dataset"], index=params["index"],
            params=params, job=job, result=cached,
        )  # fmt: skip
    if cached is None:
        jobs.enqueue(job, TASK)
    return request


def compute(request: Neighbourhood, out_dir: Path, progress=None) -> dict:
    """Draw, decode, label and fit; write the pictures; the summary."""
    from datasets.registry import get_dataset
    from worker.techniques.neighbourhood.vae import load_vae
    from worker.techniques.neighbourhood.view import (
        NeighbourhoodParams,
        explore,
        write_neighbourhood,
    )

    params = request.params
    files = vae_for(params["dataset"])
    if files is None:
        raise ValueError(f"The VAE of {params['dataset']} is missing.")
    vae = load_vae(str(files.directory), params["vae"])
    network = request.network
    handle = network.compute_handle()
    model = handle.attribution_model()
    dataset = get_dataset(params["dataset"])
    image, label = dataset.sample(params["index"], split="test")

    def teacher(images):
        batch = model.bounded_batch(256)
        return _in_batches(
            lambda part: model.probabilities(handle.prepare_batch(part)), images, batch
        )

    settings = NeighbourhoodParams(
        neighbours=params["neighbours"], radius=float(params["radius"]),
        regularisation=float(params["regularisation"]), path_steps=params["path_steps"],
        seed=params["seed"],
    )  # fmt: skip
    summary, arrays = explore(
        vae, teacher, image, int(label), network.labels or dataset.classes, settings, progress
    )
    return write_neighbourhood(summary, arrays, out_dir)


def _in_batches(run, images, batch: int):
    import numpy as np

    return np.concatenate([run(images[s : s + batch]) for s in range(0, len(images), batch)])
