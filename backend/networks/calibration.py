"""A network's calibration (worker/techniques/calibration.py): the temperature fitted on its
linked dataset's test split, once per network version (beside its out-of-distribution check),
and the reliability of its confidence before and after. Stored on the row as ``calibration``:
{temperature, images, before: {bins, ece, accuracy}, after: {...}}; {} when there is no test
split to fit on (the raw softmax is then all there is, and the page says so)."""

from __future__ import annotations

import numpy as np

from backend.networks.models import Network
from worker.techniques import calibration

MAX_IMAGES = 5000
SEED = 2


def ensure_fitted(network: Network, *, max_seconds: float | None = None) -> dict:
    """Its calibration, fitted first if it never was (and it has a test split); with
    ``max_seconds``, only when fitting would take about that long at most."""
    if (network.calibration or {}).get("temperature") or network.dataset is None:
        return network.calibration or {}
    if max_seconds is not None and fit_seconds(network) > max_seconds:
        return {}
    return fit(network)


def fit_seconds(network: Network) -> float:
    """About how long fitting takes: a forward pass of the test images it reads."""
    from django.conf import settings

    from backend.networks.ood import images_that_fit
    from worker.runtime import cost

    throughput = float(getattr(settings, "CONVSCOPE_COMPUTE_MACS", None) or cost.THROUGHPUT_MACS)
    images = min(MAX_IMAGES, images_that_fit(network, []))
    return images * cost.network_macs(network.layers) / throughput


def fit(network: Network) -> dict:
    from backend.networks.ood import images_that_fit
    from datasets.registry import get_dataset
    from worker.inputs.preprocessing import PreparedImages

    max_images = min(MAX_IMAGES, images_that_fit(network, []))
    info: dict = {}
    if network.dataset is not None:
        images, labels = get_dataset(network.dataset.name).load("test")
        known = labels < len(network.labels)
        images, labels = images[known], labels[known]
        if len(labels) >= 10:
            if len(labels) > max_images:
                pick = np.sort(
                    np.random.default_rng(SEED).choice(len(labels), max_images, replace=False)
                )
                images, labels = images[pick], labels[pick]
            handle = network.compute_handle()
            model = handle.attribution_model()
            logits = model.logits(
                PreparedImages(images, handle.input_spec), chunk=model.bounded_batch()
            )
            temperature = calibration.fit_temperature(logits, labels)
            info = {
                "temperature": temperature,
                "images": int(len(labels)),
                "before": calibration.reliability(calibration.softmax(logits), labels),
                "after": calibration.reliability(calibration.softmax(logits, temperature), labels),
            }
    Network.objects.filter(pk=network.pk).update(calibration=info)
    network.calibration = info
    return info


def calibrated(network: Network, probabilities: list[float]) -> list[float] | None:
    """The analysis's softmax at the network's temperature (from the probabilities: logits are
    their logarithms up to a constant), or None when it has none."""
    temperature = (network.calibration or {}).get("temperature")
    if not temperature or not probabilities:
        return None
    logits = np.log(np.clip(np.asarray(probabilities, np.float64), 1e-45, None))
    return [float(p) for p in calibration.softmax(logits[None], temperature)[0]]


def said_right(network: Network, confidence: float) -> float | None:
    """How often, in tests, the network was right when it stated about this (calibrated)
    confidence: the accuracy of the reliability bin it falls in (None when unknown or the bin
    was empty)."""
    after = (network.calibration or {}).get("after") or {}
    for row in after.get("bins", []):
        if row["low"] < confidence <= row["high"] or (confidence == 0 and row["low"] == 0):
            return row.get("accuracy")
    return None
