"""Train what is missing from the model zoo and register every zoo network (idempotent)."""

import importlib
import time

from django.core.management.base import BaseCommand, CommandError

from backend.core import media
from backend.datasets.services import sync_builtin_datasets
from backend.networks.models import Network
from backend.networks.zoo import register_zoo_entry, zoo_checkpoint_history


class Command(BaseCommand):
    help = "Build (train if missing) and register the model zoo and the built-in datasets."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="zoo networks to build (default: all)")
        parser.add_argument(
            "--retrain", action="store_true", help="train again even when the file is up to date"
        )

    def handle(self, *args, names: list[str], retrain: bool, **options):
        from model_zoo.registry import get_zoo_entry, list_converted, list_zoo
        from model_zoo.train import train

        sync_builtin_datasets()
        try:
            entries = (
                [get_zoo_entry(name) for name in names]
                if names
                else [*list_zoo(), *list_converted()]
            )
        except KeyError as exc:
            raise CommandError(str(exc.args[0] if exc.args else exc)) from exc
        for entry in entries:
            if entry.converted and (retrain or not entry.is_built()):
                self.stdout.write(f"Converting {entry.name} from its published weights…")
                manifest = importlib.import_module(f"{entry.module}.convert").build()
                self.stdout.write(f"  converted in {manifest['build_seconds']:.0f} s")
                sync_builtin_datasets()  # the Photos set takes its class names from it
            elif retrain or not entry.is_built():
                self.stdout.write(f"Training {entry.name} (this takes a few minutes)…")
                started = time.perf_counter()
                manifest = train(entry.name)
                self.stdout.write(
                    f"  trained in {time.perf_counter() - started:.0f} s, "
                    f"test accuracy {manifest['test_accuracy']:.4f}"
                )
            manifest = entry.manifest()
            current = Network.objects.filter(
                name=manifest["name"],
                version=manifest["version"],
                weights_sha256=manifest["weights_sha256"],
            ).first()
            # Checkpoints shipped after the network was registered (same weights) refresh it.
            shipped = [row.get("checkpoint") for row in zoo_checkpoint_history(entry, manifest)]
            known = [row.get("checkpoint") for row in current.history] if current else None
            if (
                current is not None
                and known == shipped
                and media.exists(f"{current.files_folder}/weights")
            ):
                self.stdout.write(f"{entry.name} v{manifest['version']} is up to date.")
                continue
            network = register_zoo_entry(entry)
            accuracy = (
                f"test accuracy {network.test_accuracy:.4f}"
                if network.test_accuracy is not None
                else "pretrained"
            )
            self.stdout.write(
                f"Registered {network.name} v{network.version} "
                f"({len(network.layers)} layers, {accuracy})."
            )
