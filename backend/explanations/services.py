"""Creating explanations and trust checks and running them (Celery task and CLI share the
compute functions). The web process never imports TensorFlow: ``worker.techniques.attribution``'s
registry and layer rules are plain Python."""

import hashlib
import json
from pathlib import Path

from django.db import transaction

from backend.analyses.models import AnalysisResult
from backend.explanations.models import Explanation, ExplanationKind, ExplanationResult
from backend.jobs import costs
from backend.jobs import services as jobs
from backend.jobs.models import JobKind, JobStatus
from backend.networks.models import Network
from backend.uploads.models import UploadedImage
from worker.techniques.attribution.layers import default_cam_layer, spatial_layers
from worker.techniques.attribution.registry import get_method, normalise_params
from worker.techniques.attribution.trust_rules import RULES_VERSION

JOB_KINDS = {ExplanationKind.MAP: JobKind.EXPLANATION, ExplanationKind.TRUST: JobKind.TRUST_CHECK}
# Methods that run the network tens to hundreds of times per map; with trust checks they go to
# the heavy task (the gpu queue, backend.core.queues), the single-pass ones stay on default.
HEAVY_METHODS = frozenset({"smoothgrad", "integrated-gradients", "occlusion"})


class RequestInvalid(ValueError):
    """A request that names an unknown method, class, layer or parameter (answered 400)."""


def resolve_target(network: Network, value) -> int | None:
    """A class given by label or index (None: the predicted class, decided later)."""
    if value is None or value == "":
        return None
    labels = [str(label) for label in network.labels]
    text = str(value).strip()
    if text in labels:
        return labels.index(text)
    try:
        index = int(text)
    except ValueError:
        raise RequestInvalid(
            f"There is no class {text!r}; classes are {', '.join(labels)}."
        ) from None
    if not 0 <= index < len(labels):
        raise RequestInvalid(f"Class index {index} is outside 0..{len(labels) - 1}.")
    return index


def resolve_layer(network: Network, method: str, layer: str | None) -> str:
    """The layer a CAM method uses (default: the last spatial one); '' for other methods."""
    if not get_method(method).uses_layer:
        if layer:
            raise RequestInvalid(f"{method} does not use a layer.")
        return ""
    allowed = spatial_layers(network.layers)
    if not layer:
        layer = default_cam_layer(network.layers)
        if layer is None:
            raise RequestInvalid("This network has no layer with a spatial H×W×C output.")
        return layer
    if layer not in allowed:
        raise RequestInvalid(
            f"Layer {layer!r} has no spatial output; choose one of {', '.join(allowed)}."
        )
    return layer


def clean_request(network: Network, method: str, target, layer, params) -> tuple:
    """(method, target index or None, layer, full params); RequestInvalid on bad input."""
    try:
        get_method(method)
        full = normalise_params(method, params, input_side(network))
    except ValueError as exc:
        raise RequestInvalid(str(exc)) from exc
    return method, resolve_target(network, target), resolve_layer(network, method, layer), full


def task_name(kind: str, method: str) -> str:
    """The Celery task an explanation of this kind and method runs in."""
    heavy = kind == ExplanationKind.TRUST or method in HEAVY_METHODS
    return "explanations.run_heavy_explanation" if heavy else "explanations.run_explanation"


def check_cost(network: Network, kind: str, method: str, params: dict) -> None:
    """RequestInvalid, with what to change, when the job cannot finish in the worker's time."""
    try:
        costs.check_explanation(network, kind, method, params, task_name(kind, method))
    except costs.TooCostly as exc:
        raise RequestInvalid(str(exc)) from exc


def input_side(network: Network) -> int | None:
    """The shorter side of the network's input image (scales occlusion's default window)."""
    spec = network.input_spec or {}
    if not spec.get("height") or not spec.get("width"):
        return None
    return int(min(spec["height"], spec["width"]))


