from django.apps import AppConfig


class DatasetsConfig(AppConfig):
    name = "backend.datasets"
    label = "datasets"

    def ready(self) -> None:
        # Registered datasets live under MEDIA_ROOT/datasets; the `datasets` package (free of
        # Django) is told where, so get_dataset finds them in the web process and the worker.
        from backend.core import media
        from backend.datasets.models import stored_datasets_root
        from datasets.registry import set_stored_fetch, set_stored_root

        set_stored_root(stored_datasets_root())
        # With an object store, a dataset registered on another machine is fetched on first use.
        set_stored_fetch(lambda name: media.local_dir(f"datasets/{name}"))
