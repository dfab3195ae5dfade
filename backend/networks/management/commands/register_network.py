"""Register any Keras image classifier: checked, loaded in a sandboxed process, validated."""

import json
import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from backend.networks.registration import (
    RegistrationError,
    RegistrationRequest,
    read_labels,
    register_uploaded_network,
)
from worker.inputs.input_spec import PRESETS


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)[xX×](\d+)", text.strip())
    if not match:
        raise CommandError(f"--input-size must look like 64x64, not '{text}'.")
    return int(match.group(1)), int(match.group(2))


class Command(BaseCommand):
    help = "Register a Keras (.keras or .h5) image classifier so it can be explored."

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True, type=Path)
        parser.add_argument("--name", required=True)
        parser.add_argument("--labels", required=True, type=Path, help="JSON list or one per line")
        parser.add_argument("--input-size", help="HxW the model expects, e.g. 64x64 (checked)")
        parser.add_argument("--channels", type=int, choices=[1, 3])
        parser.add_argument("--scale", type=float, default=1 / 255, help="pixel (0..255) × scale")
        parser.add_argument("--mean", type=float, nargs="+", default=[0.0])
        parser.add_argument("--std", type=float, nargs="+", default=[1.0])
        parser.add_argument("--resize", choices=["stretch", "center-crop"], default="stretch")
        parser.add_argument(
            "--channel-order",
            choices=["rgb", "bgr"],
            default="rgb",
            help="bgr: RGB pixels are reversed to BGR before scaling (caffe-style networks)",
        )
        parser.add_argument(
            "--preprocessing", choices=sorted(PRESETS),
            help="a keras.applications convention instead of --scale/--mean/--std/"
            "--channel-order: tf (x/127.5 - 1), torch (x/255, ImageNet mean/std), "
            "caffe (BGR minus the ImageNet means)",
        )  # fmt: skip
        parser.add_argument(
            "--dataset", help="name of a registered dataset this model was trained on"
        )
        parser.add_argument("--public", action="store_true", help="visible to every user")
        parser.add_argument("--owner", help="username of the owner (default: none, admin-managed)")
        parser.add_argument("--title", default="")
        parser.add_argument(
            "--training-data",
            default="",
            help="what it was trained on, in plain words (shown on its model card)",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **options):
        owner = None
        if options["owner"]:
            owner = get_user_model().objects.filter(username=options["owner"]).first()
            if owner is None:
                raise CommandError(f"There is no user called '{options['owner']}'.", returncode=2)
        preprocessing = {
            "scale": options["scale"],
            "mean": tuple(options["mean"]),
            "std": tuple(options["std"]),
            "channel_order": options["channel_order"],
        }
        if options["preprocessing"]:
            if options["channels"] not in (None, 3):
                raise CommandError("The presets are for RGB (3-channel) networks.", returncode=2)
            preprocessing = dict(PRESETS[options["preprocessing"]])
        try:
            request = RegistrationRequest(
                file=options["file"],
                name=options["name"],
                labels=read_labels(options["labels"]),
                input_size=parse_size(options["input_size"]) if options["input_size"] else None,
                channels=options["channels"],
                resize=options["resize"],
                **preprocessing,
                dataset=options["dataset"],
                public=options["public"],
                owner=owner,
                title=options["title"],
                training_data=options["training_data"],
            )
            network = register_uploaded_network(request)
        except RegistrationError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        summary = {
            "id": network.pk,
            "name": network.name,
            "version": network.version,
            "input_spec": network.input_spec,
            "labels": network.labels,
            "params": network.params,
            "layers": [
                {k: layer[k] for k in ("name", "type", "output_shape", "params")}
                for layer in network.layers
            ],
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"Registered {network.name} v{network.version}: {len(network.layers)} layers, "
                f"{network.params} parameters, input {network.input_spec['height']}×"
                f"{network.input_spec['width']}×{network.input_spec['channels']}."
            )
