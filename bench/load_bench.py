"""Load benchmark (issue 9): 50 locust users against gunicorn + Redis + Celery workers.

Run alone: `.venv/bin/python bench/load_bench.py` (writes the "## Load" section of
bench/results.md and prints it); `bench/run_bench.py` runs it too unless `--no-load`.

Everything runs as child processes of this one, on this machine: a throwaway PostgreSQL
database (SQLite when no server answers at 127.0.0.1:5432), a private redis-server, Celery
workers (tests/fixtures/processes.py, as the end-to-end bench does), gunicorn with 2 workers,
and locust, headless (bench/load_locustfile.py). Locust runs in its own process because
gevent's monkey-patching must not reach this one. While it runs, a sampler thread counts
finished analyses in the database and reads the workers' memory and every process's CPU time.
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
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures.processes import (  # noqa: E402
    free_port,
    start_celery_worker,
    start_redis,
    stop,
    wait_for,
)

BIN = Path(sys.executable).parent
PASSWORD = "load-bench-password"  # noqa: S105 - throwaway users in a throwaway database
USER_PREFIX = "load"
PG = "postgresql://postgres@127.0.0.1:5432"
# Sign-in and creation limits (backend.core.throttling) raised for the bench: 50 users from one
# address sign in within seconds, and each creates ~120 uploads and jobs in two minutes, over
# the product defaults (20 sign-ins/min per IP, 120 uploads/hour per user).
BENCH_RATES = {
    "CONVSCOPE_RATE_LOGIN": "100000/min",
    "CONVSCOPE_RATE_UPLOADS": "1000000/hour",
    "CONVSCOPE_RATE_JOBS": "1000000/hour",
}


def postgres_answers() -> bool:
    import psycopg

    try:
        with psycopg.connect(f"{PG}/postgres", connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def create_database(var_dir: Path) -> tuple[str, str | None]:
    """A DATABASE_URL for a fresh database, and the PostgreSQL name to drop afterwards."""
    if postgres_answers():
        import psycopg

        name = f"convscope_load_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"{PG}/{name}", name
    # SQLite serialises writers: the figures then say more about its lock than the product.
    path = var_dir / f"load-{uuid.uuid4().hex[:10]}.sqlite3"
    return f"sqlite:///{path}", None


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


SETUP_USERS = """
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from backend.networks.models import Network
User = get_user_model()
hashed = make_password({password!r})  # one hash for all: hashing 50 times costs seconds
User.objects.bulk_create(
    [User(username=f"{prefix}{{i}}", password=hashed) for i in range({users})],
    ignore_conflicts=True,
)
print(Network.objects.get(name="tiny-vgg").pk)
"""


# Straight onto the queue, no HTTP: enough analyses for the memory window when the load run
# finished fewer (each image distinct: pixel (0, 3) marks these apart from locust's).
TOP_UP = """
import numpy as np
from django.contrib.auth import get_user_model
from datasets.registry import get_dataset
from backend.analyses.services import create_analysis
from backend.networks.models import Network
from backend.uploads.services import store_upload
from worker.inputs.images import encode_png
owner = get_user_model().objects.get(username="{prefix}0")
network = Network.objects.get(name="tiny-vgg")
images, _ = get_dataset("fashion-mnist").load("test")
for number in range({count}):
    pixels = images[number % len(images)].copy()
    pixels[0, 0, 0], pixels[0, 1, 0], pixels[0, 2, 0] = 7, number % 256, number // 256 % 256
    pixels[0, 3, 0] = 255
    create_analysis(owner, network, store_upload(owner, encode_png(pixels)))
