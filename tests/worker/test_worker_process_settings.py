"""The worker's own TensorFlow settings (oneDNN kernels, batches cut into parallel lanes) give
the same maps as the plain settings this test process uses."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
METHODS = ["gradient", "smoothgrad", "integrated-gradients", "gradcam", "occlusion"]

SCRIPT = """
import json, sys
import numpy as np
from worker.runtime.tf_env import configure_worker_process
lanes = configure_worker_process()
from worker.techniques.attribution.model import AttributionModel
from worker.techniques.attribution.registry import explain
from worker.runtime.model_loading import load_keras_model
x = np.load(sys.argv[1])
model = AttributionModel(load_keras_model("model_zoo/tiny_vgg/model.keras"))
maps = {m: explain(model, x, m, target=3).map for m in json.loads(sys.argv[2])}
odd = np.stack([x, x * 0.5, x[::-1]])  # three images: uneven parts over the lanes
np.savez(sys.argv[3], logits=model.logits(odd), **maps)
print(json.dumps({"lanes": model.lanes}))
"""


def test_worker_settings_give_the_same_maps(tmp_path):
    from datasets.registry import get_dataset
    from worker.runtime.model_loading import load_keras_model
    from worker.techniques.attribution.model import AttributionModel
    from worker.techniques.attribution.registry import explain

    pixels, _ = get_dataset("fashion-mnist").sample(7)
    x = pixels.astype(np.float32) / 255.0
    np.save(tmp_path / "x.npy", x)
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    env["CONVSCOPE_TF_LANES"] = "3"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "x.npy"), json.dumps(METHODS),
         str(tmp_path / "maps.npz")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"lanes": 3}
    theirs = np.load(tmp_path / "maps.npz")

    model = AttributionModel(load_keras_model(ROOT / "model_zoo/tiny_vgg/model.keras"))
    assert model.lanes == 1  # this process: plain settings
    for method in METHODS:
        ours = explain(model, x, method, target=3).map
        scale = max(float(np.abs(ours).max()), 1e-6)  # Grad-CAM may be all zero here
        np.testing.assert_allclose(theirs[method], ours, atol=1e-4 * scale, err_msg=method)
    odd = np.stack([x, x * 0.5, x[::-1]])
    np.testing.assert_allclose(theirs["logits"], model.logits(odd), atol=1e-4)
