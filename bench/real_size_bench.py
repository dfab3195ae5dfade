"""Real-size networks: keras.applications architectures at 224×224×3 (random weights: nothing is
downloaded) through the whole product, as a user meets them.

For each network: register it with `manage.py register_network` (wall time, peak memory of the
process), then against a real web server (gunicorn), Redis and Celery worker: analyse a photo
over HTTP (cold: the first image the worker sees for this network; warm: the next one), the
disk kept per analysed image, every attribution method at its defaults (time to a finished job,
or the sentence it was refused or failed with), feature visualisation of one page of filters
of a middle convolution, and in Chromium the explorer's first overview paint, the bytes it
fetched for it and the tab's memory over an empty tab. Then, on ResNet50 in-process, ours
against tf-keras-vis for gradient, SmoothGrad and Grad-CAM (time and map correlation).

Everything runs in a scratch folder (its own SQLite database and media root), so the
developer's own database is not touched. Prints a markdown section; `make bench` includes it.

    .venv/bin/python bench/real_size_bench.py [--networks resnet50,densenet121] [--no-browser]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

# name → (constructor, preprocessing preset, feature-visualisation layer, Grad-CAM layer)
NETWORKS: dict[str, tuple[str, str, str]] = {
    "mobilenet_v2": ("MobileNetV2", "tf", "block_6_expand"),
    "resnet50": ("ResNet50", "caffe", "conv3_block2_2_conv"),
    "vgg16": ("VGG16", "caffe", "block3_conv2"),
    "efficientnet_b0": ("EfficientNetB0", "raw", "block4a_expand_conv"),
    "densenet121": ("DenseNet121", "torch", "conv3_block4_2_conv"),
    # the zoo's pretrained network (issue 18), converted by `make dev`'s zoo step
    "efficientnet_lite0": ("zoo:efficientnet-lite0", "lite0", "block4a_expand_conv"),
}
# every attribution method, as the API lists them (the registry imports no TensorFlow)
from worker.techniques.attribution.registry import METHOD_NAMES as METHODS  # noqa: E402

FEATURE_VIS_PAGE = 16
JOB_TIMEOUT = 900.0


def build_model_file(name: str, folder: Path) -> Path:
    """The architecture with random weights (seeded), saved as .keras, in its own process so
    this one never loads TensorFlow's 138 M-parameter graphs (measured separately)."""
    constructor = NETWORKS[name][0]
    if constructor.startswith("zoo:"):
        from model_zoo.registry import get_zoo_entry

        entry = get_zoo_entry(constructor[4:])
        if not entry.is_built():  # convert it (no registration: the bench registers it)
            code = f"import {entry.module}.convert as c; c.build()"
            subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
        return entry.model_path
    path = folder / f"{name}.keras"
    if path.is_file():
        return path
    code = (
        "import keras, sys; keras.utils.set_random_seed(0); "
        f"keras.applications.{constructor}(weights=None).save(sys.argv[1])"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, cwd=ROOT)
    return path


# Runs manage.py and, as it exits, writes the process's own peak RSS (KiB) to a file: the
# children's ru_maxrss seen from here is the largest of all children so far, not this one's.
_MANAGE_WITH_PEAK = (
    "import atexit, resource, runpy, sys; "
    "out = sys.argv.pop(1); "
    "atexit.register(lambda: open(out, 'w').write("
    "str(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))); "
    "sys.argv[0] = 'manage.py'; runpy.run_path('manage.py', run_name='__main__')"
)


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """`manage.py ARGS` in its own process; its wall time and peak RSS on the result."""
    with tempfile.NamedTemporaryFile(suffix=".rss") as peak:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _MANAGE_WITH_PEAK, peak.name, *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        done.seconds = time.perf_counter() - started
        text = Path(peak.name).read_text().strip()
    done.peak_mb = int(text) / 1024 if text else float("nan")
    return done


PRESET_ARGS = {
    "tf": ["--preprocessing", "tf"],
    "torch": ["--preprocessing", "torch"],
    "caffe": ["--preprocessing", "caffe"],
    "raw": ["--scale", "1"],  # EfficientNet rescales inside the model
    # EfficientNet-Lite0's own: (x − 127) / 128 after a centre crop (its zoo manifest)
    "lite0": [
        "--scale",
        "0.0078125",
        "--mean",
        "0.9921875",
        "--std",
        "1",
        "--resize",
        "center-crop",
    ],
}


