"""The out-of-distribution check of a network (worker/techniques/ood.py): its statistics fitted
once per network version and kept beside its weights, and an image's score against them.

With a linked dataset that has a training split: Mahalanobis on the features of a few layers
(worker/techniques/ood.py), fitted on (a seeded subset of) the training images, the threshold set
so that 95% of (a subset of) the test images pass. Without one: the energy of the logits,
unflagged (there is nothing to set a threshold on), and said so.

The statistics are fitted at registration (the zoo build and the registration job call
``ensure_fitted``), by ``manage.py fit_answer_checks``, or by the first analysis when that is
quick; a description beside the file, keyed by the weights' hash and the dataset, lets a
re-created row of the same network reuse them.
"""

from __future__ import annotations

import json
import math
import time

import numpy as np
from django.conf import settings

from backend.core import media
from backend.networks.models import Network
from worker.runtime import cost
from worker.techniques import ood

# Images fitted on (per split), at most; fewer where the network is too slow for them.
MAX_TRAIN_IMAGES = 5000
MAX_TEST_IMAGES = 2000
MIN_IMAGES = 200
# Seconds of network time the fit may take (it runs once per network version, in a job);
# settings.CONVSCOPE_OOD_FIT_SECONDS overrides it (the tests' real-size networks use less).
FIT_SECONDS = 30.0
SEED = 0
# An analysis fits a network's check itself only when that takes about this long at most (its
# own time limit is a minute); larger networks are fitted at registration.
ANALYSIS_FIT_SECONDS = 10.0
STATS_FILE = "ood.npz"
INFO_FILE = "ood.json"


def _relative(network: Network, name: str = STATS_FILE) -> str:
    return f"{network.files_folder}/{name}"


def _key(network: Network) -> dict:
    """What the statistics depend on: the weights, the dataset and the layers read."""
    return {
        "weights_sha256": network.weights_sha256,
        "dataset": network.dataset.name if network.dataset is not None else None,
        "layers": ood.feature_layers(network.layers),
    }


def images_that_fit(network: Network, layers: list[str]) -> int:
    """Images whose pass (up to each of ``layers``; [] for the whole network) takes
    FIT_SECONDS of network time (at least MIN_IMAGES)."""
    throughput = float(getattr(settings, "CONVSCOPE_COMPUTE_MACS", None) or cost.THROUGHPUT_MACS)
    upto = layers or [None]
    macs = max(sum(cost.network_macs(network.layers, upto=layer) for layer in upto), 1.0)
    seconds = float(getattr(settings, "CONVSCOPE_OOD_FIT_SECONDS", None) or FIT_SECONDS)
    return max(MIN_IMAGES, math.floor(seconds * throughput / macs))


def _seeded(total: int, count: int, seed: int) -> np.ndarray:
    if count >= total:
        return np.arange(total)
    return np.sort(np.random.default_rng(seed).choice(total, count, replace=False))


