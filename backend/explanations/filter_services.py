"""What made each filter fire: creating per-filter guided-backpropagation requests for an
analysis's image and running them (the job declaration in job_kinds.py calls ``compute``).
The web process never imports TensorFlow: the layer rule (``conv_layers``) and the filters
module's constants are plain Python (it loads TensorFlow only inside its functions)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from backend.analyses.models import Analysis
from backend.explanations.models import FilterAttribution, FilterAttributionResult
from backend.jobs import costs
from backend.jobs import services as jobs
from backend.jobs.models import JobKind, JobStatus
from backend.networks.models import Network
from worker.techniques.attribution.filters import RULES, VERSION
from worker.techniques.attribution.layers import conv_layers

# Two gradients per filter of a whole layer: tens to thousands of passes, like trust checks.
TASK_NAME = "explanations.run_heavy_explanation"


class RequestInvalid(ValueError):
    """A request for a layer that is not a conv layer, or an unknown rule (answered 400)."""


def layer_filters(network: Network, layer: str) -> int:
    """The number of filters of conv layer ``layer``; RequestInvalid otherwise."""
    names = [item["name"] for item in network.layers]
    if layer not in names:
        raise RequestInvalid(f"This network has no layer {layer!r}.")
    allowed = conv_layers(network.layers)
    if layer not in allowed:
        raise RequestInvalid(
            f"Layer {layer!r} is not a convolutional layer; choose one of "
            f"{', '.join(allowed) or '(none)'}."
        )
    return int(network.layers[names.index(layer)]["output_shape"][-1])


def check_request(analysis: Analysis, layer: str, rule: str) -> int:
    """The layer's filter count; RequestInvalid for bad input or a job too long to finish."""
    if rule not in RULES:
        raise RequestInvalid(f"The rule must be one of {', '.join(RULES)}.")
    if analysis.epoch:
        raise RequestInvalid(
            "What made each filter fire is shown for the trained network only; "
            "move the training-history slider to the end."
        )
    filters = layer_filters(analysis.network, layer)
    try:
        costs.check_filter_attribution(analysis.network, layer, filters, TASK_NAME)
    except costs.TooCostly as exc:
        raise RequestInvalid(str(exc)) from exc
    return filters


def find_result(network: Network, sha256: str, layer: str, rule: str):
    result = FilterAttributionResult.objects.filter(
        network=network, image_sha256=sha256, layer=layer, rule=rule, version=VERSION
    ).first()
    if result is not None and not result.is_stored():
        result.delete()  # its files are gone: compute again
        return None
    return result


def result_directory(network: Network, sha256: str, layer: str, rule: str) -> str:
    name = f"filters-{layer}-{rule}-v{VERSION}"
    return str(Path("explanations") / f"{network.name}-v{network.version}" / sha256 / name)


def create_filter_attribution(owner, analysis: Analysis, layer: str, rule: str = "max"):
    """A row first; a stored result for the same (network version, image, layer, rule) is
    reused at once."""
    check_request(analysis, layer, rule)
    cached = find_result(analysis.network, analysis.image.sha256, layer, rule)
    with transaction.atomic():
        if cached is not None:
            job = jobs.create_job(
                owner,
                JobKind.FILTER_ATTRIBUTION,
                status=JobStatus.SUCCEEDED,
                message="Reused a stored result.",
            )
        else:
            job = jobs.create_job(owner, JobKind.FILTER_ATTRIBUTION)
        request = FilterAttribution.objects.create(
            owner=owner, analysis=analysis, layer=layer, rule=rule, job=job, result=cached
        )
    if cached is None:
        jobs.enqueue(job, TASK_NAME)
    return request


def compute(network: Network, pixels, layer: str, rule: str, out_dir: Path, progress=None):
    """Run every filter's guided backpropagation and gradient and write the files; the summary."""
    from worker.techniques.attribution.filters import explain_filters, write_filter_attribution

    handle = network.compute_handle()
    model = handle.attribution_model()
    x = handle.preprocess(pixels)
    return write_filter_attribution(
        explain_filters(model, x, layer, rule=rule, progress=progress), out_dir
    )
