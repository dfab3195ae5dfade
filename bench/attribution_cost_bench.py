"""Time and peak memory of each attribution method at its defaults on real-size networks.

ResNet50 and VGG16 (keras.applications, weights=None: nothing is downloaded) at 224×224, with
the Celery worker's TensorFlow settings (``configure_worker_process``, before TensorFlow
starts). Each (network, method) runs in its own process: build the network and its
``AttributionModel`` (as the worker's model cache does), note the resident memory, reset the
kernel's peak counter (``/proc/self/clear_refs``), run the method once through the registry
(cold: tracing included, as a worker's first request), then read the peak (``VmHWM``).

``.venv/bin/python bench/attribution_cost_bench.py [network ...] [--methods a,b]`` prints a
Markdown table: seconds, peak RSS and peak over the model's own footprint (MB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = {"resnet50": "ResNet50", "vgg16": "VGG16"}


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(network: str, method: str) -> dict:
    """Run in a fresh process: one method, cold, on the named network."""
    sys.path.insert(0, str(ROOT))
    from worker.runtime.tf_env import configure_worker_process

    configure_worker_process()
    import keras
    import numpy as np

    from worker.techniques.attribution.model import AttributionModel
    from worker.techniques.attribution.registry import explain

    keras.utils.set_random_seed(0)
    net = getattr(keras.applications, NETWORKS[network])(weights=None)
    model = AttributionModel(net)
    x = np.random.default_rng(0).uniform(-100, 100, (224, 224, 3)).astype(np.float32)
    before = _status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    started = time.perf_counter()
    result = explain(model, x, method, target=1)
    seconds = time.perf_counter() - started
    peak = _status_mb("VmHWM")
    return {
        "network": network,
        "method": method,
        "seconds": round(seconds, 1),
        "model_mb": round(before),
        "peak_mb": round(peak),
        "over_mb": round(peak - before),
        "batch": result.info.get("batch"),
    }


def main(argv: list[str]) -> None:
    from worker.techniques.attribution.registry import METHOD_NAMES

    methods = list(METHOD_NAMES)
    networks = []
    for arg in argv:
        if arg.startswith("--methods="):
            methods = arg.split("=", 1)[1].split(",")
        else:
            networks.append(arg)
    print("| network | method | s | model MB | peak MB | over model MB | batch |")
    print("|---|---|---|---|---|---|---|")
    for network in networks or list(NETWORKS):
        for method in methods:
            out = subprocess.run(
                [sys.executable, __file__, "--child", network, method],
                capture_output=True,
                text=True,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
            )
            if out.returncode != 0:
                print(f"| {network} | {method} | failed: {out.stderr.strip()[-300:]} |")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(
                f"| {network} | {method} | {r['seconds']} | {r['model_mb']} | {r['peak_mb']} "
                f"| {r['over_mb']} | {r['batch'] or ''} |",
                flush=True,
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(measure(sys.argv[2], sys.argv[3])))
    else:
        sys.path.insert(0, str(ROOT))
        main(sys.argv[1:])
