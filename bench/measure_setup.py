"""Time `make dev` from a fresh clone to a served page, and a second run (everything up to date).

Clones the committed HEAD into a temporary folder, runs `make dev` there on a free port, waits
until the page and the API answer, stops it with Ctrl-C (SIGINT), then does it again.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _served(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as page:  # noqa: S310
            return page.status == 200 and b"/static/assets/" in page.read()
    except OSError:
        return False


def _run_until_served(clone: Path, port: int, log: Path, timeout: float) -> float:
    started = time.perf_counter()
    env = {**os.environ, "PORT": str(port)}
    with log.open("ab") as out:
        process = subprocess.Popen(
            ["make", "dev"],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        while not _served(port):
            if process.poll() is not None:
                raise RuntimeError(f"make dev exited with {process.returncode}; see {log}")
            if time.perf_counter() - started > timeout:
                raise TimeoutError(f"make dev did not serve a page within {timeout} s; see {log}")
            time.sleep(0.5)
        return time.perf_counter() - started
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def measure_setup(timeout: float = 1200) -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp(prefix="convscope-setup-"))
    clone = workdir / "convscope"
    log = workdir / "make-dev.log"
    try:
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        first = _run_until_served(clone, _free_port(), log, timeout)
        second = _run_until_served(clone, _free_port(), log, timeout)
        return {"fresh": first, "second": second}
    except Exception:
        (ROOT / "var").mkdir(exist_ok=True)
        shutil.copy(log, ROOT / "var" / "measure-setup-failed.log")  # for the reader
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    print(measure_setup())
