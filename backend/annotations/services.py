"""Saving annotations (one per owner, network, layer and filter) and exporting them."""

import csv
import io

from backend.annotations.models import FilterAnnotation
from backend.networks.models import Network

EXPORT_FIELDS = ["network", "network_name", "layer", "filter", "verdict", "note", "updated_at"]


class AnnotationInvalid(ValueError):
    """A layer the network lacks, or a filter it does not have (answered 400)."""


def filter_count(network: Network, layer: str) -> int:
    """How many filters (output channels) ``layer`` has; AnnotationInvalid when it has none."""
    info = next((item for item in network.layers if item.get("name") == layer), None)
    if info is None:
        raise AnnotationInvalid(f"There is no layer {layer!r} in this network.")
    shape = info.get("output_shape") or []
    if len(shape) != 3 or not isinstance(shape[-1], int):
        raise AnnotationInvalid(f"Layer {layer!r} has no filters (no H×W×C output).")
    return shape[-1]


def save(owner, network: Network, layer: str, index: int, values: dict):
    """Create or update the owner's annotation of one filter; returns (annotation, created)."""
    count = filter_count(network, layer)
    if not 0 <= index < count:
        raise AnnotationInvalid(f"Layer {layer!r} has filters 0 to {count - 1}.")
    return FilterAnnotation.objects.update_or_create(
        owner=owner, network=network, layer=layer, filter=index, defaults=values
    )


def export_rows(annotations) -> list[dict]:
    return [
        {
            "network": a.network_id,
            "network_name": a.network.name,
            "layer": a.layer,
            "filter": a.filter,
            "verdict": a.verdict,
            "note": a.note,
            "updated_at": a.updated_at.isoformat(),
        }
        for a in annotations
    ]


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
