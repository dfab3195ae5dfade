"""Benchmarks of the analysis path on the zoo Tiny VGG; writes bench/results.md.

1. raw all-layer forward pass (the traced tf.function, warm);
2. `manage.py analyze` in-process (decode, preprocess, forward, write .npy files, JSON);
3. end to end over HTTP + Celery + Redis with a warm worker: upload → analysis → job succeeded.
Each image is different, so no stored result is reused.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.config.settings.local")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from tests.fixtures.processes import (  # noqa: E402
    free_port,
    start_celery_worker,
    start_gunicorn,
    start_redis,
    stop,
)

NETWORK = "tiny-vgg"
BROWSER_ROWS: list[dict] = []  # filled by the browser section of bench_end_to_end


def section_in_own_process(script: str, *extra: str) -> list[str]:
    """The markdown lines a bench script prints, run in its own process: it sets the worker's
    TensorFlow options (oneDNN, lanes) before TensorFlow starts, which this process cannot."""
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *extra],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.splitlines()


def summarise(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(samples), "p50": statistics.median(samples) * 1000, "p95": p95 * 1000}


def sample_pngs(count: int) -> list[bytes]:
    from datasets.registry import get_dataset
    from worker.inputs.images import encode_png

    images, _ = get_dataset("fashion-mnist").load("test")
    return [encode_png(images[i]) for i in range(count)]


def bench_forward(runs: int) -> dict[str, float]:
    from backend.networks.services import resolve_network
    from worker.runtime.model_cache import get_extractor

    network = resolve_network(NETWORK)
    extractor = get_extractor(str(network.model_path), network.weights_sha256)
    x = np.random.default_rng(0).random(extractor.input_shape, dtype=np.float32)
    for _ in range(20):
        extractor.run(x)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        extractor.run(x)
        samples.append(time.perf_counter() - started)
    return summarise(samples)


def bench_cli(runs: int, images: list[bytes]) -> dict[str, float]:
    from django.core.management import call_command

    workdir = Path(tempfile.mkdtemp(prefix="convscope-bench-"))
    paths = []
    for i, data in enumerate(images):
        path = workdir / f"img{i}.png"
        path.write_bytes(data)
        paths.append(path)
    sink = io.StringIO()
    for path in paths[:5]:  # warm-up
        with redirect_stdout(sink):
            call_command("analyze", network=NETWORK, image=path, out=workdir / "out")
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        with redirect_stdout(sink):
            call_command(
                "analyze", network=NETWORK, image=paths[i % len(paths)], out=workdir / "out"
            )
        samples.append(time.perf_counter() - started)
    shutil.rmtree(workdir, ignore_errors=True)
    return summarise(samples)


def bench_end_to_end(runs: int, images: list[bytes]) -> dict[str, float]:
    import requests
    from django.contrib.auth import get_user_model

    from backend.networks.services import resolve_network

    user, _ = get_user_model().objects.get_or_create(username="bench")
    user.set_password("bench-password")
    user.save()
    network = resolve_network(NETWORK)
    tmp = Path(tempfile.mkdtemp(prefix="convscope-bench-"))
    redis_port, web_port = free_port(), free_port()
    env = {**os.environ, "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/0"}
    processes = [start_redis(redis_port, tmp)]
    try:
        processes.append(start_celery_worker(env, tmp / "worker.log"))
        processes.append(start_gunicorn(env, web_port))
        base = f"http://127.0.0.1:{web_port}"
        session = requests.Session()
        session.get(f"{base}/api/auth/me/")
        session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
        session.post(
            f"{base}/api/auth/login/", json={"username": "bench", "password": "bench-password"}
        )
        session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
        session.headers["Referer"] = base

        def one(data: bytes) -> float:
            started = time.perf_counter()
            image = session.post(f"{base}/api/images/", files={"file": ("b.png", data)}).json()
            created = session.post(
                f"{base}/api/analyses/", json={"network": network.pk, "image": image["id"]}
            ).json()
            job_url = f"{base}/api/jobs/{created['job']['id']}/"
            status = created["job"]["status"]
            deadline = started + 30
            while status not in ("succeeded", "failed", "cancelled"):
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"job {job_url} still {status} after 30 s")
                time.sleep(0.002)
                status = session.get(job_url).json()["status"]
            assert status == "succeeded", status
            return time.perf_counter() - started

        # Make each image unique (one changed pixel) so no stored result is reused.
        from worker.inputs.images import decode_image, encode_png

        salt = np.uint8(int(time.time()) % 251)
        unique = []
        for i, data in enumerate(images):
            pixels = decode_image(data).pixels.copy()
            pixels[0, 0, 0] = salt
            pixels[0, 1, 0] = np.uint8(i % 256)
            pixels[0, 2, 0] = np.uint8(i // 256)
            unique.append(encode_png(pixels))
        for data in unique[:5]:
            one(data)
        result = summarise([one(unique[5 + i]) for i in range(runs)])

        # Browser section (issue 3): the explorer in Chromium against this server and worker.
        try:
            from bench.browser_bench import bench_browser, bench_first_load, bench_scatter

            # first: a newcomer's cold first load, before anything else warmed the machine up
            BROWSER_ROWS.extend(bench_first_load(base, "bench", "bench-password"))
            BROWSER_ROWS.extend(bench_browser(base, "bench", "bench-password"))
            BROWSER_ROWS.extend(bench_scatter(base, "bench", "bench-password"))
        except Exception as error:  # no Chromium / Playwright here: the other numbers still count
            print(f"browser bench skipped: {error}", file=sys.stderr)
        return result
    finally:
        for process in reversed(processes):
            stop(process)
        shutil.rmtree(tmp, ignore_errors=True)


def versions() -> str:
    import celery
    import django as dj
    import keras
    import tensorflow as tf

    return (
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}, "
        f"Django {dj.__version__}, Celery {celery.__version__}, NumPy {np.__version__}"
    )


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB, {platform.platform()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    parser.add_argument(
        "--no-setup", action="store_true", help="skip timing `make dev` from a fresh clone"
    )
    parser.add_argument(
        "--no-attribution", action="store_true", help="skip the attribution methods section"
    )
    parser.add_argument(
        "--no-filters",
        action="store_true",
        help="skip the per-filter guided backpropagation section (~30 s)",
    )
    parser.add_argument(
        "--no-dataset", action="store_true", help="skip the dataset views section (t-SNE...)"
    )
    parser.add_argument(
        "--no-feature-vis", action="store_true", help="skip the feature visualisation section"
    )
    parser.add_argument(
        "--no-load", action="store_true", help="skip the load section (50 locust users, 2 min)"
    )
    parser.add_argument(
        "--no-ood", action="store_true", help="skip the out-of-distribution section (~2 min)"
    )
    parser.add_argument(
        "--no-cka", action="store_true", help="skip the layer-similarity (CKA) section (~1 min)"
    )
    parser.add_argument(
        "--no-training",
        action="store_true",
        help="skip the Build & train section (a user-built Tiny VGG trained, ~1 min)",
    )
    parser.add_argument(
        "--no-real-size",
        action="store_true",
        help="skip the real-size networks section (keras.applications at 224×224, ~30 min)",
    )
    args = parser.parse_args()
    images = sample_pngs(args.runs + 10)
    rows = [
        (
            "raw all-layer forward pass (tf.function, warm)",
            bench_forward(max(args.runs, 200)),
            None,
        ),
        ("`manage.py analyze` in-process", bench_cli(args.runs, images), None),
        (
            "end to end: HTTP upload → Celery → Redis → job succeeded",
            bench_end_to_end(args.runs, images),
            60.0,
        ),
    ]
    base = rows[0][1]["p50"]
    lines = [
        "# ConvScope benchmarks",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine()}.",
        f"{versions()}.",
        "",
        f"Network: zoo `{NETWORK}`, one 28×28 Fashion-MNIST test image per run, every image "
        "distinct (no cached result), after warm-up.",
        "",
        "| what | runs | p50 (ms) | p95 (ms) | p50 / forward pass | target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for name, stats, target in rows:
        verdict = ""
        if target is not None:
            verdict = f"p50 ≤ {target:.0f} ms: {'met' if stats['p50'] <= target else 'NOT met'}"
        lines.append(
            f"| {name} | {stats['n']} | {stats['p50']:.2f} | {stats['p95']:.2f} | "
            f"{stats['p50'] / base:.1f}× | {verdict} |"
        )
    if not args.no_setup:
        from bench.measure_setup import measure_setup

        setup = measure_setup()
        lines += [
            "",
            "Set-up (`make dev` from a fresh `git clone` of HEAD to a served page; system "
            "packages already installed on this machine):",
            "",
            "| what | seconds | target |",
            "| --- | ---: | --- |",
            f"| fresh clone → page served | {setup['fresh']:.0f} | ≤ 480 s: "
            f"{'met' if setup['fresh'] <= 480 else 'NOT met'} |",
            f"| second run (nothing to rebuild) → page served | {setup['second']:.1f} | ≤ 30 s: "
            f"{'met' if setup['second'] <= 30 else 'NOT met'} |",
        ]
    if BROWSER_ROWS:
        from bench.browser_bench import markdown

        lines += markdown(BROWSER_ROWS)
    for skip, script in (
        (args.no_attribution, "attribution_bench.py"),
        (args.no_filters, "filter_attribution_bench.py"),
        (args.no_filters, "neighbourhood_bench.py"),
        (args.no_dataset, "dataset_bench.py"),
        (args.no_feature_vis, "feature_vis_bench.py"),
        (args.no_ood, "ood_bench.py"),
        (False, "report_bench.py"),
        (args.no_cka, "cka_bench.py"),
        (args.no_training, "training_bench.py"),
        (args.no_real_size, "real_size_bench.py"),
    ):
        if not skip:
            lines += section_in_own_process(script)
    if not args.no_load:  # last: its 2 minutes of load must not overlap the other timings
        lines += section_in_own_process("load_bench.py", "--print-only")
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
