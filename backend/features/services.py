"""Creating feature visualisations and running them. The web process checks requests from
the stored layer description (no TensorFlow); the worker optimises the images with
``worker.techniques.feature_vis`` and this module stores them as a shared result."""

import hashlib
import json
from pathlib import Path

from django.db import transaction

from backend.core import media
from backend.features.models import FeatureVis, FeatureVisKind, FeatureVisResult
from backend.jobs import costs
from backend.jobs import services as jobs
from backend.jobs.models import JobKind, JobStatus
from backend.networks.models import Network
from worker.techniques.attribution.layers import spatial_layers
from worker.techniques.feature_vis.params import DEFAULT_STEPS, MAX_BATCH, VERSION

# Images of networks with larger inputs are optimised at this side and resized to the input for
# the network (the grid scales them for display): the cost of a step falls with the square of the
# side, and at 224 px a 128-px image keeps the patterns (they are jittered and scaled anyway).
OPTIMISE_SIDE = 128
MAX_STEPS = 1024  # the worker allows more; a web request stays within the task's time limit
MAX_IMAGES_PER_FILTER = 4
MAX_DIVERSITY = 10.0
# Without "filters", a request asks for the whole layer when it has at most WHOLE_LAYER filters (or
# classes), else for the first PAGE_SIZE: 128 filters of a ResNet50 mid layer took 17 minutes in
# one job. Later pages are asked for by listing their filters (the page grows the grid on demand).
WHOLE_LAYER = 32
PAGE_SIZE = 16
IMAGES_FILE = "images.npy"
ACTIVATIONS_FILE = "activation_matrix.npy"


class RequestInvalid(ValueError):
    """A request naming an unknown layer, filter or parameter (answered 400)."""


