import pytest


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """Record what would be sent to the broker instead of sending it (unit tests only; the
    integration tests use a real Redis and worker)."""
    from backend.analyses import tasks

    sent: list[dict] = []

    def fake_apply_async(*args, kwargs=None, **options):
        sent.append(kwargs or {})

    monkeypatch.setattr(tasks.run_analysis, "apply_async", fake_apply_async)
    return sent


@pytest.fixture
def run_queued(queued):
    """Run what was queued in-process with the real task body."""
    from backend.analyses.services import execute_analysis_job

    def run() -> None:
        while queued:
            execute_analysis_job(queued.pop(0)["job_id"])

    return run
