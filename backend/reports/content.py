"""What goes into a report, as plain data (no HTML): images as PNG bytes, numbers, sentences,
and the provenance from which ``verify-report`` recomputes them. Only what the user chose is
in it: the analysed image, this network's answer, and the explanations they computed for it."""

from __future__ import annotations

import base64
import hashlib
import json

import numpy as np

from backend.analyses.models import Analysis
from backend.core import media
from backend.networks.calibration import calibrated, said_right
from backend.networks.model_card import model_card
from backend.reports.provenance import environment

REPORT_VERSION = 1
TOP = 5
MAX_SIDE = 384  # pixels of the largest image drawn in a report


def _png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    from worker.inputs.images import encode_png

    image = Image.fromarray(np.asarray(pixels, np.uint8).squeeze())
    if max(image.size) > MAX_SIDE:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    elif max(image.size) < 160:  # small inputs drawn larger, pixels kept sharp
        scale = 160 // max(image.size)
        image = image.resize((image.width * scale, image.height * scale), Image.Resampling.NEAREST)
    return encode_png(np.asarray(image))


# a sequential scale (dark violet → teal → yellow), as the pages' attribution maps
_ANCHORS = np.array(
    [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]], np.float64
)


def heat_overlay(grey: np.ndarray, values: np.ndarray) -> np.ndarray:
    """An attribution map over the image in grey: |values| scaled to [0, 1], coloured, blended."""
    from PIL import Image

    v = np.abs(np.asarray(values, np.float64))
    v = v / (v.max() or 1.0)
    h, w = v.shape
    picture = np.asarray(grey, np.uint8)
    picture = picture[..., 0] if picture.ndim == 3 and picture.shape[-1] == 1 else picture
    g = np.asarray(Image.fromarray(picture).convert("L").resize((w, h)))
    position = v * (len(_ANCHORS) - 1)
    low = np.floor(position).astype(int).clip(0, len(_ANCHORS) - 2)
    t = (position - low)[..., None]
    colour = _ANCHORS[low] * (1 - t) + _ANCHORS[low + 1] * t
    blended = 0.4 * g[..., None] + 0.6 * colour
    return blended.clip(0, 255).astype(np.uint8)


def reading(values: np.ndarray) -> str:
    """Where the strongest tenth of the map lies, in words."""
    v = np.abs(np.asarray(values, np.float64))
    if not v.any():
        return "The map is empty: the method found no evidence."
    h, w = v.shape
    top = v >= np.quantile(v, 0.9)
    rows, cols = np.nonzero(top)
    r, c = rows.mean() / max(h - 1, 1), cols.mean() / max(w - 1, 1)
    vertical = "upper" if r < 0.4 else "lower" if r > 0.6 else "middle"
    horizontal = "left" if c < 0.4 else "right" if c > 0.6 else "centre"
    where = (
        "centre" if (vertical, horizontal) == ("middle", "centre") else f"{vertical} {horizontal}"
    )
    spread = top.mean() and (rows.std() / h + cols.std() / w) / 2
    shape = "concentrated" if spread < 0.15 else "spread out"
    return f"Its strongest tenth is {shape}, around the {where} of the image."


def _encode_map(values: np.ndarray) -> dict:
    half = np.asarray(values, np.float16)
    return {"shape": list(half.shape), "float16": base64.b64encode(half.tobytes()).decode()}


def decode_map(encoded: dict) -> np.ndarray:
    raw = base64.b64decode(encoded["float16"])
    return np.frombuffer(raw, np.float16).reshape(encoded["shape"]).astype(np.float32)


def _dataset_provenance(network) -> dict | None:
    dataset = network.dataset
    if dataset is None:
        return None
    manifest = json.dumps(dataset.manifest or {}, sort_keys=True).encode()
    return {"name": dataset.name, "manifest_sha256": hashlib.sha256(manifest).hexdigest()}


def _network_provenance(network) -> dict:
    """The network and its dataset, as exactly as a report names them."""
    return {
        "network": {
            "name": network.name,
            "version": network.version,
            "weights_sha256": network.weights_sha256,
            "input_spec": network.input_spec,
            "temperature": (network.calibration or {}).get("temperature"),
        },
        "dataset": _dataset_provenance(network),
    }


