"""`manage.py analyze` as a script sees it: JSON on stdout, one line on stderr for bad input."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.fixtures.images import fashion_sample_png
from tests.fixtures.services import database_url_for_worker

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, media_root: Path) -> subprocess.CompletedProcess:
    from django.db import connection

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.local",
        "DATABASE_URL": database_url_for_worker(connection),
        "CONVSCOPE_MEDIA_ROOT": str(media_root),
        # No broker: the CLI must not need one.
        "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, timeout=120
    )


def test_analyze_prints_json_and_writes_npy(zoo, media_root, tmp_path):
    data, label = fashion_sample_png(0)
    image = tmp_path / "boot.png"
    image.write_bytes(data)
    out = tmp_path / "out"
    done = run_manage(
        "analyze",
        "--network",
        "tiny-vgg",
        "--image",
        str(image),
        "--out",
        str(out),
        media_root=media_root,
    )
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert result["network"] == "tiny-vgg"
    assert result["top"][0]["label"] == zoo["tiny-vgg"].labels[label]
    assert len(result["top"]) == 10
    assert all(
        a["probability"] >= b["probability"]
        for a, b in zip(result["top"], result["top"][1:], strict=False)
    )
    assert [layer["name"] for layer in result["layers"]] == [
        x["name"] for x in zoo["tiny-vgg"].layers
    ]
    for layer in result["layers"]:
        array = np.load(layer["npy"])
        assert list(array.shape) == layer["shape"] and Path(layer["npy"]).parent == out
    # what the network knows, and whether the image is like its training images
    assert result["ood"]["method"] == "mahalanobis" and result["ood"]["flagged"] is False
    assert result["model_card"]["sentence"] == "It can only answer with one of these 10 classes."
    assert b"unlike the pictures" not in done.stderr

    # a photo of a cat: the same answer format, and a warning
    from skimage import data as samples

    from tests.fixtures.images import image_bytes

    cat = tmp_path / "cat.png"
    cat.write_bytes(image_bytes(samples.chelsea()))
    done = run_manage(
        "analyze", "--network", "tiny-vgg", "--image", str(cat), media_root=media_root
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["ood"]["flagged"] is True
    assert b"unlike the pictures this network learned from" in done.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--network", "no-such-net", "--image", "IMAGE"], "no network called"),
        (["--network", "tiny-vgg", "--image", "/nonexistent.png"], "Cannot read"),
        (["--network", "tiny-vgg", "--image", "TEXT"], "not an image"),
    ],
)
def test_bad_input_exits_with_one_line(zoo, media_root, tmp_path, args, message):
    (tmp_path / "text.png").write_text("not a picture")
    (tmp_path / "ok.png").write_bytes(fashion_sample_png(0)[0])
    args = [
        str(tmp_path / "ok.png")
        if a == "IMAGE"
        else str(tmp_path / "text.png")
        if a == "TEXT"
        else a
        for a in args
    ]
    done = run_manage("analyze", *args, media_root=media_root)
    stderr = done.stderr.decode().strip()
    assert done.returncode != 0
    assert message in stderr and "Traceback" not in stderr and len(stderr.splitlines()) == 1
    assert done.stdout == b""


@pytest.mark.parametrize("method", ["gradient", "gradcam++", "integrated-gradients"])
def test_explain_prints_json_and_saves_the_map(zoo, media_root, tmp_path, method):
    data, label = fashion_sample_png(0)
    image = tmp_path / "boot.png"
    image.write_bytes(data)
    out = tmp_path / "out"
    done = run_manage(
        "explain", "--network", "tiny-vgg", "--image", str(image), "--method", method,
        "--out", str(out), media_root=media_root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert {"method", "target", "layer", "npy"} <= set(result)
    assert result["method"] == method
    assert result["target"] == zoo["tiny-vgg"].labels[label]  # default: the predicted class
    assert result["layer"] == ("max_pool_2" if method == "gradcam++" else None)
    heat = np.load(result["npy"])
    assert heat.shape == (28, 28) and heat.dtype == np.float32
    assert Path(result["npy"]).parent == out.resolve()
    if method == "gradcam++":
        assert np.load(result["layer_npy"]).shape == (7, 7)


def test_explain_with_target_layer_and_params(zoo, media_root, tmp_path):
    data, _ = fashion_sample_png(0)
    image = tmp_path / "boot.png"
    image.write_bytes(data)
    done = run_manage(
        "explain", "--network", "tiny-vgg", "--image", str(image), "--method", "gradcam",
        "--target", "Sneaker", "--layer", "conv_2_1", "--out", str(tmp_path),
        media_root=media_root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    assert result["target"] == "Sneaker" and result["layer"] == "conv_2_1"
    done = run_manage(
        "explain", "--network", "tiny-vgg", "--image", str(image), "--method", "smoothgrad",
        "--param", "samples=5", "--param", "noise=0.1", "--out", str(tmp_path),
        media_root=media_root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["params"] == {"samples": 5, "noise": 0.1, "seed": 0}


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--method", "gradcam", "--layer", "flatten"], "no spatial output"),
        (["--method", "gradient", "--target", "Spaceship"], "no class"),
        (["--method", "smoothgrad", "--param", "samples=0"], "at least 1"),
        (["--method", "magic"], "invalid choice"),
    ],
)
def test_explain_refuses_bad_arguments_in_one_line(zoo, media_root, tmp_path, args, fragment):
    data, _ = fashion_sample_png(0)
    image = tmp_path / "boot.png"
    image.write_bytes(data)
    done = run_manage(
        "explain", "--network", "tiny-vgg", "--image", str(image), *args, "--out",
        str(tmp_path / "out"), media_root=media_root,
    )  # fmt: skip
    assert done.returncode == 2
    assert fragment in done.stderr.decode() and done.stdout == b""
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_explain_gradcam_plus_plus_keeps_its_own_file(zoo, media_root, tmp_path):
    """Grad-CAM++ once wrote its map under Grad-CAM's name ("++" stripped), overwriting it."""
    data, _ = fashion_sample_png(0)
    image = tmp_path / "boot.png"
    image.write_bytes(data)
    out = tmp_path / "out"
    results = {}
    for method in ("gradcam", "gradcam++"):
        done = run_manage(
            "explain", "--network", "tiny-vgg", "--image", str(image), "--method", method,
            "--out", str(out), media_root=media_root,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr.decode()
        results[method] = json.loads(done.stdout)
    plain, plus = Path(results["gradcam"]["npy"]), Path(results["gradcam++"]["npy"])
    assert plain != plus and "gradcam-plus-plus" in plus.name and "plus" not in plain.name
    assert plain.is_file() and plus.is_file()
    assert len(list(out.glob("*.npy"))) == 4  # each map and its layer-resolution map
    assert not np.array_equal(np.load(plain), np.load(plus))
