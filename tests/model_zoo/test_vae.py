"""The zoo's VAEs (model_zoo/vae), the neighbourhood view's generators: the shipped files are
whole, their manifests' test-split figures are re-measured here, and what they generate is
recognisable to the zoo's own classifier."""

import json

import numpy as np
import pytest

from model_zoo.vae.store import ZOO_VAES, zoo_vae


@pytest.fixture(scope="module", params=sorted(ZOO_VAES))
def shipped(request):
    from model_zoo.vae.train import to_unit  # noqa: F401  (sets the TensorFlow environment)
    from worker.runtime.model_loading import load_stored_model

    files = zoo_vae(request.param)
    assert files.is_complete(), f"{files.directory} is missing a file or has a changed model"
    encoder = load_stored_model(files.encoder_path)
    decoder = load_stored_model(files.decoder_path)
    return request.param, files.manifest(), encoder, decoder


def test_the_manifests_test_split_figures_are_measured_again(shipped):
    from datasets.registry import get_dataset
    from model_zoo.vae.train import evaluate_vae

    name, manifest, encoder, decoder = shipped
    images, _ = get_dataset(name).load("test")
    measured = evaluate_vae(encoder, decoder, images)
    assert measured["images"] == manifest["test"]["images"] == len(images)
    for key in ("reconstruction", "kl", "elbo"):
        assert measured[key] == pytest.approx(manifest["test"][key], rel=1e-3, abs=1e-3), key
    assert measured["pixel_mse"] == pytest.approx(manifest["test"]["pixel_mse"], rel=1e-3)
    # A useful generator: codes carry information (KL well above 0) and reconstructions are
    # close (mean squared error per pixel in [0, 1] below 0.04, i.e. ~0.2 per pixel).
    assert manifest["test"]["kl"] > 2 and manifest["test"]["pixel_mse"] < 0.04
    assert manifest["latent"] == 8 and len(manifest["class_means"]) == len(manifest["classes"])
    assert manifest["recipe"]["seed"] == 2026


def test_class_means_decode_to_their_class_for_tiny_vgg():
    """Every Fashion-MNIST class's mean code decodes to a picture Tiny VGG puts in that class:
    the ends of the neighbourhood view's paths are what they claim to be."""
    import keras

    from model_zoo.registry import get_zoo_entry
    from worker.techniques.neighbourhood.vae import Vae

    vae = Vae(zoo_vae("fashion-mnist").directory)
    model = keras.saving.load_model(get_zoo_entry("tiny-vgg").model_path, compile=False)
    means = np.asarray(vae.manifest["class_means"], np.float32)
    pictures = vae.decode(means)
    answers = np.argmax(model.predict(pictures / 255.0, verbose=0), axis=1)
    assert (answers == np.arange(10)).sum() >= 8, answers.tolist()


def test_reconstructions_keep_the_class_for_tiny_vgg():
    """Tiny VGG's accuracy on the VAE's reconstructions of 1,000 test pictures stays high."""
    import keras

    from datasets.registry import get_dataset
    from model_zoo.registry import get_zoo_entry
    from worker.techniques.neighbourhood.vae import Vae

    vae = Vae(zoo_vae("fashion-mnist").directory)
    images, labels = get_dataset("fashion-mnist").load("test")
    model = keras.saving.load_model(get_zoo_entry("tiny-vgg").model_path, compile=False)
    copies = vae.decode(vae.encode(images[:1000]))
    accuracy = float(
        np.mean(np.argmax(model.predict(copies / 255.0, verbose=0), 1) == labels[:1000])
    )
    assert accuracy >= 0.7, accuracy


def test_the_recipe_is_recorded_and_the_manifest_is_plain_json():
    for name in ZOO_VAES:
        text = zoo_vae(name).manifest_path.read_text("utf-8")
        manifest = json.loads(text)
        assert (
            manifest["dataset"] == name
            and manifest["history"][-1]["epoch"] == manifest["recipe"]["epochs"]
        )


def test_the_recipe_is_seeded_two_runs_give_the_same_weights():
    """Two short runs of the digits recipe train bit for bit alike (the shipped VAEs can be
    made again on this machine)."""
    from datasets.registry import get_dataset
    from model_zoo.vae.recipe import RECIPES, VaeRecipe
    from model_zoo.vae.train import train_vae

    images, _ = get_dataset("digits").load("train")
    recipe = VaeRecipe(**{**RECIPES["digits"].as_dict(), "epochs": 3})
    first = train_vae(images, recipe)
    second = train_vae(images, recipe)
    assert first[2] == second[2]  # the per-epoch losses
    for a, b in zip(first[0].get_weights() + first[1].get_weights(),
                    second[0].get_weights() + second[1].get_weights(), strict=True):  # fmt: skip
        np.testing.assert_array_equal(a, b)
