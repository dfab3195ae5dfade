"""`manage.py evaluate`: a network on its dataset's test split, in-process (no worker)."""

import json as json_module
import sys
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from backend.evaluations import services
from backend.networks.models import Network
from backend.networks.services import resolve_network


class Command(BaseCommand):
    help = "Evaluate a network on its dataset's test split: accuracy and confusion matrix."

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="network name (newest version)")
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")

    def handle(self, *args, network, **options):
        net = _network(network)
        try:
            services.clean_params(net, "evaluation", {})
        except services.RequestInvalid as exc:
            raise CommandError(str(exc), returncode=2) from exc
        with tempfile.TemporaryDirectory(prefix="convscope-evaluate-") as tmp:
            summary = services.compute(net, "evaluation", {}, Path(tmp) / "result")
        if options["json"]:
            _print_json(net, summary)
        else:
            _print_table(net, summary)


def _network(name: str) -> Network:
    try:
        return resolve_network(name)
    except Network.DoesNotExist as exc:
        raise CommandError(str(exc), returncode=2) from exc


def _print_json(net: Network, summary: dict) -> None:
    output = {
        "network": net.name,
        "accuracy": summary["accuracy"],
        "labels": summary["labels"],
        "confusion": summary["confusion"],
        "precision": summary["precision"],
        "recall": summary["recall"],
        "count": summary["count"],
    }
    sys.stdout.write(json_module.dumps(output) + "\n")


def _print_table(net: Network, summary: dict) -> None:
    lines = [
        f"{net.name} v{net.version} on {summary['count']} test images: "
        f"accuracy {summary['accuracy']:.4f}",
        f"{'class':<16} {'precision':>9} {'recall':>7} {'images':>7}",
    ]
    for label, p, r, n in zip(
        summary["labels"], summary["precision"], summary["recall"], summary["support"],
        strict=True,
    ):  # fmt: skip
        lines.append(f"{label:<16} {p:>9.3f} {r:>7.3f} {n:>7d}")
    sys.stdout.write("\n".join(lines) + "\n")
