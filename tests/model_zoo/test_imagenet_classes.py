"""ImageNet-1k's class names and definitions, read from timm's wheel (never typed by hand)."""

import pytest

from model_zoo.imagenet_classes import read_classes, short_name, timm_wheel


@pytest.fixture(scope="module")
def classes():
    return read_classes(timm_wheel())  # pip-downloaded into var/wheels/ once


def test_count_order_and_names(classes):
    wnids = [item.wnid for item in classes]
    assert len(classes) == 1000 and wnids == sorted(wnids) and len(set(wnids)) == 1000
    names = [item.name for item in classes]
    assert len(set(names)) == 1000
    assert names[:3] == ["tench", "goldfish", "great white shark"]
    tabby = classes[281]
    assert (tabby.wnid, tabby.name) == ("n02123045", "tabby cat")
    assert tabby.definition == "a cat with a grey or tawny coat mottled with black"
    assert {"Egyptian cat", "tiger cat", "espresso", "missile"} <= set(names)
    assert all(item.definition and "_" not in item.name for item in classes)
    assert "crane (n02012849)" in names and "maillot (tank suit)" in names


def test_short_name():
    assert short_name(["tabby", "tabby cat"]) == "tabby cat"
    assert short_name(["goldfish", "Carassius auratus"]) == "goldfish"
    assert short_name(["mouse", "computer mouse"]) == "mouse"