def _whole(name: str, value, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RequestInvalid(f"{name} must be a whole number from {low} to {high}.")
    return value


def clean_layer(network: Network, kind: str, layer: str | None) -> tuple[str, int]:
    """(layer name or "" for classes, number of filters or classes)."""
    if kind == FeatureVisKind.CLASSES:
        if layer:
            raise RequestInvalid('Class visualisations use the output: leave "layer" empty.')
        count = len(network.labels) or int(network.layers[-1]["output_shape"][-1])
        return "", count
    allowed = spatial_layers(network.layers)
    if not layer:
        raise RequestInvalid(
            f"Choose a layer with a spatial output: one of {', '.join(allowed)}; or ask "
            'for "kind": "classes".'
        )
    if layer not in allowed:
        raise RequestInvalid(
            f"Layer {layer!r} has no spatial H×W×C output, so it has no filters to "
            f"visualise; choose one of {', '.join(allowed)}."
        )
    described = next(x for x in network.layers if x["name"] == layer)
    return layer, int(described["output_shape"][-1])


def default_filters(count: int) -> list[int]:
    """The filters a request without "filters" asks for: all of a small layer, else a page."""
    return list(range(count if count <= WHOLE_LAYER else PAGE_SIZE))


def target_count(network: Network, kind: str, layer: str) -> int | None:
    """How many filters the layer (or classes the output) has; None if the layer is unknown."""
    try:
        return clean_layer(network, kind, layer)[1]
    except (RequestInvalid, KeyError, IndexError, TypeError, ValueError):
        return None


def clean_request(network: Network, data: dict) -> dict:
    """The complete, checked request: kind, layer, filters (in image order) and params."""
    kind = data.get("kind") or FeatureVisKind.FILTERS
    if kind not in FeatureVisKind.values:
        raise RequestInvalid('kind must be "filters" (with a layer) or "classes".')
    layer, count = clean_layer(network, kind, data.get("layer"))
    what = "class" if kind == FeatureVisKind.CLASSES else "filter"
    filters = data.get("filters")
    if filters is None:
        filters = default_filters(count)
    else:
        if not isinstance(filters, list) or not filters:
            raise RequestInvalid(f"filters must be a non-empty list of {what} indices.")
        bad = [f for f in filters if isinstance(f, bool) or not isinstance(f, int)]
        if bad:
            raise RequestInvalid(f"filters must be whole numbers; got {bad[0]!r}.")
        outside = [f for f in filters if not 0 <= f < count]
        if outside:
            where = f"layer {layer!r}" if layer else "the output"
            raise RequestInvalid(
                f"{what.capitalize()} {outside[0]} is outside 0..{count - 1} of {where}."
            )
        filters = sorted(set(filters))
    params = {
        "steps": _whole("steps", data.get("steps", DEFAULT_STEPS), 1, MAX_STEPS),
        "seed": _whole("seed", data.get("seed", 0), 0, 2**31 - 1),
        "images_per_filter": _whole(
            "images_per_filter", data.get("images_per_filter", 1), 1, MAX_IMAGES_PER_FILTER
        ),
        "diversity": data.get("diversity", 0.0),
    }
    diversity = params["diversity"]
    if (
        isinstance(diversity, bool)
        or not isinstance(diversity, int | float)
        or not (0 <= diversity <= MAX_DIVERSITY)
    ):
        raise RequestInvalid(f"diversity must be a number from 0 to {MAX_DIVERSITY:g}.")
    params["diversity"] = float(diversity)
    side = min(network.input_spec.get("height") or 0, network.input_spec.get("width") or 0)
    if side > OPTIMISE_SIDE:  # only then: smaller networks keep their stored results' keys
        params["size"] = OPTIMISE_SIDE
    if len(filters) * params["images_per_filter"] > MAX_BATCH:
        raise RequestInvalid(
            f"That is {len(filters) * params['images_per_filter']} images; at most "
            f"{MAX_BATCH} at once. Ask for fewer filters or fewer images per filter."
        )
    return {"kind": kind, "layer": layer, "filters": filters, "params": params}


def params_key(network: Network, request: dict) -> str:
    """What makes two requests' results the same, beyond the network row."""
    canonical = json.dumps(
        {**request, "weights": network.weights_sha256, "version": VERSION}, sort_keys=True
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def find_result(network: Network, kind: str, key: str) -> FeatureVisResult | None:
    result = FeatureVisResult.objects.filter(network=network, kind=kind, params_key=key).first()
    if result is not None and not media.exists(f"{result.directory}/{IMAGES_FILE}"):
        result.delete()  # its files are gone: compute again
        return None
    return result


def create_feature_vis(owner, network: Network, data: dict) -> FeatureVis:
    """A row first; a stored result for the same request is reused at once."""
    request = clean_request(network, data)
    try:
        costs.check_feature_vis(
            network,
            request["layer"],
            len(request["filters"]),
            request["params"],
            "features.run_feature_vis",
        )
    except costs.TooCostly as exc:
        raise RequestInvalid(str(exc)) from exc
    cached = find_result(network, request["kind"], params_key(network, request))
    with transaction.atomic():
        if cached is not None:
            job = jobs.create_job(
                owner, JobKind.FEATURE_VIS, status=JobStatus.SUCCEEDED,
                message="Reused a stored result.",
            )  # fmt: skip
        else:
            job = jobs.create_job(owner, JobKind.FEATURE_VIS)
        vis = FeatureVis.objects.create(owner=owner, network=network, job=job, result=cached,
                                        **request)  # fmt: skip
    if cached is None:
        jobs.enqueue(job, "features.run_feature_vis")
    return vis


def result_directory(network: Network, kind: str, layer: str, key: str) -> str:
    name = f"{kind}-{layer or 'output'}-{key[:20]}"
    return str(Path("feature-vis") / f"{network.name}-v{network.version}" / name)


def compute(network: Network, request: dict, out_dir: Path, progress=None) -> dict:
    """Optimise the images in the worker and write them; the summary."""
    import numpy as np
    from PIL import Image

    from worker.techniques.feature_vis.visualise import visualise_classes, visualise_filters
    from worker.techniques.progress import tell

    model = network.compute_handle().feature_vis_model()
    params = request["params"]
    report = None
    if progress is not None:

        def report(fraction: float) -> None:
            step = round(fraction * params["steps"])
            tell(progress, fraction, f"Optimising the pictures: step {step} of {params['steps']}",
                 stage="optimising", done=step, total=params["steps"])  # fmt: skip

    if request["kind"] == FeatureVisKind.CLASSES:
        result = visualise_classes(model, request["filters"], progress=report, **params)
    else:
        result = visualise_filters(
            model, request["layer"], request["filters"], progress=report, **params
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    images = np.ascontiguousarray(result.images, dtype=np.uint8)
    np.save(out_dir / IMAGES_FILE, images, allow_pickle=False)
    np.save(out_dir / ACTIVATIONS_FILE, result.activation_matrix.astype("<f4"), allow_pickle=False)
    for i, image in enumerate(images):
        pixels = image[..., 0] if image.shape[-1] == 1 else image
        Image.fromarray(pixels).save(out_dir / f"{i}.png", format="PNG")
    summary = result.summary()
    summary["targets"] = [int(t) for t in result.image_targets]
    summary["shape"] = list(images.shape)
    summary["seconds"] = round(float(summary["seconds"]), 3)
    return summary
