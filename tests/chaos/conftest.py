"""Chaos fixtures: a Redis that persists its queue (append-only, synced on every write) and
can be killed and restarted, and Celery workers that the tests kill."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures.processes import free_port, start_celery_worker, start_redis, stop, wait_for
from tests.fixtures.services import database_url_for_worker

ROOT = Path(__file__).resolve().parents[2]
# Short enough for a test, long enough for a worker under load.
FAST = {
    "CONVSCOPE_JOB_HEARTBEAT_S": "0.5",
    "CONVSCOPE_JOB_LEASE_S": "10",
    "CONVSCOPE_SWEEP_EVERY_S": "1",
    "CONVSCOPE_WARM_UP": "0",
}


class Broker:
    """A private persistent redis-server that a test can kill (SIGKILL) and start again."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = start_redis(self.port, self.workdir, persistent=True)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)
        self.process = None

    def queued_messages(self) -> int:
        import redis

        client = redis.Redis(port=self.port)
        return sum(client.llen(queue) for queue in ("default", "cpu_heavy", "gpu"))


def forget_connections(app) -> None:
    """Make the app pick its broker connection pool again for its current broker_url. Only
    the references are dropped: kombu keeps one pool per URL process-wide, and closing one
    would break every later test that sends to that URL ("Acquire on closed pool")."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def broker(tmp_path, settings):
    from backend.config.celery_app import app

    broker = Broker(tmp_path)
    broker.start()
    settings.CELERY_BROKER_URL = broker.url
    previous = app.conf.broker_url
    app.conf.broker_url = broker.url
    forget_connections(app)  # nothing of an earlier test's Redis is reused
    yield broker
    forget_connections(app)
    app.conf.broker_url = previous
    if broker.process is not None:
        stop(broker.process)


@pytest.fixture
def start_worker(transactional_db, zoo, broker, media_root, request, tmp_path):
    """``start_worker(name, app=..., beat=False)`` → a running `celery worker` process sharing
    the test database, media root and the broker; all are stopped after the test."""
    from django.db import connection

    started: list[subprocess.Popen] = []

    def start(
        name: str,
        app: str = "backend.config.celery_app",
        beat: bool = False,
        env: dict[str, str] | None = None,
    ):
        log = ROOT / "var" / "test-logs" / f"chaos-{request.node.name}-{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            **FAST,
            "DJANGO_SETTINGS_MODULE": "backend.config.settings.local",
            "DATABASE_URL": database_url_for_worker(connection),
            "CONVSCOPE_MEDIA_ROOT": str(media_root),
            "CELERY_BROKER_URL": broker.url,
            "DJANGO_DEBUG": "false",
            **(env or {}),
        }
        extra = ["-B", "--schedule", str(tmp_path / f"beat-{name}")] if beat else []
        process = start_celery_worker(
            env, log, name=f"{name}-{os.getpid()}@%h", app=app, extra=extra
        )
        process.log = log  # type: ignore[attr-defined]
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            stop(process)


def wait_job(job_id: int, statuses: tuple[str, ...], timeout: float):
    """The job row once its status is one of ``statuses``."""
    from backend.jobs.models import Job

    found = []

    def reached() -> bool:
        job = Job.objects.get(pk=job_id)
        found[:] = [job]
        return job.status in statuses

    try:
        wait_for(reached, timeout, f"job {job_id} reaching {statuses}")
    except TimeoutError as exc:
        raise AssertionError(f"job {job_id} is {found[0].status!r}: {found[0].message}") from exc
    return found[0]


def holder_pid(job) -> int:
    return int(job.worker.rpartition(":")[2])


def children_of(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def sleep_until(predicate, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.05)


@pytest.fixture
def start_beat(broker, transactional_db, request, tmp_path):
    """``start_beat()`` → `celery beat` sending the sweeper every second (production runs one
    beat per installation)."""
    from django.db import connection

    started: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        log = ROOT / "var" / "test-logs" / f"chaos-{request.node.name}-beat.log"
        env = {
            **os.environ,
            **FAST,
            "DJANGO_SETTINGS_MODULE": "backend.config.settings.local",
            "DATABASE_URL": database_url_for_worker(connection),
            "CELERY_BROKER_URL": broker.url,
        }
        command = [sys.executable, "-m", "celery", "-A", "backend.config.celery_app", "beat"]
        command += ["--schedule", str(tmp_path / "beat-schedule"), "--loglevel", "INFO"]
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        started.append(process)
        wait_for(lambda: "Sending due task" in log.read_text(), 60, "celery beat")
        return process

    yield start
    for process in started:
        stop(process)