def register(env: dict[str, str], name: str, model_file: Path, labels: Path) -> dict:
    preset = NETWORKS[name][1]
    done = manage(
        env,
        "register_network",
        "--file",
        str(model_file),
        "--name",
        f"bench-{name.replace('_', '-')}",
        "--labels",
        str(labels),
        "--public",
        "--json",
        *PRESET_ARGS[preset],
    )
    row = {"seconds": done.seconds, "peak_mb": done.peak_mb, "ok": done.returncode == 0}
    if done.returncode != 0:
        row["error"] = (done.stderr.strip().splitlines() or ["?"])[-1][:200]
    return row


class Client:
    """A signed-in requests session against the bench server."""

    def __init__(self, base: str, username: str, password: str) -> None:
        import requests

        self.base = base
        self.session = requests.Session()
        self.session.get(f"{base}/api/auth/me/")
        self.session.headers["X-CSRFToken"] = self.session.cookies["csrftoken"]
        self.session.headers["Referer"] = base
        self.session.post(
            f"{base}/api/auth/login/", json={"username": username, "password": password}
        ).raise_for_status()
        self.session.headers["X-CSRFToken"] = self.session.cookies["csrftoken"]

    def post(self, path: str, **kwargs):
        return self.session.post(f"{self.base}{path}", **kwargs)

    def get(self, path: str, **kwargs):
        return self.session.get(f"{self.base}{path}", **kwargs)

    def run_job(self, path: str, payload: dict) -> dict:
        """Create a job resource and wait for its job: {seconds, status, message, body}."""
        started = time.perf_counter()
        response = self.post(path, json=payload)
        if response.status_code >= 400:
            detail = response.json() if "json" in response.headers.get("content-type", "") else {}
            return {
                "seconds": time.perf_counter() - started,
                "status": f"refused ({response.status_code})",
                "message": _first_sentence(detail) or response.text[:200],
            }
        body = response.json()
        job = body["job"]
        while job["status"] not in ("succeeded", "failed", "cancelled"):
            if time.perf_counter() - started > JOB_TIMEOUT:
                return {"seconds": JOB_TIMEOUT, "status": "still running", "message": ""}
            time.sleep(0.05)
            job = self.get(f"/api/jobs/{job['id']}/").json()
        return {
            "seconds": time.perf_counter() - started,
            "status": job["status"],
            "message": job.get("message") or "",
            "body": body,
        }


