import pytest


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """Record what would be sent to the broker instead of sending it (unit tests only; the
    integration tests use a real Redis and worker)."""
    from backend.analyses import tasks as analysis_tasks
    from backend.comparisons import tasks as comparison_tasks
    from backend.datasets import tasks as dataset_tasks
    from backend.evaluations import tasks as evaluation_tasks
    from backend.explanations import tasks as explanation_tasks
    from backend.features import tasks as feature_tasks
    from backend.neighbourhoods import tasks as neighbourhood_tasks
    from backend.networks import tasks as network_tasks
    from backend.training import tasks as training_tasks

    sent: list[dict] = []

    def fake_apply_async(*args, kwargs=None, **options):
        sent.append(kwargs or {})

    monkeypatch.setattr(analysis_tasks.run_analysis, "apply_async", fake_apply_async)
    monkeypatch.setattr(explanation_tasks.run_explanation, "apply_async", fake_apply_async)
    monkeypatch.setattr(explanation_tasks.run_heavy_explanation, "apply_async", fake_apply_async)
    monkeypatch.setattr(feature_tasks.run_feature_vis, "apply_async", fake_apply_async)
    monkeypatch.setattr(evaluation_tasks.run_dataset_view, "apply_async", fake_apply_async)
    monkeypatch.setattr(network_tasks.register_network, "apply_async", fake_apply_async)
    monkeypatch.setattr(dataset_tasks.register_dataset, "apply_async", fake_apply_async)
    monkeypatch.setattr(comparison_tasks.run_comparison, "apply_async", fake_apply_async)
    monkeypatch.setattr(training_tasks.run_training, "apply_async", fake_apply_async)
    monkeypatch.setattr(neighbourhood_tasks.run_neighbourhood, "apply_async", fake_apply_async)
    monkeypatch.setattr(neighbourhood_tasks.train_vae, "apply_async", fake_apply_async)
    return sent


@pytest.fixture
def run_queued(queued):
    """Run what was queued in-process with the real task body (the job runner, which picks
    the job kind's declaration)."""
    from backend.jobs.runner import run_job

    def run() -> None:
        while queued:
            run_job(queued.pop(0)["job_id"])

    return run
