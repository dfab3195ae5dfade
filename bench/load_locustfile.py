"""The locust scenario of the load benchmark (bench/load_bench.py runs it, headless).

Each simulated user takes the session of one signed-in account, then loops: browse the
networks (list, one detail), upload a distinct PNG, ask for its analysis, poll the job until
it succeeded, fetch the analysis JSON.
A custom request event of type FLOW times "upload started → result fetched". At test stop the
raw flow samples and the per-request stats are written as JSON to $LOAD_BENCH_OUT.

Environment: LOAD_BENCH_SESSIONS (a JSON file of the cookies of the users load_bench.py
signed in), LOAD_BENCH_NETWORK (network id), LOAD_BENCH_PACING (seconds
between the starts of one user's flows), LOAD_BENCH_POLL (seconds between job polls).
"""

from __future__ import annotations

import io
import itertools
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from locust import HttpUser, constant_pacing, events, task
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# [{"sessionid": …, "csrftoken": …}, …], one signed-in user each
SESSIONS = json.loads(Path(os.environ["LOAD_BENCH_SESSIONS"]).read_text())
NETWORK = int(os.environ.get("LOAD_BENCH_NETWORK", "1"))
PACING = float(os.environ.get("LOAD_BENCH_PACING", "1.0"))
POLL = float(os.environ.get("LOAD_BENCH_POLL", "0.02"))
JOB_TIMEOUT_S = 60.0

_user_numbers = itertools.count()
_upload_numbers = itertools.count()
_flows: list[dict] = []  # {"start": epoch s, "ms": latency, "polls": n}
_pixels: np.ndarray | None = None


def fashion_pixels() -> np.ndarray:
    global _pixels
    if _pixels is None:
        from datasets.registry import get_dataset

        _pixels, _ = get_dataset("fashion-mnist").load("test")
    return _pixels


def distinct_png(number: int) -> bytes:
    """A Fashion-MNIST test image with three pixels set from the run and the upload number,
    so no two uploads share pixels (a shared hash would reuse a stored result)."""
    images = fashion_pixels()
    pixels = np.array(images[number % len(images)], copy=True)
    pixels = pixels.reshape(pixels.shape[0], pixels.shape[1], -1)[:, :, 0]
    pixels[0, 0] = int(time.time()) % 251
    pixels[0, 1] = number % 256
    pixels[0, 2] = number // 256 % 256
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


class AnalysisUser(HttpUser):
    # Each user starts a flow every PACING seconds (or at once if the last one took longer):
    # 50 users at 1 s offer the target of 50 analyses per second.
    wait_time = constant_pacing(PACING)

    def on_start(self) -> None:
        # Signed in over the API by load_bench.py before the clock starts (50 password hashes
        # would otherwise fill the first seconds): take that session's cookies.
        cookies = SESSIONS[next(_user_numbers) % len(SESSIONS)]
        for name, value in cookies.items():
            self.client.cookies.set(name, value)
        # The API wants the CSRF token back with a same-origin Referer, as the explorer sends.
        self.client.headers["X-CSRFToken"] = cookies["csrftoken"]
        self.client.headers["Referer"] = self.host

    @task
    def analyse_one_image(self) -> None:
        self.client.get("/api/networks/")
        self.client.get(f"/api/networks/{NETWORK}/", name="/api/networks/[id]/")

        data = distinct_png(next(_upload_numbers))
        started_wall, started = time.time(), time.perf_counter()
        with self.client.post(
            "/api/images/", files={"file": ("upload.png", data, "image/png")}, catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"upload: {response.status_code} {response.text[:200]}")
                return
            image = response.json()["id"]
        with self.client.post(
            "/api/analyses/", json={"network": NETWORK, "image": image}, catch_response=True
        ) as response:
            if response.status_code != 202:
                response.failure(f"analysis: {response.status_code} {response.text[:200]}")
                return
            job = response.json()["job"]
        polls = 0
        while job["status"] not in ("succeeded", "failed", "cancelled"):
            if time.perf_counter() - started > JOB_TIMEOUT_S:
                self.flow_failed(started, f"job {job['id']} still {job['status']}")
                return
            time.sleep(POLL)  # gevent-patched: yields to the other users
            polls += 1
            response = self.client.get(f"/api/jobs/{job['id']}/", name="/api/jobs/[id]/")
            if not response.ok:
                return  # counted as a failed request by locust
            job = response.json()
        if job["status"] != "succeeded":
            self.flow_failed(started, f"job {job['id']} {job['status']}: {job['message']}")
            return
        response = self.client.get(job["result_url"], name="/api/analyses/[id]/")
        if not response.ok or not response.json().get("prediction"):
            self.flow_failed(started, f"result {response.status_code}")
            return
        elapsed = time.perf_counter() - started
        _flows.append({"start": started_wall, "ms": elapsed * 1000, "polls": polls})
        events.request.fire(
            request_type="FLOW",
            name="upload → result",
            response_time=elapsed * 1000,
            response_length=0,
            exception=None,
            context={},
        )

    def flow_failed(self, started: float, reason: str) -> None:
        events.request.fire(
            request_type="FLOW",
            name="upload → result",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=RuntimeError(reason),
            context={},
        )


@events.test_start.add_listener
def _load_images(**_: object) -> None:
    fashion_pixels()  # once, before the users start, so the first uploads are not slowed


@events.quitting.add_listener
def _write_results(environment, **_: object) -> None:
    out = os.environ.get("LOAD_BENCH_OUT")
    if not out:
        return
    stats = environment.stats
    entries = [
        {
            "method": entry.method,
            "name": entry.name,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "mean": entry.avg_response_time,
        }
        for entry in stats.entries.values()
    ]
    errors = [
        {"method": e.method, "name": e.name, "error": str(e.error), "count": e.occurrences}
        for e in stats.errors.values()
    ]
    Path(out).write_text(
        json.dumps(
            {
                "start": stats.total.start_time,
                "end": stats.total.last_request_timestamp,
                "entries": entries,
                "errors": errors,
                "flows": _flows,
            }
        )
    )