def _first_sentence(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            found = _first_sentence(value)
            if found:
                return found
    if isinstance(detail, list) and detail:
        return _first_sentence(detail[0])
    return detail if isinstance(detail, str) else ""


def photos() -> list[bytes]:
    """Real photos from scikit-image's samples (installed from PyPI by the bench extras)."""
    from skimage import data

    from worker.inputs.images import encode_png

    return [encode_png(image) for image in (data.astronaut(), data.chelsea(), data.coffee())]


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def bench_network_http(
    client: Client, media: Path, network_id: int, name: str, jobs: bool = True
) -> dict:
    images = []
    for i, data in enumerate(photos()):
        uploaded = client.post("/api/images/", files={"file": (f"photo{i}.png", data)}).json()
        images.append(uploaded["id"])
    row: dict = {}
    before = folder_bytes(media / "analyses")
    cold = client.run_job("/api/analyses/", {"network": network_id, "image": images[0]})
    after = folder_bytes(media / "analyses")
    warm = client.run_job("/api/analyses/", {"network": network_id, "image": images[1]})
    row["analyse_cold"] = cold
    row["analyse_warm"] = warm
    analysis = cold.get("body") or {}
    row["disk_bytes"] = analysis.get("disk_bytes") or (after - before)
    if cold["status"] == "succeeded":
        fresh = client.get(f"/api/analyses/{analysis['id']}/").json()
        row["disk_bytes"] = fresh.get("disk_bytes") or row["disk_bytes"]
    row["methods"] = {}
    if not jobs:
        return row
    for method in METHODS:
        row["methods"][method] = client.run_job(
            "/api/explanations/", {"network": network_id, "image": images[2], "method": method}
        )
    layer = NETWORKS[name][2]
    row["feature_vis"] = client.run_job(
        "/api/feature-vis/",
        {"network": network_id, "layer": layer, "filters": list(range(FEATURE_VIS_PAGE))},
    )
    row["feature_vis"]["layer"] = layer
    return row


def bench_browser(base: str, username: str, password: str, network_id: int) -> dict:
    """Upload → first overview paint in Chromium, bytes fetched for it, tab memory."""
    import psutil
    from playwright.sync_api import sync_playwright
    from skimage import data

    from worker.inputs.images import encode_png

    photo = Path(tempfile.mkdtemp()) / "photo.png"
    photo.write_bytes(encode_png(data.astronaut()[::2, ::2]))

    def chromium_rss(browser_pid: int) -> int:
        parent = psutil.Process(browser_pid)
        return sum(p.memory_info().rss for p in [parent, *parent.children(recursive=True)])

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox"]
        )
        browser_pid = next(
            p.pid
            for p in psutil.Process().children(recursive=True)
            if "chromium" in p.name() and "--type=" not in " ".join(p.cmdline())
        )
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(f"{base}/login")
        page.get_by_test_id("login-username").fill(username)
        page.get_by_test_id("login-password").fill(password)
        page.get_by_test_id("login-submit").click()
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto("about:blank")
        page.wait_for_timeout(1000)
        empty = chromium_rss(browser_pid)
        transferred = {"bytes": 0}

        def count(response) -> None:
            if "/api/analyses/" in response.url or "/api/jobs/" in response.url:
                # Redirects and aborted requests have no body.
                with contextlib.suppress(Exception):
                    transferred["bytes"] += len(response.body())

        page.goto(f"{base}/?network={network_id}")
        tab = page.get_by_test_id("input-tab-upload")
        tab.wait_for(timeout=60_000)
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")

        def settled_rss() -> int:
            # collect the page's garbage first: RSS then holds what the page keeps
            page.wait_for_timeout(1500)
            cdp.send("HeapProfiler.collectGarbage")
            page.wait_for_timeout(500)
            return chromium_rss(browser_pid)

        def js_heap() -> float:
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            return metrics.get("JSHeapUsedSize", 0.0)

        page_only = settled_rss() - empty
        page_heap = js_heap()
        tab.click()
        page.get_by_test_id("upload-input").wait_for(state="attached")
        page.on("response", count)
        started = time.perf_counter()
        page.get_by_test_id("upload-input").set_input_files(str(photo))
        page.wait_for_selector("[data-testid=layers][data-overview-ready=true]", timeout=180_000)
        paint = time.perf_counter() - started
        memory = settled_rss() - empty
        heap = js_heap()
        browser.close()
    return {
        "paint_s": paint,
        "bytes": transferred["bytes"],
        "tab_mb": memory / 2**20,
        "page_mb": page_only / 2**20,
        "overview_mb": (memory - page_only) / 2**20,
        "js_heap_mb": heap / 2**20,
        "overview_heap_mb": (heap - page_heap) / 2**20,
    }


