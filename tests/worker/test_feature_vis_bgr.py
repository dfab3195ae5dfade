"""Feature visualisation of caffe-style (BGR) networks: the optimiser feeds the network its
pixels in the order the spec says, as ``worker.inputs.preprocessing`` does for images, and the
pictures come back in RGB."""

from __future__ import annotations

import numpy as np

from worker.inputs.input_spec import PRESETS, InputSpec
from worker.inputs.preprocessing import _normalise
from worker.runtime.model_loading import load_keras_model
from worker.techniques.feature_vis.model import FeatureVisModel
from worker.techniques.feature_vis.visualise import visualise_classes, visualise_filters

CAFFE = PRESETS["caffe"]
# The same preprocessing in RGB order: the caffe means reversed, no channel swap.
CAFFE_RGB = {**CAFFE, "mean": tuple(reversed(CAFFE["mean"])), "channel_order": "rgb"}


def _twins(tmp_path) -> tuple[FeatureVisModel, FeatureVisModel]:
    """One network saved twice: for RGB input, and for BGR input (its first convolution's
    input channels reversed), each loaded from its file with its own spec."""
    from tests.fixtures.models import build_tiny_vgg_64_rgb

    model = build_tiny_vgg_64_rgb(seed=3)
    model.save(tmp_path / "rgb.keras")
    kernel, bias = model.get_layer("conv_1_1").get_weights()
    model.get_layer("conv_1_1").set_weights([kernel[:, :, ::-1, :], bias])
    model.save(tmp_path / "bgr.keras")
    rgb = FeatureVisModel(
        load_keras_model(tmp_path / "rgb.keras"),
        InputSpec(height=64, width=64, channels=3, **CAFFE_RGB),
    )
    bgr = FeatureVisModel(
        load_keras_model(tmp_path / "bgr.keras"),
        InputSpec(height=64, width=64, channels=3, **CAFFE),
    )
    return rgb, bgr


def test_bgr_network_gives_the_rgb_networks_pictures(tmp_path):
    rgb, bgr = _twins(tmp_path)
    # The graph's preprocessing is the images' preprocessing, channel swap included.
    pixels = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 3)).astype(np.float32)
    np.testing.assert_allclose(
        bgr._preprocess(pixels / 255.0), _normalise(pixels, bgr.spec), rtol=1e-5, atol=1e-3
    )
    np.testing.assert_allclose(
        bgr.measure("conv_2_1", pixels), rgb.measure("conv_2_1", pixels), rtol=1e-4, atol=1e-3
    )
    # The same pictures (in RGB) and activations from either file. Few steps: the two
    # convolutions add their products in other orders, and the optimiser (Adam) amplifies
    # those rounding differences over many steps.
    one = visualise_filters(rgb, "conv_2_1", [0, 4, 7], steps=4)
    two = visualise_filters(bgr, "conv_2_1", [0, 4, 7], steps=4)
    difference = np.abs(one.images.astype(int) - two.images.astype(int))
    assert np.percentile(difference, 99) <= 10, np.percentile(difference, 99)
    np.testing.assert_allclose(two.activations, one.activations, rtol=1e-2, atol=1e-2)
    # Not the same picture with red and blue swapped (what ignoring the order gave).
    swapped = np.abs(one.images.astype(int) - two.images[..., ::-1].astype(int))
    assert swapped.mean() > 5 * difference.mean(), (swapped.mean(), difference.mean())
    classes_one = visualise_classes(rgb, [2], steps=4)
    classes_two = visualise_classes(bgr, [2], steps=4)
    difference = np.abs(classes_one.images.astype(int) - classes_two.images.astype(int))
    assert np.percentile(difference, 99) <= 10, np.percentile(difference, 99)
    # The pixel model for other tools takes RGB pixels too.
    np.testing.assert_allclose(
        bgr.pixel_model("conv_2_1")(pixels).numpy(),
        rgb.pixel_model("conv_2_1")(pixels).numpy(),
        rtol=1e-4,
        atol=1e-3,
    )
