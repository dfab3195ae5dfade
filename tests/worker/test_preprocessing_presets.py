"""The keras.applications preprocessing conventions as input-spec presets (issue 17 §5): each
preset, through worker.inputs.preprocessing, equals keras' own preprocess_input on a real photo;
RGB→BGR is a spec option, and specs stored before it existed read as before (RGB)."""

import numpy as np
import pytest

from worker.inputs.input_spec import PRESETS, InputSpec
from worker.inputs.preprocessing import black_value, prepare_batch, preprocess


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    """A real colour photograph (scikit-image's astronaut, shipped with the package), 64×64."""
    from PIL import Image
    from skimage import data

    return np.asarray(Image.fromarray(data.astronaut()).resize((64, 64)), dtype=np.uint8)


def keras_reference(pixels: np.ndarray, mode: str) -> np.ndarray:
    from keras.applications import imagenet_utils

    x = pixels.astype(np.float32)[np.newaxis].copy()
    return np.asarray(imagenet_utils.preprocess_input(x, data_format="channels_last", mode=mode))[0]


@pytest.mark.parametrize("mode", ["tf", "torch", "caffe"])
def test_each_preset_equals_keras_preprocess_input(photo, mode):
    spec = InputSpec(height=64, width=64, channels=3, resize="stretch", **PRESETS[mode])
    ours = preprocess(photo, spec)
    expected = keras_reference(photo, mode)
    assert ours.shape == expected.shape == (64, 64, 3) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)
    # The batch path does the same sums.
    batch = prepare_batch(np.stack([photo, photo[::-1]]), spec)
    np.testing.assert_array_equal(batch[0], ours)
    np.testing.assert_allclose(batch[1], keras_reference(photo[::-1], mode), rtol=1e-5, atol=1e-5)


def test_caffe_reverses_the_channels_and_black_is_minus_the_means(photo):
    spec = InputSpec(height=64, width=64, channels=3, **PRESETS["caffe"])
    out = preprocess(photo, spec)
    # Channel 0 of the output is the photo's blue channel minus the blue mean.
    np.testing.assert_allclose(out[..., 0], photo[..., 2].astype(np.float32) - 103.939, atol=1e-4)
    np.testing.assert_allclose(black_value(spec), [-103.939, -116.779, -123.68], atol=1e-5)


def test_channel_order_round_trips_and_old_specs_stay_rgb():
    old = {"height": 8, "width": 8, "channels": 3, "scale": 1 / 255, "mean": [0.0], "std": [1.0]}
    spec = InputSpec.from_dict(old)
    assert spec.channel_order == "rgb" and "channel_order" not in spec.to_dict()
    bgr = InputSpec(height=8, width=8, channels=3, channel_order="bgr")
    assert bgr.to_dict()["channel_order"] == "bgr"
    assert InputSpec.from_dict(bgr.to_dict()) == bgr
    with pytest.raises(ValueError, match="channel_order"):
        InputSpec(height=8, width=8, channels=3, channel_order="grb")
    with pytest.raises(ValueError, match="3 channels"):
        InputSpec(height=8, width=8, channels=1, channel_order="bgr")
