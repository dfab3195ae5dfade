"""`manage.py embed`: a 2-D embedding of one layer over the test split, in-process."""

import json
import shutil
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.evaluations import services
from backend.evaluations.management.commands.evaluate import _network


class Command(BaseCommand):
    help = (
        "Embed the test images' outputs at one layer in 2-D (t-SNE, UMAP or PCA); save the "
        "N×2 coordinates as .npy (and the dataset index, true and predicted class beside)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="network name (newest version)")
        parser.add_argument("--layer", help="layer name (default: the penultimate layer)")
        parser.add_argument("--method", required=True, choices=services.EMBED_METHODS)
        parser.add_argument("--subset", type=int, help="a seeded random sample of N images")
        parser.add_argument("--out", type=Path, help="the .npy file (default: a new one)")

    def handle(self, *args, network, layer, method, subset, out, **options):
        net = _network(network)
        try:
            params = services.clean_params(
                net, "embedding", {"method": method, "layer": layer, "subset": subset}
            )
        except services.RequestInvalid as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if out is None:
            out = Path(tempfile.mkdtemp(prefix="convscope-embed-")) / "coords.npy"
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            message = f"Cannot create {out.parent}: {exc.strerror}."
            raise CommandError(message, returncode=2) from exc
        with tempfile.TemporaryDirectory(dir=out.parent, prefix=".convscope-") as tmp:
            summary = services.compute(net, "embedding", params, Path(tmp) / "result")
            shutil.move(str(Path(tmp) / "result" / "coords.npy"), out)
            points = out.with_name(out.stem + "-points.npy")
            shutil.move(str(Path(tmp) / "result" / "points.npy"), points)
        output = {
            "network": net.name,
            "layer": params["layer"],
            "method": method,
            "count": summary["count"],
            "npy": str(out.resolve()),
            "points_npy": str(points.resolve()),
            "seconds": summary["seconds"],
        }
        sys.stdout.write(json.dumps(output) + "\n")
