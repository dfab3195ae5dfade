"""Progress in words (issue 20): the stage details reach a callback that takes them, plain
callbacks keep working, and a stage without callbacks still moves every second."""

import threading
import time

from worker.techniques.progress import TICKER_THREAD, scaled, tell, ticking


def test_tell_passes_details_only_to_callbacks_that_take_them():
    plain, detailed = [], []
    tell(lambda f, m: plain.append((f, m)), 0.5, "half", stage="s", done=1, total=2)
    assert plain == [(0.5, "half")]

    def report(fraction, message, **details):
        detailed.append((fraction, message, details))

    report.takes_details = True
    part = scaled(report, 0.25, 0.75)
    tell(part, 0.5, "mid", stage="features", done=5, total=10)
    assert detailed == [(0.5, "mid", {"stage": "features", "done": 5, "total": 10})]
    assert scaled(None, 0, 1) is None


def test_ticking_moves_every_second_and_stops():
    heard = []

    def report(fraction, message, **details):
        heard.append((fraction, message, details.get("stage"), threading.current_thread().name))

    report.takes_details = True
    with ticking(report, 0.1, 0.5, "Building", stage="graph", expected_s=2, every_s=0.2) as ticker:
        time.sleep(1.1)
    count = len(heard)
    time.sleep(0.5)
    assert len(heard) == count  # stopped with the block
    assert heard[0][:3] == (0.1, "Building", "graph")  # the stage's first words at once
    ticks = heard[1:]
    assert len(ticks) >= 3 and ticker.reports == len(ticks)
    fractions = [f for f, *_ in ticks]
    assert fractions == sorted(fractions) and fractions[0] > 0.1 and fractions[-1] < 0.5
    assert all("s so far" in m and t == TICKER_THREAD for _, m, _, t in ticks)


def test_a_failing_report_ends_the_ticking():
    calls = []

    def report(fraction, message):
        calls.append(fraction)
        if len(calls) > 1:
            raise RuntimeError("cancelled")

    with ticking(report, 0, 1, "x", every_s=0.05):
        time.sleep(0.4)
    assert len(calls) == 2
