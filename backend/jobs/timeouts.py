"""The sentence a job stopped by its time limit shows: "This took longer than the worker allows
(N s); " and its kind's advice. The runner fills ``ADVICE`` as declarations register (their
``timeout_advice``); the life-cycle services and the sweeper use it without importing the runner."""

from __future__ import annotations

# Said when a kind has no advice of its own.
GENERIC_TIMEOUT_ADVICE = "try a smaller request or a smaller image."
# job kind → what to change ("try fewer filters, …")
ADVICE: dict[str, str] = {}


def timeout_text(kind: str, seconds: float | None) -> str:
    """The sentence of a job stopped by its time limit (soft: the work raised; hard: the worker
    killed it)."""
    advice = ADVICE.get(kind) or GENERIC_TIMEOUT_ADVICE
    limit = f" ({float(seconds):g} s)" if seconds else ""
    return f"This took longer than the worker allows{limit}; {advice}"
