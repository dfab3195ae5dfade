"""What is needed to recompute a report's numbers: versions, revision, host and time."""

from __future__ import annotations

import functools
import platform
import socket
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from django.conf import settings


@functools.cache
def revision() -> str:
    """ConvScope's git revision (``unknown`` outside a git checkout)."""
    root = Path(settings.ROOT_DIR)
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def _version(*packages: str) -> str:
    """The installed version of the first of these distributions that is installed."""
    for package in packages:
        try:
            return metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return "not installed"


def environment() -> dict:
    return {
        "convscope_revision": revision(),
        "python": platform.python_version(),
        "tensorflow": _version("tensorflow", "tensorflow-cpu", "tensorflow-intel"),
        "keras": _version("keras"),
        "numpy": _version("numpy"),
        "host": socket.gethostname(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
