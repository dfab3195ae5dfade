"""Fixtures shared by every test: TensorFlow quiet and deterministic, a private media root,
the zoo networks registered (the slow part done once per session), users and API clients."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

pytest_plugins = ["tests.fixtures.services", "tests.fixtures.object_store"]


@pytest.fixture(scope="session")
def media_root() -> Path:
    """The session's private media root (made by the test settings); zoo weights go there once."""
    from django.conf import settings

    return Path(settings.MEDIA_ROOT)


def pytest_unconfigure(config) -> None:
    import shutil

    from django.conf import settings

    root = Path(str(getattr(settings, "MEDIA_ROOT", "")))
    if root.name.startswith("convscope-test-media-"):
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def zoo_fields(media_root) -> list[dict]:
    """Validated and exported zoo networks, ready to insert as rows (once per session)."""
    from backend.networks.zoo import zoo_network_fields
    from model_zoo.registry import list_zoo

    entries = list_zoo()
    assert entries and all(entry.is_built() for entry in entries), "zoo files are missing"
    return [zoo_network_fields(entry) for entry in entries]


@pytest.fixture
def zoo(db, zoo_fields) -> dict:
    """The built-in datasets and zoo networks as database rows, by name."""
    from backend.datasets.services import sync_builtin_datasets
    from backend.networks.zoo import save_zoo_network

    sync_builtin_datasets()
    return {fields["name"]: save_zoo_network(fields) for fields in zoo_fields}


HISTORY_NETWORK = "tiny-vgg-history"


@pytest.fixture(scope="session")
def history_zoo_dir() -> Path:
    """Tiny VGG trained by its recipe with a checkpoint per epoch, quickly (3 epochs on 2,000
    images, ~20 s): a zoo folder with model.keras, manifest.json and checkpoints/. Named
    HISTORY_NETWORK so its rows and files never touch the real tiny-vgg's. Trained once and
    kept by the hash of the recipe's code (tests/fixtures/build_cache.py): the run is
    bit-reproducible (non-oneDNN kernels), so a cached one is the run itself."""
    import json

    from tests.fixtures.build_cache import cached_dir, content_key, python_sources

    def build(out: Path) -> None:
        from model_zoo.train import train

        train("tiny-vgg", out_dir=out, epochs=3, checkpoints=True, limit=2000)
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        manifest.update(name=HISTORY_NETWORK, title="Tiny VGG (training history)")
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    sources = python_sources("model_zoo", "datasets")
    return cached_dir("history-zoo", content_key(sources, HISTORY_NETWORK), build)


@pytest.fixture(scope="session")
def history_fields(history_zoo_dir, media_root) -> dict:
    from backend.networks.zoo import zoo_network_fields
    from model_zoo.registry import ZooEntry

    return zoo_network_fields(ZooEntry(HISTORY_NETWORK, history_zoo_dir))


@pytest.fixture
def history_network(zoo, history_fields):
    """A public zoo-source network with three training checkpoints (see history_zoo_dir)."""
    from backend.networks.zoo import save_zoo_network

    return save_zoo_network(history_fields)


@pytest.fixture
def make_user(db):
    from django.contrib.auth import get_user_model

    def make(username: str = "alice", **extra):
        return get_user_model().objects.create_user(
            username=username, password="pw-" + username, **extra
        )

    return make


@pytest.fixture
def user(make_user):
    return make_user("alice")


@pytest.fixture
def other_user(make_user):
    return make_user("mallory")


@pytest.fixture
def api(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def other_api(other_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(other_user)
    return client


@pytest.fixture
def anon_api():
    from rest_framework.test import APIClient

    return APIClient()