"""


@dataclass
class Sampler:
    """Every `period` s: finished analyses (from the database), the RSS of each Celery worker
    child, and CPU seconds per role (web, worker, locust, redis, postgres)."""

    database_url: str
    roles: dict[str, Callable[[], list[psutil.Process]]]
    worker_parents: list[psutil.Process]
    period: float = 0.5
    samples: list[dict] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def count_done(self) -> int:
        query = "SELECT count(*) FROM jobs_job WHERE kind = 'analysis' AND status = 'succeeded'"
        if self.database_url.startswith("sqlite:///"):
            import sqlite3

            with sqlite3.connect(self.database_url.removeprefix("sqlite:///"), timeout=5) as db:
                return db.execute(query).fetchone()[0]
        import psycopg

        with psycopg.connect(self.database_url) as connection:
            return connection.execute(query).fetchone()[0]

    def cpu(self) -> dict[str, dict[int, float]]:
        """CPU seconds of each process per role, by pid (processes come and go)."""
        totals: dict[str, dict[int, float]] = {}
        for role, find in self.roles.items():
            seconds: dict[int, float] = {}
            for process in find():
                try:
                    times = process.cpu_times()
                    seconds[process.pid] = times.user + times.system
                except psutil.Error:
                    pass
            totals[role] = seconds
        return totals

    def worker_rss(self) -> dict[int, int]:
        rss = {}
        for parent in self.worker_parents:
            for child in parent.children():
                with contextlib.suppress(psutil.Error):  # it exited meanwhile
                    rss[child.pid] = child.memory_info().rss
        return rss

    def sample(self) -> dict:
        return {
            "t": time.time(),
            "done": self.count_done(),
            "rss": self.worker_rss(),
            "cpu": self.cpu(),
            "machine_cpu": sum(psutil.cpu_times()[:3]),  # user + nice + system, all cores
        }

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                self.samples.append(self.sample())
            except Exception as error:  # a process exiting mid-read: try again next period
                print(f"sampler: {error}", file=sys.stderr)
            self._stop.wait(self.period)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()


def family(pid: int) -> Callable[[], list[psutil.Process]]:
    """A process and its children now (gunicorn's and Celery's workers are forked children)."""
    parent = psutil.Process(pid)

    def find() -> list[psutil.Process]:
        try:
            return [parent, *parent.children(recursive=True)]
        except psutil.Error:
            return []

    return find


def postgres_backends(database: str | None) -> Callable[[], list[psutil.Process]]:
    """The server processes serving `database` (their title names it); other engineers'
    databases on the same server are left out."""

    def find() -> list[psutil.Process]:
        if database is None:
            return []
        found = []
        for process in psutil.process_iter(["name", "cmdline"]):
            if process.info["name"] == "postgres" and database in " ".join(
                process.info["cmdline"] or []
            ):
                found.append(process)
        return found

    return find


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted samples."""
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def memory_growth(samples: list[dict], warmup: int, window: int) -> dict | None:
    """Worker RSS when `warmup` analyses were done vs `warmup + window` (same child pids)."""
    before = next((s for s in samples if s["done"] >= warmup and s["rss"]), None)
    if before is None:
        return None
    # Counted from the sample taken, which may be a few analyses past `warmup`.
    end = before["done"] + window
    after = next((s for s in samples if s["done"] >= end and s["rss"]), None)
    if after is None:  # the run ended first: compare with the last sample, say how many
        after = samples[-1]
    same = set(before["rss"]) == set(after["rss"])  # a recycled child would restart its RSS
    start, end = sum(before["rss"].values()), sum(after["rss"].values())
    return {
        "analyses": after["done"] - before["done"],
        "before_mib": start / 2**20,
        "after_mib": end / 2**20,
        "growth": (end - start) / start,
        "same_children": same,
        "children": len(after["rss"]),
    }


def sign_in(base: str, users: int) -> tuple[list[dict[str, str]], list[float]]:
    """Sign every bench user in over the API (4 at a time); their cookies, and each sign-in's
    latency in ms."""
    from concurrent.futures import ThreadPoolExecutor

    import requests

    def one(index: int) -> tuple[dict[str, str], float]:
        session = requests.Session()
        session.get(f"{base}/api/auth/me/", timeout=30)
        started = time.perf_counter()
        response = session.post(
            f"{base}/api/auth/login/",
            json={"username": f"{USER_PREFIX}{index}", "password": PASSWORD},
            headers={"X-CSRFToken": session.cookies["csrftoken"], "Referer": base},
            timeout=120,
        )
        elapsed = (time.perf_counter() - started) * 1000
        response.raise_for_status()
        return {k: session.cookies[k] for k in ("sessionid", "csrftoken")}, elapsed

    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(one, range(users)))
    return [cookies for cookies, _ in done], [ms for _, ms in done]


