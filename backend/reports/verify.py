"""``manage.py verify-report FILE``: recompute a report's numbers from its provenance (the
network of that name, version and weights; the image of that sha256; each map's method and
parameters) and say whether they match."""

from __future__ import annotations

import numpy as np

from backend.reports.content import decode_map

PROBABILITY_TOLERANCE = 1e-4
MAP_TOLERANCE = 0.02  # of the map's largest magnitude: maps are kept in float16


def verify(provenance: dict) -> list[str]:
    """The differences found (empty: the report's numbers are reproduced here)."""
    from backend.networks.models import Network

    problems: list[str] = []
    wanted = provenance["network"]
    network = Network.objects.filter(name=wanted["name"], version=wanted["version"]).first()
    if network is None:
        return [f"There is no network {wanted['name']} v{wanted['version']} here."]
    if network.weights_sha256 != wanted["weights_sha256"]:
        return [
            f"The weights of {network.name} v{network.version} differ: the report used "
            f"{wanted['weights_sha256'][:16]}…, this server has {network.weights_sha256[:16]}…."
        ]
    if network.input_spec != wanted["input_spec"]:
        problems.append(f"The preprocessing of {network.name} v{network.version} differs.")
    if provenance["kind"] == "evaluation":
        return problems + _verify_evaluation(network, provenance)
    return problems + _verify_analysis(network, provenance)


def _pixels(sha256: str):
    from backend.analyses.services import load_pixels
    from backend.uploads.models import UploadedImage

    image = UploadedImage.objects.filter(sha256=sha256).first()
    return None if image is None else load_pixels(image)


def _verify_analysis(network, provenance: dict) -> list[str]:
    from worker.techniques.attribution.registry import explain

    pixels = _pixels(provenance["image"]["sha256"])
    if pixels is None:
        return [f"The image {provenance['image']['sha256'][:16]}… is not stored here."]
    handle = network.compute_handle()
    x = handle.preprocess(pixels)
    # as the analysis computed them: the extractor of that epoch's weights
    extractor = handle.extractor_at(provenance.get("epoch") or 0)
    probabilities = extractor.probabilities(extractor.run(x)[extractor.output_index])
    model = handle.attribution_model()
    reported = np.asarray(provenance["probabilities"], np.float64)
    problems = []
    gap = float(np.abs(np.asarray(probabilities, np.float64) - reported).max())
    if gap > PROBABILITY_TOLERANCE:
        top = int(np.argmax(reported))
        problems.append(
            f"The probabilities differ by up to {gap:.2g} (class {top}: report "
            f"{reported[top]:.6f}, now {float(probabilities[top]):.6f})."
        )
    for e in provenance.get("explanations", []):
        result = explain(
            model, x, e["method"], target=e["target"], layer=e["layer"] or None, params=e["params"]
        )
        reported_map = decode_map(e["map"])
        scale = float(np.abs(reported_map).max()) or 1.0
        if result.map.shape != reported_map.shape:
            problems.append(f"The {e['method']} map has another shape now.")
            continue
        difference = float(np.abs(result.map - reported_map).max()) / scale
        if difference > MAP_TOLERANCE:
            problems.append(
                f"The {e['method']} map differs by up to {difference:.1%} of its largest value."
            )
    return problems


def _verify_evaluation(network, provenance: dict) -> list[str]:
    from datasets.registry import get_dataset
    from worker.techniques.evaluation import evaluate

    dataset = provenance.get("dataset")
    if not dataset:
        return ["The report names no dataset."]
    images, labels = get_dataset(dataset["name"]).load("test")
    handle = network.compute_handle()
    output = evaluate(handle.attribution_model(), images, labels, handle.input_spec)
    if abs(output.accuracy - (provenance.get("accuracy") or 0)) > 1e-9:
        return [
            f"The accuracy differs: report {provenance['accuracy']:.4%}, now {output.accuracy:.4%}."
        ]
    return []
