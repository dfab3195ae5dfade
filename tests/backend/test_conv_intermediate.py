"""The convolution intermediate view: per-input-channel parts that add up to the layer."""

import io

import numpy as np
import pytest

from tests.backend.test_analyses_api import payload_bytes, upload_sample

pytestmark = pytest.mark.django_db


def npy(api, url, **params) -> np.ndarray:
    response = api.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return np.load(io.BytesIO(payload_bytes(response)), allow_pickle=False)


@pytest.mark.parametrize("name", ["tiny-vgg", "deep-bn"])
def test_parts_sum_to_the_network_activation(api, zoo, run_queued, name):
    network = zoo[name]
    image_id = upload_sample(api, 3)
    created = api.post("/api/analyses/", {"network": network.pk, "image": image_id}, format="json")
    run_queued()
    analysis = api.get(f"/api/analyses/{created.json()['id']}/").json()
    convs = [layer for layer in network.layers if layer["type"] == "Conv2D"]
    assert convs
    for layer in convs:
        stored = npy(api, f"/api/analyses/{analysis['id']}/activations/{layer['index']}/")
        bias_file = (layer["weights"] or {}).get("bias")
        bias = np.load(network.weights_dir / bias_file) if bias_file else None
        for channel in (0, layer["output_shape"][-1] - 1):
            url = f"/api/analyses/{analysis['id']}/activations/{layer['index']}/intermediate/"
            parts = npy(api, url, channel=channel)
            in_channels = (layer["input_shape"] or [0])[-1]
            assert parts.shape == (in_channels, *stored.shape[:2])
            total = parts.astype(np.float64).sum(axis=0) + (0 if bias is None else bias[channel])
            if layer["config"].get("activation") == "relu":
                total = np.maximum(total, 0)
            np.testing.assert_allclose(
                total, stored[:, :, channel], atol=1e-5, err_msg=f"{layer['name']}[{channel}]"
            )


def test_bad_layer_or_channel_is_a_400(api, zoo, run_queued):
    network = zoo["tiny-vgg"]
    created = api.post(
        "/api/analyses/", {"network": network.pk, "image": upload_sample(api, 0)}, format="json"
    )
    run_queued()
    base = f"/api/analyses/{created.json()['id']}/activations"
    pool = next(x["index"] for x in network.layers if x["type"] == "MaxPooling2D")
    assert api.get(f"{base}/{pool}/intermediate/", {"channel": 0}).status_code == 400
    assert api.get(f"{base}/0/intermediate/", {"channel": 999}).status_code == 400
    assert api.get(f"{base}/0/intermediate/").status_code == 400
    assert api.get(f"{base}/99/intermediate/", {"channel": 0}).status_code == 404


def test_numpy_parts_match_keras_on_strided_same_padding():
    """TensorFlow's asymmetric 'same' padding with stride 2 on odd sizes, and dilation."""
    import keras

    from worker.techniques.conv_intermediate import channel_contributions

    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 9, 8, 3)).astype(np.float32)
    for strides, dilation, padding in (((2, 2), (1, 1), "same"), ((1, 1), (2, 2), "same"),
                                       ((2, 1), (1, 1), "valid")):  # fmt: skip
        layer = keras.layers.Conv2D(
            4, (3, 2), strides=strides, dilation_rate=dilation, padding=padding, use_bias=False
        )
        expected = layer(x).numpy()[0]
        kernel = layer.get_weights()[0]
        for channel in range(4):
            parts = channel_contributions(
                x[0], kernel, channel, strides=strides, padding=padding, dilation=dilation
            )
            np.testing.assert_allclose(parts.sum(axis=0), expected[:, :, channel], atol=1e-5)
