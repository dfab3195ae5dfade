"""`manage.py analyze`: the analysis in-process (no Redis, no worker), as JSON for scripts."""

import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.networks.models import Network
from backend.networks.services import resolve_network


def safe_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "layer"


class Command(BaseCommand):
    help = "Run a network on an image and save every layer's activation as .npy files."

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="network name (newest version)")
        parser.add_argument("--image", required=True, type=Path)
        parser.add_argument(
            "--out", type=Path, help="folder for the .npy files (default: a new one)"
        )

    def handle(self, *args, network: str, image: Path, out: Path | None, **options):
        from backend.analyses.services import compute_result
        from worker.inputs.images import ImageRejected, decode_image

        try:
            net = resolve_network(network)
        except Network.DoesNotExist as exc:
            raise CommandError(str(exc), returncode=2) from exc
        try:
            data = image.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {image}: {exc.strerror}.", returncode=2) from exc
        try:
            pixels = decode_image(data).pixels
        except ImageRejected as exc:
            raise CommandError(f"{image}: {exc}", returncode=2) from exc

        out_dir = out if out is not None else Path(tempfile.mkdtemp(prefix="convscope-analysis-"))
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CommandError(f"Cannot create {out_dir}: {exc.strerror}.", returncode=2) from exc
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".convscope-") as staging:
            result = compute_result(net, pixels, Path(staging) / "result")
            layers = []
            for layer in result.layers:
                target = out_dir / f"{layer['index']:03d}-{safe_filename(layer['name'])}.npy"
                shutil.move(str(Path(staging) / "result" / layer["file"]), target)
                layers.append(
                    {
                        "name": layer["name"],
                        "type": layer["type"],
                        "shape": list(layer["shape"]),
                        "npy": str(target.resolve()),
                    }
                )
        top = sorted(
            (
                {"label": net.labels[i], "probability": float(p)}
                for i, p in enumerate(result.probabilities)
            ),
            key=lambda row: row["probability"],
            reverse=True,
        )
        from backend.networks.model_card import model_card

        report = {
            "network": net.name,
            "top": top,
            "ood": result.ood,
            "model_card": model_card(net),
            "layers": layers,
        }
        sys.stdout.write(json.dumps(report) + "\n")
        if result.ood.get("flagged"):
            sys.stderr.write(
                "Warning: this picture is unlike the pictures this network learned from "
                f"(score {result.ood['score']:.1f} above {result.ood['threshold']:.1f}); "
                "its answer is probably meaningless.\n"
            )
