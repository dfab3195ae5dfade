"""The Photos sample set: scikit-image's colour photos, each with its licence, labelled with
the ImageNet class it shows (or none), in the zoo's ImageNet network's class order."""

import numpy as np
import pytest

import datasets.photos as photos_module
from datasets.base import MANIFEST_KEYS
from datasets.photos import NO_CLASS, PHOTOS, Photos
from datasets.registry import get_dataset, list_datasets, list_sample_sets
from tests.fixtures.efficientnet import efficientnet_lite0_dir


@pytest.fixture(scope="module")
def zoo_manifest():
    return efficientnet_lite0_dir() / "manifest.json"


@pytest.fixture
def photos(zoo_manifest, monkeypatch):
    # The class table of a converted network (the test cache's, not the zoo folder's).
    monkeypatch.setattr(photos_module, "ZOO_MANIFEST", zoo_manifest)
    return Photos()


def test_registered_as_sample_set():
    assert [d.name for d in list_sample_sets()] == ["photos"]
    assert get_dataset("photos").name == "photos"
    assert "photos" not in [d.name for d in list_datasets()]


def test_licences_recorded():
    allowed = {"CC0", "CC0 1.0", "public domain", "no known copyright restrictions"}
    assert len(PHOTOS) == 7 and all(photo.licence in allowed for photo in PHOTOS)
    assert "stereo_motorcycle" not in {photo.key for photo in PHOTOS}  # no licence stated
    manifest = Photos().manifest
    assert tuple(manifest) == MANIFEST_KEYS
    for photo in PHOTOS:
        assert f"{photo.key}: {photo.licence}" in manifest["licence"]


def test_loads_with_imagenet_labels(photos):
    assert photos.available()
    manifest = photos.manifest
    assert len(manifest["classes"]) == 1001 and manifest["classes"][-1] == NO_CLASS
    images, labels = photos.load("test")
    assert images.shape == (7, 224, 224, 3) and images.dtype == np.uint8
    names = [manifest["classes"][label] for label in labels]
    assert names[:3] == ["tabby cat", "espresso", "missile"]
    assert names[3:] == [NO_CLASS] * 4
    assert photos.load("train")[0].shape == (0, 224, 224, 3)
    assert photos.sample_indices() == list(range(7))
    image, label = photos.sample(0)
    assert manifest["classes"][label] == "tabby cat" and image.std() > 20  # a real photo
    assert {d["key"]: d["licence"] for d in photos.photo_details()}["chelsea"] == "CC0"


def test_unavailable_without_the_class_table(tmp_path, monkeypatch):
    monkeypatch.setattr(photos_module, "ZOO_MANIFEST", tmp_path / "missing.json")
    photos = Photos()
    assert not photos.available()
    assert photos.manifest["splits"] == {"train": 0, "test": 0}
    assert photos.sample_indices() == []
    with pytest.raises(IndexError):
        photos.sample(0)
