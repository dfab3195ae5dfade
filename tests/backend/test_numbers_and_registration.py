"""The numbers are the network's: every layer against an independent NumPy re-implementation,
for the zoo Tiny VGG and for a 64×64×3 model someone else built and we registered."""

import json
import zipfile

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from backend.networks.models import Network
from tests.fixtures.images import fashion_sample_png, image_bytes
from tests.fixtures.models import build_tiny_vgg_64_rgb, build_vector_model, save_model
from tests.worker.numpy_reference import reference_forward

pytestmark = pytest.mark.django_db


def analyze(capsys, network: str, image_path, out_dir) -> dict:
    call_command("analyze", network=network, image=image_path, out=out_dir)
    return json.loads(capsys.readouterr().out)


def reference_layers(network: Network, pixels: np.ndarray) -> dict[str, np.ndarray]:
    from worker.inputs.input_spec import InputSpec
    from worker.inputs.preprocessing import preprocess
    from worker.runtime.model_loading import load_keras_model

    model = load_keras_model(network.model_path)
    x = preprocess(pixels, InputSpec.from_dict(network.input_spec))
    return reference_forward(model, x)


def assert_layers_match(result: dict, expected: dict[str, np.ndarray]) -> None:
    assert [layer["name"] for layer in result["layers"]] == list(expected)
    for layer in result["layers"]:
        got = np.load(layer["npy"])
        want = np.asarray(expected[layer["name"]]).reshape(got.shape)
        np.testing.assert_allclose(got, want, atol=1e-4, rtol=0, err_msg=layer["name"])
        assert list(got.shape) == layer["shape"]


def test_zoo_tiny_vgg_matches_numpy(zoo, capsys, tmp_path):
    from worker.inputs.images import decode_image

    for index in (0, 1, 2):
        data, label = fashion_sample_png(index)
        path = tmp_path / f"sample{index}.png"
        path.write_bytes(data)
        result = analyze(capsys, "tiny-vgg", path, tmp_path / f"out{index}")
        assert result["network"] == "tiny-vgg"
        assert len(result["top"]) == 10
        expected = reference_layers(zoo["tiny-vgg"], decode_image(data).pixels)
        assert_layers_match(result, expected)
        top_probability = result["top"][0]["probability"]
        assert top_probability == pytest.approx(float(np.max(expected["output"])), abs=1e-5)


def write_labels(tmp_path, count: int, as_json: bool = False):
    labels = [f"class {i}" for i in range(count)]
    path = tmp_path / ("labels.json" if as_json else "labels.txt")
    path.write_text(json.dumps(labels) if as_json else "\n".join(labels) + "\n")
    return path


def networks_dir_entries(media_root) -> list[str]:
    folder = media_root / "networks"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_register_foreign_64x64_rgb_model(zoo, capsys, tmp_path, media_root):
    model_path = save_model(build_tiny_vgg_64_rgb(seed=7), tmp_path / "someone-elses.keras")
    call_command(
        "register_network",
        file=model_path,
        name="explainer-vgg",
        labels=write_labels(tmp_path, 10, as_json=True),
        input_size="64x64",
        channels=3,
        public=True,
        json=True,
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["input_spec"]["height"] == 64 and summary["input_spec"]["channels"] == 3
    network = Network.objects.get(name="explainer-vgg")
    types = [layer["type"] for layer in network.layers]
    assert types.count("Activation") == 4 and types[-1] == "Dense"
    assert network.layers[0]["output_shape"] == [62, 62, 10]
    assert network.layers[0]["params"] == 3 * 3 * 3 * 10 + 10
    assert network.params == sum(layer["params"] for layer in network.layers)
    assert network.softmax_output

    rng = np.random.default_rng(3)
    pixels = (rng.random((80, 90, 3)) * 255).astype(np.uint8)  # resized to 64×64 by the server
    image_path = tmp_path / "photo.png"
    image_path.write_bytes(image_bytes(pixels))
    result = analyze(capsys, "explainer-vgg", image_path, tmp_path / "out")
    assert_layers_match(result, reference_layers(network, pixels))

    # Registering the same name again makes a new version; analyses use the newest.
    call_command(
        "register_network",
        file=model_path,
        name="explainer-vgg",
        labels=write_labels(tmp_path, 10),
    )
    assert sorted(
        Network.objects.filter(name="explainer-vgg").values_list("version", flat=True)
    ) == [
        1,
        2,
    ]


def lambda_model_file(tmp_path):
    import keras

    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Lambda(lambda t: t * 2, name="evil")(inputs)
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(2, activation="softmax")(x)
    return save_model(keras.Model(inputs, outputs), tmp_path / "lambda.keras")


def traversal_model_file(tmp_path):
    good = save_model(build_tiny_vgg_64_rgb(seed=1), tmp_path / "good.keras")
    bad = tmp_path / "traversal.keras"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        target.writestr("../../outside.txt", b"gotcha")
    return bad


REFUSALS = {
    "lambda layer": (lambda tmp: lambda_model_file(tmp), 2, {}, "Lambda"),
    "not an image model": (
        lambda tmp: save_model(build_vector_model(), tmp / "vector.keras"),
        3,
        {},
        "image",
    ),
    "path traversal": (traversal_model_file, 10, {}, "unsafe entry"),
    "wrong label count": (
        lambda tmp: save_model(build_tiny_vgg_64_rgb(), tmp / "m.keras"),
        7,
        {},
        "10 outputs",
    ),
    "wrong input size": (
        lambda tmp: save_model(build_tiny_vgg_64_rgb(), tmp / "m.keras"),
        10,
        {"input_size": "32x32"},
        "64×64",
    ),
    "not a model file": (
        lambda tmp: (tmp / "x.txt").write_text("hi") and tmp / "x.txt",
        10,
        {},
        ".keras",
    ),
    "garbage keras": (
        lambda tmp: (tmp / "junk.keras").write_bytes(b"not a zip at all") and tmp / "junk.keras",
        10,
        {},
        "",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_register_refusals_leave_nothing(zoo, tmp_path, media_root, case):
    make_file, label_count, extra, reason = REFUSALS[case]
    path = make_file(tmp_path)
    before = networks_dir_entries(media_root)
    with pytest.raises(CommandError) as refused:
        call_command(
            "register_network",
            file=path,
            name="refused-net",
            labels=write_labels(tmp_path, label_count),
            **extra,
        )
    message = str(refused.value)
    assert reason.lower() in message.lower() and "\n" not in message.strip()
    assert not Network.objects.filter(name="refused-net").exists()
    assert networks_dir_entries(media_root) == before
    assert not (tmp_path.parent / "outside.txt").exists()


def test_register_legacy_h5_model(zoo, capsys, tmp_path):
    model_path = save_model(build_tiny_vgg_64_rgb(seed=11), tmp_path / "legacy.h5")
    call_command(
        "register_network", file=model_path, name="legacy-vgg", labels=write_labels(tmp_path, 10)
    )
    assert "Registered legacy-vgg v1" in capsys.readouterr().out
    network = Network.objects.get(name="legacy-vgg")
    assert network.model_path.suffix == ".h5" and len(network.layers) == 12
    pixels = (np.random.default_rng(5).random((64, 64, 3)) * 255).astype(np.uint8)
    image_path = tmp_path / "photo.png"
    image_path.write_bytes(image_bytes(pixels))
    result = analyze(capsys, "legacy-vgg", image_path, tmp_path / "out")
    assert_layers_match(result, reference_layers(network, pixels))
