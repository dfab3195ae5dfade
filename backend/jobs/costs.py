"""Refusing, before it is queued, a job the worker cannot finish within its time limit.

Each check counts the job's forward-pass equivalents of the network (worker/runtime/cost.py),
turns them into seconds and compares them with the soft time limit of the task that would run
it. A request that does not fit raises ``TooCostly`` with a sentence saying what to change; the
views answer it 400 like any other invalid request. One that fits returns its estimate.
"""

from __future__ import annotations

import math

from django.conf import settings

from backend.jobs.services import time_limits
from worker.runtime import cost
from worker.techniques.attribution.trust_rules import CURVE_STEPS, RANDOM_MAPS


class TooCostly(ValueError):
    """A request that cannot finish within the worker's time limit; the text says what to do."""


def _throughput() -> float:
    return float(getattr(settings, "CONVSCOPE_COMPUTE_MACS", None) or cost.THROUGHPUT_MACS)


def _limit(task_name: str) -> float:
    soft, _hard = time_limits(task_name)
    return float(soft or settings.CELERY_TASK_SOFT_TIME_LIMIT)


def _label(network) -> str:
    return getattr(network, "title", "") or network.name


def _side(network) -> tuple[int, int]:
    spec = network.input_spec or {}
    return int(spec.get("height") or 0), int(spec.get("width") or 0)


def _weighted_layers(network) -> int:
    return sum(1 for layer in network.layers if layer.get("params"))


def check_explanation(network, kind: str, method: str, params: dict, task_name: str):
    """An attribution map ("map") or its trust checks ("trust") on one image."""
    height, width = _side(network)
    macs = cost.network_macs(network.layers)
    passes = cost.attribution_passes(method, params, height, width)
    what = f"{method} on one image"
    if kind == "trust":
        # the cascading randomisation recomputes the map once per weighted layer
        passes *= _weighted_layers(network) + 2
        # deletion and insertion curves of the map and of every random map it is judged against
        passes += (1 + RANDOM_MAPS) * 2 * (CURVE_STEPS + 1)
        what = f"The trust checks of {method}"
    limit = _limit(task_name)
    job = cost.estimate(passes, macs, _throughput())
    if job.fits(limit):
        return job
    if method == "occlusion" and kind != "trust":
        window = cost.occlusion_window_that_fits(height, width, macs, limit, _throughput())
        advice = (
            f"Use a window of at least {window} pixels (stride {max(2, window // 2)})."
            if window
            else "This network is too large for occlusion on this server; use Grad-CAM."
        )
    elif method in ("smoothgrad", "integrated-gradients"):
        name = "samples" if method == "smoothgrad" else "steps"
        fewer = max(1, math.floor(params.get(name, 1) * limit * cost.HEADROOM / job.seconds))
        advice = f"Use at most {fewer} {name}."
    else:
        advice = "Use a faster method (gradient or Grad-CAM) or a smaller network."
    raise TooCostly(cost.refusal(what[:1].upper() + what[1:], _label(network), job, limit, advice))


def check_feature_vis(network, layer: str | None, filters: int, params: dict, task_name: str):
    """Feature visualisation of ``filters`` filters (or classes): every step a forward and
    backward pass of the network up to the layer, at the size it optimises at."""
    height, width = _side(network)
    size = params.get("size") or min(height, width) or 1
    scale = (size / max(min(height, width), 1)) ** 2
    macs = cost.network_macs(network.layers, upto=layer) * scale
    images = filters * int(params.get("images_per_filter") or 1)
    passes = images * int(params.get("steps") or 1) * cost.BACKWARD_FACTOR
    passes *= cost.FEATURE_VIS_OVERHEAD
    limit = _limit(task_name)
    job = cost.estimate(passes, macs, _throughput())
    if job.fits(limit):
        return job
    fewer = max(1, math.floor(filters * limit * cost.HEADROOM / job.seconds))
    what = f"Visualising {filters} filter{'s' if filters != 1 else ''}"
    raise TooCostly(
        cost.refusal(
            what, _label(network), job, limit, f"Ask for at most {fewer} at once, or fewer steps."
        )
    )


def fit_ranking_subset(network, layer: str, sample: int, subset: int, task_name: str) -> int:
    """The number of test images filter ranking can ablate on within the time limit: the
    requested ``subset`` when it fits, else fewer (at least 10); TooCostly when not even that."""
    names = [item["name"] for item in network.layers]
    described = network.layers[names.index(layer)]
    filters = int((described.get("output_shape") or [1])[-1] or 1)
    total = cost.network_macs(network.layers)
    share = 1 - cost.network_macs(network.layers, upto=layer) / total
    limit = _limit(task_name)
    budget = limit * cost.HEADROOM * _throughput() / total  # forward passes that fit

    def passes(images: int) -> float:
        return sample + images + filters * images * max(share, 0.05)

    if passes(subset) <= budget:
        return subset
    fitting = math.floor((budget - sample) / (1 + filters * max(share, 0.05)))
    if fitting >= 10:
        return fitting
    job = cost.estimate(passes(10), total, _throughput())
    raise TooCostly(
        cost.refusal(
            f"Ranking the {filters} filters of {layer}",
            _label(network),
            job,
            limit,
            "Choose a layer nearer the output (fewer filters, less network after it).",
        )
    )


