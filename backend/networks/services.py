"""Finding networks by name, and deleting one with its files. Zoo networks: zoo.py; uploaded
ones: registration.py (checks) and staging.py (through the web); weight files: weights.py."""

from backend.core import media
from backend.networks.models import Network
from backend.networks.registration import RegistrationError


def resolve_network(name: str, user=None) -> Network:
    """The newest version of a network called `name` that `user` may see (None: any)."""
    queryset = Network.objects.filter(name=name)
    if user is not None:
        queryset = queryset.visible_to(user)
    network = queryset.order_by("-version").first()
    if network is None:
        raise Network.DoesNotExist(f"There is no network called '{name}'.")
    return network


def network_directories(network: Network) -> list[str]:
    """Every stored folder (relative to MEDIA_ROOT) of this network version: files, results."""
    folder = f"{network.name}-v{network.version}"
    return [
        f"{root}/{folder}"
        for root in ("networks", "results", "explanations", "dataset-views", "feature-vis")
    ]


def delete_network(network: Network) -> None:
    """Remove an uploaded network: its row (results cascade) and its files."""
    if network.is_zoo:
        raise RegistrationError("Zoo networks cannot be deleted.")
    directories = network_directories(network)
    network.delete()
    for directory in directories:
        media.remove(directory)
