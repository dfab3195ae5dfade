"""Link a dataset to a registered network afterwards, or unlink it."""

from django.core.management.base import BaseCommand, CommandError

from backend.networks.models import Network
from backend.networks.registration import RegistrationError
from backend.networks.services import link_dataset, resolve_network


class Command(BaseCommand):
    help = (
        "Link a dataset to an uploaded network (its class count must match the network's "
        "outputs), or unlink it with --unlink."
    )

    def add_arguments(self, parser):
        parser.add_argument("--network", required=True, help="network name")
        parser.add_argument("--network-version", type=int, help="the version (default: the newest)")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--dataset", help="name of a registered dataset")
        which.add_argument("--unlink", action="store_true", help="remove the link")

    def handle(self, *args, network, network_version, dataset, unlink, **options):
        version = network_version
        try:
            if version is None:
                net = resolve_network(network)
            else:
                net = Network.objects.get(name=network, version=version)
        except Network.DoesNotExist as exc:
            message = str(exc) if version is None else f"There is no {network} v{version}."
            raise CommandError(message, returncode=2) from exc
        try:
            link_dataset(net, None if unlink else dataset)
        except (RegistrationError, PermissionError) as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if unlink:
            self.stdout.write(f"{net.name} v{net.version} has no dataset now.")
        else:
            self.stdout.write(f"{net.name} v{net.version} is linked to the dataset {dataset}.")