def params_key(method: str, params: dict, layer: str, kind: str = ExplanationKind.MAP) -> str:
    """What makes two requests' results the same, beyond network, image, method and class.
    A trust check's key also names the verdict rule's version: reports judged by an older
    rule (trust_rules) are computed again, not served with verdicts the page no longer uses."""
    fields = {"params": params, "layer": layer, "version": get_method(method).version}
    if kind == ExplanationKind.TRUST:
        fields["trust_rules"] = RULES_VERSION
    canonical = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def predicted_class(network: Network, image_sha256: str) -> int | None:
    """The predicted class if an analysis of this image already stored one."""
    stored = AnalysisResult.objects.filter(
        network=network, image_sha256=image_sha256, epoch=0
    ).first()
    if stored is None or not stored.probabilities:
        return None
    probabilities = stored.probabilities
    return max(range(len(probabilities)), key=probabilities.__getitem__)


def find_result(
    network: Network, sha256: str, kind: str, method: str, target: int, key: str
) -> ExplanationResult | None:
    result = ExplanationResult.objects.filter(
        network=network,
        image_sha256=sha256,
        kind=kind,
        method=method,
        target=target,
        params_key=key,
    ).first()
    if result is not None and not result.is_stored():
        result.delete()  # its files are gone: compute again
        return None
    return result


def create_explanation(
    owner,
    network: Network,
    image: UploadedImage,
    *,
    kind: str,
    method: str,
    target=None,
    layer: str | None = None,
    params: dict | None = None,
) -> Explanation:
    """A row first; a stored result for the same request is reused at once."""
    method, target, layer, params = clean_request(network, method, target, layer, params)
    check_cost(network, kind, method, params)
    resolved = target if target is not None else predicted_class(network, image.sha256)
    cached = None
    if resolved is not None:
        cached = find_result(
            network, image.sha256, kind, method, resolved, params_key(method, params, layer, kind)
        )
    with transaction.atomic():
        if cached is not None:
            job = jobs.create_job(
                owner,
                JOB_KINDS[kind],
                status=JobStatus.SUCCEEDED,
                message="Reused a stored result.",
            )
        else:
            job = jobs.create_job(owner, JOB_KINDS[kind])
        explanation = Explanation.objects.create(
            owner=owner,
            kind=kind,
            network=network,
            image=image,
            method=method,
            target=target,
            layer=layer,
            params=params,
            job=job,
            result=cached,
        )
    if cached is None:
        jobs.enqueue(job, task_name(kind, method))
    return explanation


def result_directory(network: Network, sha256: str, kind: str, method: str, target, key) -> str:
    safe_method = method.replace("+", "p")
    name = f"{kind}-{safe_method}-{target}-{key[:20]}"
    return str(Path("explanations") / f"{network.name}-v{network.version}" / sha256 / name)


def compute(
    network: Network, pixels, *, kind: str, method: str, target, layer: str, params: dict,
    out_dir: Path, progress=None,
) -> dict:  # fmt: skip
    """Run the method (or its trust checks) on one image and write the files; the summary."""
    from worker.techniques.attribution.registry import explain
    from worker.techniques.attribution.run import write_explanation, write_trust_report
    from worker.techniques.attribution.trust import run_trust_checks

    handle = network.compute_handle()
    model = handle.attribution_model(scratch=kind == ExplanationKind.TRUST)
    x = handle.preprocess(pixels)
    arguments = {"target": target, "layer": layer or None, "params": params}
    if kind == ExplanationKind.TRUST:
        report = run_trust_checks(model, x, method, progress=progress, **arguments)
        return write_trust_report(report, out_dir)
    return write_explanation(explain(model, x, method, progress=progress, **arguments), out_dir)


def predicted_in_worker(network: Network, pixels) -> int:
    """The class the network predicts for these pixels (loads the network in this process)."""
    handle = network.compute_handle()
    return handle.attribution_model().predicted_class(handle.preprocess(pixels))