def fit_dataset_pass(
    network,
    images: int,
    what: str,
    task_name: str,
    *,
    upto: str | None = None,
    shrink: bool = False,
    advice: str = "Link a smaller dataset, or use a smaller network.",
) -> int:
    """The number of images a job that runs the network (up to ``upto``) once over ``images``
    dataset images can handle within the time limit: ``images`` when they fit; with ``shrink``,
    fewer (at least 10); else TooCostly with ``advice``."""
    macs = cost.network_macs(network.layers, upto=upto)
    limit = _limit(task_name)
    fitting = math.floor(limit * cost.HEADROOM * _throughput() / max(macs, 1.0))
    if images <= fitting:
        return images
    if shrink and fitting >= 10:
        return fitting
    job = cost.estimate(images, macs, _throughput())
    raise TooCostly(cost.refusal(what, _label(network), job, limit, advice))


def check_filter_attribution(network, layer: str, filters: int, task_name: str):
    """Guided backpropagation and the plain gradient of every filter of ``layer``: per filter
    two forward-and-backward passes of the network up to the layer."""
    macs = cost.network_macs(network.layers, upto=layer)
    passes = filters * 2 * cost.BACKWARD_FACTOR
    limit = _limit(task_name)
    job = cost.estimate(passes, macs, _throughput())
    if job.fits(limit):
        return job
    raise TooCostly(
        cost.refusal(
            f"Explaining each of the {filters} filters of {layer}",
            _label(network),
            job,
            limit,
            "Choose a layer nearer the input (less network before it), or a smaller network.",
        )
    )


def fit_comparison(network_a, network_b, images: int, task_name: str, *, layers: bool) -> int:
    """Comparing two networks runs both over ``images`` test images (their evaluations, or the
    layer-similarity pass); the layer similarity also builds every layer's Gram matrix per
    minibatch, counted as the multiply-adds of its b × b × size product. Returns ``images``
    when it fits, else TooCostly saying how many would."""
    macs = cost.network_macs(network_a.layers) + cost.network_macs(network_b.layers)
    if layers:
        batch = 250
        for network in (network_a, network_b):
            for layer in network.layers:
                shape = layer.get("output_shape") or []
                if shape and isinstance(shape[0], int | None):
                    size = math.prod(int(d or 1) for d in shape)
                    macs += batch * size  # per image: one row of the b × b Gram matrix
    limit = _limit(task_name)
    fitting = math.floor(limit * cost.HEADROOM * _throughput() / max(macs, 1.0))
    if images <= fitting:
        return images
    job = cost.estimate(images, macs, _throughput())
    label = f"{_label(network_a)} and {_label(network_b)}"
    what = f"Comparing the layers on {images:,} test images" if layers else (
        f"Comparing the answers on {images:,} test images")  # fmt: skip
    advice = (
        f"Compare on at most {max(fitting, 0):,} test images."
        if fitting >= 10
        else "These networks are too large to compare on this server."
    )
    raise TooCostly(cost.refusal(what, label, job, limit, advice))


def check_training(
    macs: float, images: int, test_images: int, epochs: int, batch_size: int, task_name: str
):
    """Training a user-built network (the Build & train page): ``epochs`` passes over ``images``
    training images, forward and backward, and one over the test images after each epoch.
    Returns the estimate when it fits the training task's time limit, else TooCostly saying
    how many images or epochs would."""
    limit = _limit(task_name)
    job = cost.training_estimate(macs, images, test_images, epochs, batch_size, _throughput())
    if job.fits(limit):
        return job
    per_image = max(job.seconds - cost.TRAINING_START_S, 1e-9) / max(images * epochs, 1)
    budget = limit * cost.HEADROOM - cost.TRAINING_START_S
    fewer_images = math.floor(budget / per_image / max(epochs, 1) / 1000) * 1000
    fewer_epochs = math.floor(budget / per_image / max(images, 1))
    options = []
    if fewer_epochs >= 1:
        options.append(f"at most {fewer_epochs} epoch{'s' if fewer_epochs != 1 else ''}")
    if fewer_images >= 1000:
        options.append(f"at most {fewer_images:,} training images")
    advice = (
        f"Train for {' or on '.join(options)}."
        if options
        else "This network is too large to train on this server; use fewer filters or layers."
    )
    return_text = (
        f"Training this network for {epochs} epoch{'s' if epochs != 1 else ''} on {images:,} "
        f"images needs about {cost.readable_seconds(job.seconds)} on this server; the time "
        f"limit for training is {cost.readable_seconds(limit)}. {advice}"
    )
    raise TooCostly(return_text)


def check_neighbourhood(network, pictures: int, task_name: str):
    """The neighbourhood view labels every decoded neighbour and path picture with the network:
    one forward pass each (the VAE and the student cost little next to a real-size network)."""
    macs = cost.network_macs(network.layers)
    limit = _limit(task_name)
    job = cost.estimate(pictures, macs, _throughput())
    if job.fits(limit):
        return job
    fewer = max(0, math.floor(pictures * limit * cost.HEADROOM / job.seconds))
    raise TooCostly(
        cost.refusal(
            f"Labelling {pictures} neighbours",
            _label(network),
            job,
            limit,
            f"Ask for at most {fewer} neighbours." if fewer >= 20 else "Use a smaller network.",
        )
    )