def tf_keras_vis_comparison(model_file: Path) -> list[str]:
    """Ours against tf-keras-vis on ResNet50: gradient, SmoothGrad, Grad-CAM (own process)."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "real_size_vis_bench.py"), str(model_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return ["", f"tf-keras-vis comparison failed: {done.stderr.strip().splitlines()[-1:]}"]
    return done.stdout.splitlines()


def fmt_job(job: dict) -> str:
    if job["status"] == "succeeded":
        return f"{job['seconds']:.1f} s"
    return f"{job['status']}: {job['message'][:90]}" if job.get("message") else job["status"]


def markdown(rows: dict[str, dict], registered: dict[str, dict]) -> list[str]:
    names = list(rows) or list(registered)
    lines = [
        "",
        "## Real-size networks",
        "",
        "keras.applications architectures at 224×224×3 with random weights (nothing downloaded), "
        "registered by the CLI, then used over HTTP with a real worker, and in Chromium. One "
        "photo per analysis (scikit-image samples). Disk per image: what the analysis keeps.",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]

    def line(label: str, cell) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(n) for n in names) + " |")

    def reg(n: str) -> str:
        r = registered.get(n, {})
        if not r:
            return "–"
        if not r["ok"]:
            return f"refused: {r.get('error', '')}"
        return f"{r['seconds']:.0f} s, {r['peak_mb']:.0f} MB peak"

    line("register (CLI)", reg)
    line(
        "analyse over HTTP, cold / warm",
        lambda n: (
            f"{rows[n]['analyse_cold']['seconds']:.1f} / {rows[n]['analyse_warm']['seconds']:.1f} s"
            if n in rows
            else "–"
        ),
    )
    line(
        "disk kept per analysed image",
        lambda n: f"{rows[n]['disk_bytes'] / 1e6:.1f} MB" if n in rows else "–",
    )
    for method in METHODS:
        line(
            method,
            lambda n, m=method: (
                fmt_job(rows[n]["methods"][m]) if m in rows.get(n, {}).get("methods", {}) else "–"
            ),
        )
    line(
        f"feature vis, {FEATURE_VIS_PAGE} filters",
        lambda n: (
            f"{fmt_job(rows[n]['feature_vis'])} (`{rows[n]['feature_vis']['layer']}`)"
            if "feature_vis" in rows.get(n, {})
            else "–"
        ),
    )
    line(
        "explorer: upload → first overview paint",
        lambda n: f"{rows[n]['browser']['paint_s']:.1f} s" if "browser" in rows.get(n, {}) else "–",
    )
    line(
        "… bytes fetched for it",
        lambda n: (
            f"{rows[n]['browser']['bytes'] / 1e6:.1f} MB" if "browser" in rows.get(n, {}) else "–"
        ),
    )

    def browser(key: str, unit: str = "MB"):
        return lambda n: (
            f"{rows[n]['browser'][key]:.0f} {unit}"
            if key in rows.get(n, {}).get("browser", {})
            else "–"
        )

    line("tab memory over an empty tab", browser("tab_mb"))
    line("… of which the page before any image", browser("page_mb"))
    line("… of which the overview (previews, columns)", browser("overview_mb"))
    line("JS heap of the overview (after collection)", browser("overview_heap_mb"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--networks", default=",".join(NETWORKS))
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument(
        "--no-jobs", action="store_true", help="skip attribution and feature visualisation"
    )
    parser.add_argument("--no-vis", action="store_true", help="skip the tf-keras-vis comparison")
    parser.add_argument("--keep", type=Path, help="scratch folder to use and keep")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args()
    names = [n for n in args.networks.split(",") if n]

    from tests.fixtures.processes import (
        free_port,
        start_celery_worker,
        start_gunicorn,
        start_redis,
        stop,
    )

    scratch = args.keep or Path(tempfile.mkdtemp(prefix="convscope-realsize-"))
    scratch.mkdir(parents=True, exist_ok=True)
    models = ROOT / "var" / "bench-models"
    models.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.local",
        "CONVSCOPE_VAR_DIR": str(scratch),
        "DATABASE_URL": f"sqlite:///{scratch / 'db.sqlite3'}",
    }
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)
    manage(env, "migrate", "--noinput")
    manage(env, "ensure_demo_user")
    labels = scratch / "labels.json"
    labels.write_text(json.dumps([f"class {i}" for i in range(1000)]))

    registered: dict[str, dict] = {}
    files: dict[str, Path] = {}
    for name in names:
        files[name] = build_model_file(name, models)
        registered[name] = register(env, name, files[name], labels)
        print(f"{name}: registered {registered[name]}", file=sys.stderr)

    rows: dict[str, dict] = {}
    redis_port, web_port = free_port(), free_port()
    env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    processes = [start_redis(redis_port, scratch)]
    try:
        processes.append(start_celery_worker(env, scratch / "worker.log"))
        processes.append(start_gunicorn(env, web_port, timeout=300))
        base = f"http://127.0.0.1:{web_port}"

        client = Client(base, "demo", "convscope-demo")
        ids = {n["name"]: n["id"] for n in client.get("/api/networks/").json()}
        for name in names:
            network_id = ids.get(f"bench-{name.replace('_', '-')}")
            if network_id is None:
                continue
            rows[name] = bench_network_http(
                client, scratch / "media", network_id, name, jobs=not args.no_jobs
            )
            if not args.no_browser:
                try:
                    rows[name]["browser"] = bench_browser(
                        base, "demo", "convscope-demo", network_id
                    )
                except Exception as error:  # noqa: BLE001 - the other figures still count
                    print(f"{name}: browser section failed: {error}", file=sys.stderr)
            print(f"{name}: {json.dumps(rows[name], default=str)[:400]}", file=sys.stderr)
    finally:
        for process in reversed(processes):
            stop(process)
    lines = markdown(rows, registered)
    if not args.no_vis and "resnet50" in files:
        lines += tf_keras_vis_comparison(files["resnet50"])
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "registered": registered}, default=str))
    print("\n".join(lines))
    if args.keep is None:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