def run_load(args: argparse.Namespace) -> dict:
    var_dir = Path(os.environ.get("CONVSCOPE_VAR_DIR") or tempfile.mkdtemp(prefix="cs-load-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="cs-load-run-"))
    database_url, pg_name = create_database(var_dir)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.config.settings.local",
        "CONVSCOPE_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        # Production behaviour under load: no debug pages, no browsable API, no query log.
        "DJANGO_DEBUG": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        **BENCH_RATES,
    }
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)  # the worker picks its own kernels
    processes: list[subprocess.Popen] = []
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "build_zoo", "tiny-vgg")
        network = manage(
            env,
            "shell",
            "-c",
            SETUP_USERS.format(password=PASSWORD, prefix=USER_PREFIX, users=args.users),
        ).split()[-1]
        redis_port, web_port = free_port(), free_port()
        env["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        # Throttle and sign-in-failure counts shared by both web processes, as in production.
        env["CACHE_URL"] = f"redis://127.0.0.1:{redis_port}/1"
        processes.append(start_redis(redis_port, tmp))
        workers = []
        for index in range(args.celery_workers):
            # One child each (the fixture's way); several workers = several children.
            worker = start_celery_worker(env, tmp / f"worker{index}.log", f"load{index}@%h")
            processes.append(worker)
            workers.append(worker)
        web = subprocess.Popen(
            [str(BIN / "gunicorn"), "backend.config.wsgi"]
            + ["--bind", f"127.0.0.1:{web_port}", "--workers", "2"]
            + ["--threads", str(args.threads), "--log-level", "warning"]
            # Gunicorn's default 2 s keep-alive races with the client's next request on a
            # starved CPU ("Remote end closed connection"); 30 s, as behind a proxy.
            + ["--keep-alive", str(args.keep_alive)],
            cwd=ROOT,
            env=env,
        )
        processes.append(web)
        base = f"http://127.0.0.1:{web_port}"
        import requests

        wait_for(lambda: requests.get(f"{base}/api/health/", timeout=2).ok, 30, "gunicorn")

        sessions, login_ms = sign_in(base, args.users)
        (tmp / "sessions.json").write_text(json.dumps(sessions))
        out = tmp / "locust.json"
        locust_env = {
            **env,
            "LOAD_BENCH_OUT": str(out),
            "LOAD_BENCH_SESSIONS": str(tmp / "sessions.json"),
            "LOAD_BENCH_NETWORK": network,
            "LOAD_BENCH_PACING": str(args.pacing),
            "LOAD_BENCH_POLL": str(args.poll),
        }
        locust = subprocess.Popen(
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "load_locustfile.py")]
            + ["--headless", "--host", base, "--users", str(args.users)]
            + ["--spawn-rate", str(args.spawn_rate), "--run-time", f"{args.duration}s"]
            + ["--stop-timeout", "30", "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT,
            env=locust_env,
            stdout=(tmp / "locust.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        processes.append(locust)  # stopped with the rest if this process fails meanwhile
        sampler = Sampler(
            database_url=database_url,
            roles={
                "web (gunicorn)": family(web.pid),
                "Celery workers": lambda: [p for w in workers for p in family(w.pid)()],
                "locust": family(locust.pid),
                "redis": family(processes[0].pid),
                "postgres (this database)": postgres_backends(pg_name),
            },
            worker_parents=[psutil.Process(w.pid) for w in workers],
        )
        thread = sampler.start()
        code = locust.wait(args.duration + 120)
        load_end = time.time()
        if not out.exists():
            raise RuntimeError(f"locust exited {code}:\n{(tmp / 'locust.log').read_text()}")
        # A margin over warmup + window: the warm-up sample may land a few analyses late.
        target = args.warmup_analyses + args.memory_analyses + 50
        missing = target - sampler.count_done()
        if missing > 0:
            manage(env, "shell", "-c", TOP_UP.format(prefix=USER_PREFIX, count=missing))
            wait_for(lambda: sampler.count_done() >= target, 900, f"{target} analyses")
            time.sleep(2 * sampler.period)
        sampler.stop()
        thread.join(5)
        result = json.loads(out.read_text())
        result["samples"] = sampler.samples
        result["load_end"] = load_end
        result["topped_up"] = max(0, missing)
        result["login_ms"] = login_ms
        result["database"] = "PostgreSQL" if pg_name else "SQLite"
        return result
    finally:
        for process in reversed(processes):
            stop(process)
        if pg_name:
            try:
                drop_database(pg_name)
            except Exception as error:  # noqa: BLE001 - leave it, but say so
                print(f"could not drop database {pg_name}: {error}", file=sys.stderr)
        shutil.rmtree(tmp, ignore_errors=True)
        if not os.environ.get("CONVSCOPE_VAR_DIR"):
            shutil.rmtree(var_dir, ignore_errors=True)


def summarise(result: dict, args: argparse.Namespace) -> dict:
    entries = result["entries"]
    http = [e for e in entries if e["method"] != "FLOW"]
    flow = next((e for e in entries if e["method"] == "FLOW"), None)
    duration = max(1e-9, result["end"] - result["start"])
    flows = sorted(f["ms"] for f in result["flows"])
    samples = [x for x in result["samples"] if x["t"] <= result["load_end"]]
    # Analyses per second in the steady part: from the end of the ramp-up to the last sample.
    steady_from = samples[0]["t"] + args.users / args.spawn_rate + 5 if samples else 0
    steady = [s for s in samples if s["t"] >= steady_from] or samples
    done_rate = (
        (steady[-1]["done"] - steady[0]["done"]) / max(1e-9, steady[-1]["t"] - steady[0]["t"])
        if len(steady) > 1
        else 0.0
    )
    cpu = {}
    if len(samples) > 1:
        first, last = samples[0], samples[-1]
        analyses = max(1, last["done"] - first["done"])
        wall = last["t"] - first["t"]
        for role in last["cpu"]:
            then = first["cpu"].get(role, {})
            now: dict[int, float] = {}
            for sample in samples:  # last value seen per pid: an exited one keeps its time
                now.update(sample["cpu"].get(role, {}))
            # A process born during the run counts from zero.
            seconds = sum(value - then.get(pid, 0.0) for pid, value in now.items())
            cpu[role] = {"ms_per_analysis": seconds / analyses * 1000, "cores": seconds / wall}
        machine = last["machine_cpu"] - first["machine_cpu"]
        cpu["whole machine"] = {
            "ms_per_analysis": machine / analyses * 1000,
            "cores": machine / wall,
        }
    polls = [f["polls"] for f in result["flows"]]
    return {
        "database": result["database"],
        "duration": duration,
        "requests": sum(e["requests"] for e in http),
        "rps": sum(e["requests"] for e in http) / duration,
        "failed_requests": sum(e["failures"] for e in http),
        "failed_flows": flow["failures"] if flow else 0,
        "flows": len(flows),
        "p50": percentile(flows, 0.50),
        "p95": percentile(flows, 0.95),
        "p99": percentile(flows, 0.99),
        "flows_per_s": len(flows) / duration,
        "done_per_s": done_rate,
        "mean_polls": sum(polls) / len(polls) if polls else 0.0,
        "login_p50": percentile(sorted(result["login_ms"]), 0.5),
        "login_max": max(result["login_ms"], default=float("nan")),
        "memory": memory_growth(result["samples"], args.warmup_analyses, args.memory_analyses),
        "topped_up": result["topped_up"],
        "per_request": http,
        "errors": result["errors"],
        "cpu": cpu,
        "machine_cores": psutil.cpu_count(),
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def markdown(s: dict, args: argparse.Namespace) -> list[str]:
    errors = s["failed_requests"] + s["failed_flows"]
    lines = [
        "## Load",
        "",
        f"`bench/load_bench.py`: {args.users} locust users (headless, spawned at "
        f"{args.spawn_rate:g}/s) for {args.duration} s against gunicorn (2 workers × "
        f"{args.threads} threads, keep-alive {args.keep_alive} s, `DJANGO_DEBUG=false`), "
        "a private Redis (broker, and the "
        f"cache that holds throttle counts), {args.celery_workers} Celery worker(s) × 1 child "
        f"and a throwaway {s['database']} database, all on this one machine "
        f"({s['machine_cores']} cores, shared with the load generator and, while this ran, with "
        "other engineers' work: figures are noisy). Each user is its own account, signed in "
        "over the API just before the clock starts (sign-in, upload and job rate limits "
        "raised for the bench through `CONVSCOPE_RATE_LOGIN/UPLOADS/JOBS`); then every "
        f"{args.pacing:g} s (or at once if the last flow took longer) lists the networks, opens "
        "one, uploads a distinct Fashion-MNIST PNG, asks for its analysis (202 + job), polls "
        f"the job every {args.poll * 1000:g} ms until it succeeded and fetches the analysis "
        "JSON. Upload → result is a custom locust event from the upload's start to the "
        "result fetched.",
        "",
        "| what | measured | target |",
        "| --- | ---: | --- |",
        f"| HTTP requests per second | {s['rps']:.1f} ({s['requests']} in "
        f"{s['duration']:.0f} s) | |",
        f"| upload → result p50 (ms) | {s['p50']:.0f} | |",
        f"| upload → result p95 (ms) | {s['p95']:.0f} | ≤ 500 ms: {verdict(s['p95'] <= 500)} |",
        f"| upload → result p99 (ms) | {s['p99']:.0f} | |",
        f"| errors (failed requests + failed flows) | {errors} ({s['failed_requests']} + "
        f"{s['failed_flows']}) | 0: {verdict(errors == 0)} |",
        f"| analyses completed per second (flows / run time) | {s['flows_per_s']:.1f} "
        f"({s['flows']} flows) | ≥ 50: {verdict(s['flows_per_s'] >= 50)} |",
        f"| analyses finished per second by the workers (steady state) | {s['done_per_s']:.1f} | |",
        f"| job polls per flow (mean) | {s['mean_polls']:.1f} | |",
    ]
    lines.append(
        f"| sign-in before the run (`POST /api/auth/login/`, {args.users} users, 4 at a time) "
        f"p50 / max (ms) | {s['login_p50']:.0f} / {s['login_max']:.0f} | |"
    )
    memory = s["memory"]
    if memory:
        note = "" if memory["same_children"] else " (a child was replaced in between)"
        if s["topped_up"]:
            note += (
                f"; the last {s['topped_up']} analyses were queued straight from the ORM "
                "after the load run, which finished fewer"
            )
        lines.append(
            f"| worker child RSS after {args.warmup_analyses} analyses → "
            f"{memory['analyses']} analyses later ({memory['children']} child(ren), summed) | "
            f"{memory['before_mib']:.0f} → {memory['after_mib']:.0f} MiB "
            f"({memory['growth'] * 100:+.1f} %){note} | ≤ 10 % over 1,000: "
            f"{verdict(memory['growth'] <= 0.10 and memory['analyses'] >= 1000)} |"
        )
    lines += [
        "",
        "Per request (locust, ms):",
        "",
        "| request | count | failed | p50 | p95 | mean |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for entry in sorted(s["per_request"], key=lambda e: -e["requests"]):
        lines.append(
            f"| {entry['method']} {entry['name']} | {entry['requests']} | {entry['failures']} "
            f"| {entry['p50']:.0f} | {entry['p95']:.0f} | {entry['mean']:.1f} |"
        )
    if s["cpu"]:
        ours = sum(f["ms_per_analysis"] for role, f in s["cpu"].items() if role != "whole machine")
        busy = s["cpu"].get("whole machine", {}).get("cores", 0.0)
        ceiling = s["machine_cores"] * 1000 / ours if ours else float("nan")
        lines += [
            "",
            "Where the CPU goes (process CPU time over the run, children included):",
            "",
            "| process | CPU ms per analysis | cores busy (mean) |",
            "| --- | ---: | ---: |",
        ]
        for role, figures in s["cpu"].items():
            lines.append(f"| {role} | {figures['ms_per_analysis']:.1f} | {figures['cores']:.2f} |")
        # The ceiling says whether the targets could be met here at all, noise aside.
        lines += [
            "",
            f"The bench's own processes spent {ours:.0f} CPU ms per analysis (web tier "
            f"{s['cpu']['web (gunicorn)']['ms_per_analysis']:.0f} ms for its "
            f"{s['requests'] / max(1, s['flows']):.1f} requests per analysis): "
            f"{s['machine_cores']} idle cores could finish "
            f"at most ~{ceiling:.0f} analyses per second; the whole machine was "
            f"{busy:.2f} of {s['machine_cores']} cores busy during the run, the rest of it other "
            "work.",
        ]
        if s["mean_polls"] < 2:
            lines[-1] += (
                f" With {s['mean_polls']:.1f} polls per flow the job is done by the first poll: "
                "upload → result is time queued for the web tier's CPU, not worker throughput."
            )
    if s["errors"]:
        lines += ["", "Errors:", ""]
        lines += [f"- {e['count']}× {e['method']} {e['name']}: {e['error']}" for e in s["errors"]]
    return lines


def replace_section(path: Path, section: list[str]) -> None:
    """Put `section` in place of the file's "## Load" section (appended if it has none)."""
    text = path.read_text() if path.exists() else ""
    lines = text.splitlines()
    try:
        start = lines.index("## Load")
    except ValueError:
        lines += ([""] if lines and lines[-1] else []) + section
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        tail = lines[end:]
        lines = lines[:start] + section + ([""] + tail if tail else [])
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=120, help="seconds of load")
    parser.add_argument("--spawn-rate", type=float, default=10, help="users started per s")
    parser.add_argument("--pacing", type=float, default=1.0, help="s between a user's flows")
    parser.add_argument("--poll", type=float, default=0.02, help="s between job polls")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--keep-alive", type=int, default=30, help="gunicorn keep-alive s")
    parser.add_argument("--celery-workers", type=int, default=2, help="one child each")
    parser.add_argument("--warmup-analyses", type=int, default=100)
    parser.add_argument("--memory-analyses", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    parser.add_argument(
        "--print-only", action="store_true", help="print the section, leave --out alone"
    )
    args = parser.parse_args()
    summary = summarise(run_load(args), args)
    section = markdown(summary, args)
    if not args.print_only:
        replace_section(args.out, section)
    print("\n".join(section))


if __name__ == "__main__":
    main()
