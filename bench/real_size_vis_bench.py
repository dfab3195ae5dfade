"""Ours against tf-keras-vis 0.8.7 on a real-size network (ResNet50, 224×224, random weights):
gradient, SmoothGrad and Grad-CAM, same image, target and layer. Prints a markdown table.

Django-free; run by bench/real_size_bench.py in its own process (the worker's TensorFlow
settings must be set before TensorFlow starts):

    .venv/bin/python bench/real_size_vis_bench.py var/bench-models/resnet50.keras
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

from bench.attribution_bench import TheirMethods, median_ms, pearson  # noqa: E402

RUNS = 5
CAM_LAYER = "conv5_block3_out"
CAFFE_MEANS_BGR = np.array([103.939, 116.779, 123.68], np.float32)


def caffe_input() -> np.ndarray:
    """scikit-image's astronaut at 224×224 in keras.applications' "caffe" convention."""
    from PIL import Image
    from skimage import data

    rgb = np.asarray(Image.fromarray(data.astronaut()).resize((224, 224)), np.float32)
    return rgb[..., ::-1] - CAFFE_MEANS_BGR


def main() -> None:
    from worker.runtime.model_loading import load_keras_model
    from worker.techniques.attribution.model import AttributionModel
    from worker.techniques.attribution.registry import explain

    keras_model = load_keras_model(Path(sys.argv[1]))
    model = AttributionModel(keras_model)
    theirs = TheirMethods(keras_model)
    x = caffe_input()
    target = model.predicted_class(x)
    lines = [
        "",
        f"ResNet50 at 224×224: ours against tf-keras-vis (median of {RUNS} warm runs, "
        f"target = predicted class, Grad-CAM at `{CAM_LAYER}`; r at the layer's resolution "
        "for Grad-CAM, at 1024 samples on both sides for SmoothGrad is in the Attribution "
        "section; here r at 20 samples is bounded by sampling noise).",
        "",
        "| method | ours (ms) | tf-keras-vis (ms) | speed-up | r (maps) | r (layer map) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for method in ("gradient", "smoothgrad", "gradcam"):
        layer = CAM_LAYER if method == "gradcam" else None

        def ours(method=method, layer=layer):
            return explain(model, x, method, target=target, layer=layer)

        def their(method=method):
            return theirs.run(method, x, target, CAM_LAYER)

        ours_ms = median_ms(ours, RUNS, 1)
        their_ms = median_ms(their, RUNS, 1)
        r = pearson(ours().map, their())
        layer_r = "—"
        if method == "gradcam":
            theirs_layer = theirs.run(method, x, target, CAM_LAYER, expand_cam=False)
            layer_r = f"{pearson(ours().layer_map, theirs_layer):.4f}"
        lines.append(
            f"| {method} | {ours_ms:.0f} | {their_ms:.0f} | {their_ms / ours_ms:.1f}× | "
            f"{r:.4f} | {layer_r} |"
        )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
