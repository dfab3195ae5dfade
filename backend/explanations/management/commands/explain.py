"""`manage.py explain`: one attribution map in-process (no Redis, no worker), JSON out."""

import json
import shutil
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.analyses.management.commands.analyze import safe_filename
from backend.explanations import services
from backend.networks.models import Network
from backend.networks.services import resolve_network
from worker.techniques.attribution.registry import METHOD_NAMES


class Command(BaseCommand):
    help = (
        "Explain a network's class score on an image with one attribution method; save the "
        "map (input resolution, H×W) as .npy and print JSON."
    )

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="network name (newest version)")
        parser.add_argument("--image", required=True, type=Path)
        parser.add_argument("--method", required=True, choices=METHOD_NAMES)
        parser.add_argument("--target", help="class label or index (default: the predicted one)")
        parser.add_argument("--layer", help="Grad-CAM / Grad-CAM++ layer (default: the last "
                            "spatial layer before flattening)")  # fmt: skip
        parser.add_argument(
            "--param",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a method parameter, e.g. --param samples=50 (repeatable)",
        )
        parser.add_argument("--out", type=Path, help="folder for the .npy (default: a new one)")

    def handle(self, *args, network, image, method, target, layer, param, out, **options):
        from worker.inputs.images import ImageRejected, decode_image

        try:
            net = resolve_network(network)
        except Network.DoesNotExist as exc:
            raise CommandError(str(exc), returncode=2) from exc
        try:
            method, target_index, layer, params = services.clean_request(
                net, method, target, layer, parse_params(param)
            )
        except services.RequestInvalid as exc:
            raise CommandError(str(exc), returncode=2) from exc
        try:
            pixels = decode_image(image.read_bytes()).pixels
        except OSError as exc:
            raise CommandError(f"Cannot read {image}: {exc.strerror}.", returncode=2) from exc
        except ImageRejected as exc:
            raise CommandError(f"{image}: {exc}", returncode=2) from exc

        out_dir = out if out is not None else Path(tempfile.mkdtemp(prefix="convscope-explain-"))
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"Cannot create {out_dir}: {exc.strerror}.", returncode=2) from exc
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".convscope-") as staging:
            try:
                summary = services.compute(
                    net,
                    pixels,
                    kind="map",
                    method=method,
                    target=target_index,
                    layer=layer,
                    params=params,
                    out_dir=Path(staging) / "result",
                )
            except ValueError as exc:
                raise CommandError(str(exc), returncode=2) from exc
            stem = f"{safe_filename(image.stem)}-{method_filename(method)}-{summary['target']}"
            npy = out_dir / f"{stem}.npy"
            shutil.move(str(Path(staging) / "result" / "map.npy"), npy)
            layer_npy = None
            if (Path(staging) / "result" / "layer_map.npy").is_file():
                layer_npy = out_dir / f"{stem}-layer.npy"
                shutil.move(str(Path(staging) / "result" / "layer_map.npy"), layer_npy)
        labels = net.labels
        output = {
            "method": method,
            "target": labels[summary["target"]],
            "layer": summary.get("layer"),
            "npy": str(npy.resolve()),
            "target_index": summary["target"],
            "probability": summary["probability"],
            "params": params,
        }
        if layer_npy is not None:
            output["layer_npy"] = str(layer_npy.resolve())
        sys.stdout.write(json.dumps(output) + "\n")


def method_filename(method: str) -> str:
    """A method's name in a file name: "+" spelled out, so "gradcam++" stays distinct from
    "gradcam" (safe_filename alone strips it, and one file overwrote the other)."""
    return safe_filename(method.replace("+", "-plus"))


def parse_params(pairs: list[str]) -> dict:
    """``["samples=50", "baseline=blurred"]`` → ``{"samples": 50, "baseline": "blurred"}``."""
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CommandError(f"--param takes NAME=VALUE, got {pair!r}.", returncode=2)
        try:
            params[name.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[name.strip()] = value
    return params
