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


def link_dataset(network: Network, dataset_name: str | None, user=None) -> Network:
    """Link the dataset called ``dataset_name`` to an uploaded network (None: unlink).

    ``user`` must own the network or be an administrator, and see the dataset (None: the
    command line, which may do anything). The dataset needs as many classes as the network
    has outputs, as at registration. RegistrationError says why not; PermissionError when
    the user may not change this network.
    """
    from backend.core.roles import is_admin
    from backend.datasets.models import Dataset

    if network.is_zoo:
        raise PermissionError("The dataset of a zoo network cannot be changed.")
    if user is not None and network.owner_id != user.pk and not is_admin(user):
        raise PermissionError("Only the network's owner or an administrator can change it.")
    dataset = None
    if dataset_name:
        datasets = Dataset.objects.all() if user is None else Dataset.objects.visible_to(user)
        dataset = datasets.filter(name=dataset_name).first()
        if dataset is None:
            raise RegistrationError(f"There is no dataset called '{dataset_name}'.")
        classes = list(dataset.manifest.get("classes", []))
        if classes and len(classes) != len(network.labels):
            raise RegistrationError(
                f"The network has {len(network.labels)} outputs but the dataset "
                f"'{dataset.name}' has {len(classes)} classes."
            )
    Network.objects.filter(pk=network.pk).update(dataset=dataset)
    network.dataset = dataset
    return network
