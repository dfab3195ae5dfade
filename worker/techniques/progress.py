"""Progress in words: what a long computation is doing now, for the job row the page polls.

A compute function hears a ``progress(fraction, message)`` callback. The job runner's callback
(``backend.jobs.services.throttled_progress``) also takes the stage's name and how far it is
(``stage``, ``done``, ``total``), from which it estimates the time left; plain callables (tests,
the CLI) take only the two positional arguments. ``tell`` speaks to both.

Some stages have no callback of their own (openTSNE's neighbour search, UMAP's graph): ``ticking``
reports from a thread every second meanwhile, so the bar and the words never stand still.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

Progress = Callable[..., None]
#: the name of a ticking thread: a callback writing to a database closes that thread's connection
TICKER_THREAD = "progress-ticker"


def takes_details(progress: Progress | None) -> bool:
    return bool(getattr(progress, "takes_details", False))


def tell(
    progress: Progress | None,
    fraction: float,
    message: str,
    *,
    stage: str | None = None,
    done: int | None = None,
    total: int | None = None,
) -> None:
    """Report to ``progress`` (if any), with the stage details when it takes them."""
    if progress is None:
        return
    if takes_details(progress):
        progress(fraction, message, stage=stage, done=done, total=total)
    else:
        progress(fraction, message)


def scaled(progress: Progress | None, low: float, high: float) -> Progress | None:
    """A callback mapping a part's 0..1 onto ``low..high`` of the whole job (details kept)."""
    if progress is None:
        return None

    def report(fraction: float, message: str, **details: Any) -> None:
        tell(progress, low + (high - low) * fraction, message, **details)

    report.takes_details = takes_details(progress)  # type: ignore[attr-defined]
    return report


def count(n: int) -> str:
    """2000 → "2,000" (the way the page writes counts)."""
    return f"{n:,}"


class ticking:
    """Report every ``every_s`` seconds from a thread while a call without callbacks runs.

    The fraction creeps from ``low`` towards ``high`` (never reaching it: the stage's real end
    reports that), ``1 - exp(-t / expected_s)`` of the way; the message says how long so far.
    Leave the ``with`` block, or call ``stop()`` (e.g. from the next stage's first callback).
    A report that raises (the job was cancelled, or ran past its limit) ends the ticking; the
    main thread hears the same at its own next report.
    """

    def __init__(
        self,
        progress: Progress | None,
        low: float,
        high: float,
        message: str,
        *,
        stage: str | None = None,
        expected_s: float = 10.0,
        every_s: float = 1.0,
    ) -> None:
        self.progress = progress
        self.low, self.high = low, high
        self.message, self.stage = message, stage
        self.expected_s = max(0.1, expected_s)
        self.every_s = every_s
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.reports = 0

    def _run(self) -> None:
        started = time.monotonic()
        while not self._stopped.wait(self.every_s):
            elapsed = time.monotonic() - started
            share = 1.0 - math.exp(-elapsed / self.expected_s)
            fraction = self.low + (self.high - self.low) * 0.95 * share
            try:
                tell(
                    self.progress,
                    fraction,
                    f"{self.message} ({elapsed:.0f} s so far)",
                    stage=self.stage,
                )
            except Exception:  # noqa: BLE001 - cancelled or past the limit: the caller hears it
                return
            self.reports += 1

    def __enter__(self) -> ticking:
        tell(self.progress, self.low, self.message, stage=self.stage)
        if self.progress is not None:
            self._thread = threading.Thread(target=self._run, name=TICKER_THREAD, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def __exit__(self, *exc: object) -> None:
        self.stop()