def _explanations(analysis: Analysis) -> list[dict]:
    """The owner's explanations of this image on this network, each with its trust checks
    when they were run (latest of each method, target and parameters)."""
    from backend.explanations.models import Explanation, ExplanationKind

    rows = (
        Explanation.objects.filter(
            owner=analysis.owner,
            network=analysis.network,
            image=analysis.image,
            result__isnull=False,
        )
        .select_related("result")
        .order_by("-pk")
    )
    maps, trusts, seen = [], {}, set()
    for row in rows:
        result = row.result
        key = (result.method, result.target, result.params_key)
        if result.kind == ExplanationKind.TRUST:
            trusts.setdefault((result.method, result.target), result.summary)
            continue
        if key in seen or not media.exists(f"{result.directory}/map.npy"):
            continue
        seen.add(key)
        maps.append(result)
    out = []
    for result in maps:
        values = np.load(media.local_path(f"{result.directory}/map.npy"))
        trust = trusts.get((result.method, result.target)) or {}
        out.append(
            {
                "method": result.method,
                "target": result.target,
                "layer": result.layer,
                "params": result.params,
                "map": values,
                "reading": reading(values),
                "randomisation": (trust.get("randomisation") or {}).get("verdict"),
                "faithfulness": (trust.get("faithfulness") or {}).get("verdict"),
                "trust_reasons": [
                    (trust.get(check) or {}).get("reason")
                    for check in ("randomisation", "faithfulness")
                    if (trust.get(check) or {}).get("reason")
                ],
            }
        )
    return out


def analysis_report(
    analysis: Analysis, *, display_name: str | None = None, explanations: bool = True
) -> dict:
    """Everything an analysis report shows. ``display_name`` only when the user opts in;
    ``explanations``: the owner's maps of this image (not through a share link)."""
    from backend.analyses.services import load_pixels
    from worker.inputs.preprocessing import to_network_pixels

    network, image, result = analysis.network, analysis.image, analysis.result
    if result is None:
        raise ValueError("This analysis has no result yet: wait for it to finish.")
    pixels = load_pixels(image)
    spec = network.compute_handle().input_spec
    seen = to_network_pixels(pixels, spec)
    labels = network.labels
    raw = list(result.probabilities)
    adjusted = calibrated(network, raw)
    order = np.argsort(raw)[::-1][:TOP]
    top = [
        {
            "index": int(i),
            "label": labels[i] if i < len(labels) else str(i),
            "probability": float(raw[i]),
            "calibrated": None if adjusted is None else float(adjusted[i]),
        }
        for i in order
    ]
    confidence = None
    if adjusted is not None:
        confidence = {
            "confidence": max(adjusted),
            "right_in_tests": said_right(network, max(adjusted)),
        }
    explanations = _explanations(analysis) if explanations else []
    provenance = {
        "report_version": REPORT_VERSION,
        "kind": "analysis",
        "analysis_id": analysis.pk,
        **_network_provenance(network),
        "image": {"sha256": image.sha256, "width": image.width, "height": image.height},
        "epoch": analysis.epoch or None,
        "probabilities": raw,
        "ood": result.ood or None,
        "explanations": [
            {
                "method": e["method"],
                "target": e["target"],
                "layer": e["layer"],
                "params": e["params"],
                "randomisation": e["randomisation"],
                "faithfulness": e["faithfulness"],
                "map": _encode_map(e["map"]),
            }
            for e in explanations
        ],
        **environment(),
    }
    return {
        "kind": "analysis",
        "title": f"{network.title or network.name} v{network.version}: its answer for one image",
        "display_name": display_name,
        "image_png": _png(pixels),
        "seen_png": _png(seen),
        "true_label": image.true_label or None,
        "top": top,
        "confidence": confidence,
        "ood": result.ood or None,
        "card": model_card(network),
        "explanations": [
            {**e, "overlay_png": _png(heat_overlay(seen, e["map"]))} for e in explanations
        ],
        "provenance": provenance,
    }


def evaluation_report(view, *, display_name: str | None = None) -> dict:
    """Everything an evaluation report shows (a finished evaluation dataset view)."""
    network, result = view.network, view.result
    if result is None:
        raise ValueError("This evaluation has no result yet: wait for it to finish.")
    summary = result.summary
    provenance = {
        "report_version": REPORT_VERSION,
        "kind": "evaluation",
        "evaluation_id": view.pk,
        **_network_provenance(network),
        "accuracy": summary.get("accuracy"),
        "count": summary.get("count"),
        **environment(),
    }
    return {
        "kind": "evaluation",
        "title": f"{network.title or network.name} v{network.version}: its test images",
        "display_name": display_name,
        "summary": summary,
        "calibration": network.calibration or None,
        "card": model_card(network),
        "provenance": provenance,
    }