def fit(network: Network) -> dict:
    """Fit and store the network's statistics; returns (and saves on the row) its ``ood``
    description: {method, layers, threshold, train_images, test_images, pass_rate, …}."""
    from datasets.registry import get_dataset
    from worker.inputs.preprocessing import PreparedImages

    layers = ood.feature_layers(network.layers)
    dataset = network.dataset
    info: dict = {"method": "energy", "threshold": None}
    if dataset is not None and layers:
        data = get_dataset(dataset.name)
        train_images, train_labels = data.load("train")
        test_images, test_labels = data.load("test")
        known = test_labels < len(network.labels)
        test_images, test_labels = test_images[known], test_labels[known]
        if len(train_images) and len(test_images):
            started = time.perf_counter()
            handle = network.compute_handle()
            model = handle.attribution_model()
            budget = images_that_fit(network, layers)
            train = _seeded(len(train_images), min(MAX_TRAIN_IMAGES, budget), SEED)
            test = _seeded(len(test_images), min(MAX_TEST_IMAGES, budget // 2), SEED + 1)
            spec = handle.input_spec
            train_features = ood.layer_summaries(
                model, layers, PreparedImages(train_images[train], spec)
            )
            test_features = ood.layer_summaries(
                model, layers, PreparedImages(test_images[test], spec)
            )
            stats, held_out = ood.fit_ensemble(
                layers, train_features, train_labels[train], test_features
            )
            threshold = ood.threshold_for(held_out)
            media.write_file(_relative(network), stats.to_bytes())
            info = {
                "key": _key(network),
                "method": "mahalanobis",
                "layers": layers,
                "threshold": threshold,
                "train_images": int(len(train)),
                "test_images": int(len(test)),
                "pass_rate": ood.PASS_RATE,
                "dataset": dataset.name,
                "seconds": round(time.perf_counter() - started, 2),
            }
    if info["method"] == "mahalanobis":
        media.write_file(_relative(network, INFO_FILE), json.dumps(info).encode())
    Network.objects.filter(pk=network.pk).update(ood=info)
    network.ood = info
    return info


def fit_seconds(network: Network) -> float:
    """About how long fitting takes (network time of the training and test images it reads)."""
    layers = ood.feature_layers(network.layers)
    if network.dataset is None or not layers:
        return 0.0
    throughput = float(getattr(settings, "CONVSCOPE_COMPUTE_MACS", None) or cost.THROUGHPUT_MACS)
    macs = sum(cost.network_macs(network.layers, upto=layer) for layer in layers)
    budget = images_that_fit(network, layers)
    images = min(MAX_TRAIN_IMAGES, budget) + min(MAX_TEST_IMAGES, budget // 2)
    return images * macs / throughput


def ensure_fitted(network: Network, *, max_seconds: float | None = None) -> dict:
    """The network's ``ood`` description, fitting it first if it never was (or its file is
    gone); with ``max_seconds``, only when fitting would take about that long at most ({}
    otherwise: an analysis must not spend its time limit on it; registration fits it)."""
    info = network.ood or {}
    if info.get("method") == "mahalanobis" and not media.exists(_relative(network)):
        info = {}
    if info.get("method"):
        return info
    stored = _stored_info(network)
    if stored is not None:
        Network.objects.filter(pk=network.pk).update(ood=stored)
        network.ood = stored
        return stored
    if max_seconds is not None and fit_seconds(network) > max_seconds:
        return {}
    return fit(network)


def _stored_info(network: Network) -> dict | None:
    """The description beside an earlier fit of the same weights on the same dataset."""
    if network.dataset is None or not media.exists(_relative(network, INFO_FILE)):
        return None
    if not media.exists(_relative(network)):
        return None
    try:
        info = json.loads(media.local_path(_relative(network, INFO_FILE)).read_text())
    except (OSError, ValueError):
        return None
    return info if info.get("key") == _key(network) else None


_BORDERS: dict[str, float] = {}


def training_border(network: Network) -> float | None:
    """The mean border brightness of (up to 2,000 of) the training images of the network's
    dataset, at the network's input size (cached per dataset in this process)."""
    from datasets.registry import get_dataset

    dataset = network.dataset
    if dataset is None:
        return None
    if dataset.name not in _BORDERS:
        images, _ = get_dataset(dataset.name).load("train")
        if not len(images):
            images, _ = get_dataset(dataset.name).load("test")
        if not len(images):
            return None
        pick = _seeded(len(images), 2000, SEED)
        _BORDERS[dataset.name] = float(ood.border_brightness(images[pick]).mean())
    return _BORDERS[dataset.name]


def polarity(network: Network, pixels: np.ndarray) -> dict | None:
    """Whether the uploaded picture's background is the opposite of the training pictures'
    (the page then offers to invert its colours); None without a dataset."""
    from worker.inputs.preprocessing import to_network_pixels

    border = training_border(network)
    if border is None:
        return None
    spec = network.compute_handle().input_spec
    mine = float(ood.border_brightness(to_network_pixels(pixels, spec)[None])[0])
    return ood.polarity(mine, border)


def score(network: Network, x: np.ndarray) -> dict:
    """One preprocessed image's check: {method, score, threshold, flagged} (flagged is None
    when there is no threshold to compare with)."""
    info = ensure_fitted(network, max_seconds=ANALYSIS_FIT_SECONDS)
    if not info.get("method"):
        return {
            "method": None,
            "flagged": None,
            "error": "The check of this network is not ready: it is fitted when the network is "
            "registered (or by manage.py fit_answer_checks).",
        }
    model = network.compute_handle().attribution_model()
    batch = np.asarray(x, np.float32)[None]
    if info.get("method") == "mahalanobis":
        stats = ood.EnsembleStats.load(media.local_path(_relative(network)))
        value = float(stats.scores(ood.layer_summaries(model, stats.layers, batch))[0])
    else:
        value = float(ood.energy_scores(model.logits(batch))[0])
    threshold = info.get("threshold")
    return {
        "method": info["method"],
        "score": value,
        "threshold": threshold,
        "flagged": None if threshold is None else bool(value > threshold),
    }
