"""EfficientNet-Lite0 converted without PyTorch equals the package's own PyTorch model, and
its manifest says where it came from."""

import hashlib
import json
from pathlib import Path

import keras
import numpy as np
import pytest

from datasets.photos import PHOTOS, photo_pixels
from model_zoo.efficientnet_lite0.architecture import block_names
from model_zoo.efficientnet_lite0.convert import INPUT_SPEC, PACKAGE, PACKAGE_VERSION, pth_path
from model_zoo.registry import get_zoo_entry, list_converted, list_zoo, sha256_file
from tests.fixtures.efficientnet import efficientnet_lite0_dir
from worker.inputs.input_spec import InputSpec
from worker.inputs.preprocessing import prepare_batch

FIXTURES = Path(__file__).parent / "fixtures"
CAT_CLASSES = {"tabby cat", "tiger cat", "Egyptian cat", "Persian cat", "Siamese cat"}


@pytest.fixture(scope="module")
def built() -> Path:
    return efficientnet_lite0_dir()


@pytest.fixture(scope="module")
def model(built) -> keras.Model:
    return keras.saving.load_model(built / "model.keras")


@pytest.fixture(scope="module")
def manifest(built) -> dict:
    return json.loads((built / "manifest.json").read_text())


def test_registry_entry():
    entry = get_zoo_entry("efficientnet-lite0")
    assert entry.converted and entry.module == "model_zoo.efficientnet_lite0"
    assert [e.name for e in list_converted()] == ["efficientnet-lite0"]
    assert "efficientnet-lite0" not in [e.name for e in list_zoo()]  # the trained ones only


def test_logits_equal_pytorch(model):
    """Reference logits recorded once with PyTorch 2.13 and the package's own model
    (fixtures/record_efficientnet_lite0_reference.py): equal to 1e-4."""
    reference = np.load(FIXTURES / "efficientnet_lite0_reference.npz")
    by_key = {photo.key: photo for photo in PHOTOS}
    images = np.stack([photo_pixels(by_key[str(key)]) for key in reference["keys"]])
    digests = [hashlib.sha256(image.tobytes()).hexdigest() for image in images]
    assert digests == [str(d) for d in reference["images_sha256"]], "inputs differ from recorded"
    x = prepare_batch(images, InputSpec.from_dict(INPUT_SPEC))
    np.testing.assert_array_equal(x, (images.astype(np.float32) - 127.0) / 128.0)
    features = keras.Model(model.input, model.get_layer("avg_pool").output).predict(x, verbose=0)
    kernel, bias = model.get_layer("predictions").get_weights()
    logits = features @ kernel + bias
    assert np.abs(logits - reference["logits"]).max() <= 1e-4
    probabilities = model.predict(x, verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(probabilities.argmax(1), reference["logits"].argmax(1))


def test_cat_photo_top5_names_a_cat(model, manifest):
    spec = InputSpec.from_dict(manifest["input"])
    chelsea = next(photo for photo in PHOTOS if photo.key == "chelsea")
    row = model.predict(prepare_batch(photo_pixels(chelsea)[None], spec), verbose=0)[0]
    top5 = [manifest["labels"][i] for i in np.argsort(row)[::-1][:5]]
    assert set(top5) & CAT_CLASSES and "tabby cat" in top5, top5


def test_architecture(model):
    assert model.count_params() == 4_694_024
    assert len(block_names()) == 16
    types = {type(layer).__name__ for layer in model.layers}
    assert {"Conv2D", "DepthwiseConv2D", "BatchNormalization", "ReLU", "Add"} <= types
    assert all(layer.epsilon == 1e-3 for layer in model.layers if hasattr(layer, "epsilon"))
    assert model.output_shape == (None, 1000) and model.input_shape == (None, 224, 224, 3)


def test_manifest(built, manifest):
    assert manifest["name"] == "efficientnet-lite0" and manifest["dataset"] == "photos"
    assert manifest["weights_sha256"] == sha256_file(built / "model.keras")
    assert len(manifest["labels"]) == 1000 and len(manifest["classes"]) == 1000
    assert manifest["labels"] == [item["name"] for item in manifest["classes"]]
    assert manifest["input"] == INPUT_SPEC
    source = manifest["source"]
    assert (source["package"], source["version"]) == (PACKAGE, PACKAGE_VERSION)
    assert source["sha256"] == sha256_file(pth_path())
    assert manifest["licence"] == "Apache-2.0"
    assert manifest["published"] == {"imagenet_top1": None, "imagenet_top5": None}
    measured = manifest["measured"]
    assert measured["images"] == 3 and measured["top5"] == 3


def test_model_file_passes_the_upload_checks(built):
    """The converted file is one the product itself accepts (the allow-listed layers)."""
    from worker.runtime.model_loading import validate_model_file

    summary = validate_model_file(built / "model.keras")
    assert summary["softmax_output"] and summary["params"] == 4_694_024


# Ten classes of different kinds (animals, objects, food, scenes), chosen before looking at
# any result: ImageNet-1k indices.
VIS_CLASSES = [1, 130, 207, 323, 417, 779, 817, 949, 963, 980]


def test_class_visualisations_are_recognised_by_the_network_itself(model, manifest):
    """Feature visualisation of a class, as the product makes it (128-px optimisation resized
    to 224, the default steps): the pretrained network must call at least 8 of 10 of them its
    own class, top-1 (a check that the images carry the class's parts, not noise)."""
    from backend.features.services import OPTIMISE_SIDE
    from worker.techniques.feature_vis.visualise import visualise_classes

    spec = InputSpec.from_dict(manifest["input"])
    result = visualise_classes(model, VIS_CLASSES, size=OPTIMISE_SIDE, spec=spec)
    assert result.images.shape[0] == len(VIS_CLASSES)
    probabilities = model.predict(prepare_batch(result.images, spec), verbose=0)
    top1 = probabilities.argmax(axis=1)
    named = {
        manifest["labels"][c]: manifest["labels"][t] for c, t in zip(VIS_CLASSES, top1, strict=True)
    }
    hits = int((top1 == np.asarray(VIS_CLASSES)).sum())
    print(f"class visualisations recognised: {hits}/10 {named}")
    assert hits >= 8, named
