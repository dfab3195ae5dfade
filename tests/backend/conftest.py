import pytest


@pytest.fixture
def queued(monkeypatch) -> list[dict]:
    """Record what would be sent to the broker instead of sending it (unit tests only; the
    integration tests use a real Redis and worker)."""
    from backend.analyses import tasks as analysis_tasks
    from backend.datasets import tasks as dataset_tasks
    from backend.evaluations import tasks as evaluation_tasks
    from backend.explanations import tasks as explanation_tasks
    from backend.features import tasks as feature_tasks
    from backend.networks import tasks as network_tasks

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
    return sent


@pytest.fixture
def run_queued(queued):
    """Run what was queued in-process with the real task bodies (chosen by the job's kind)."""
    from backend.analyses.services import execute_analysis_job
    from backend.datasets.services import execute_registration_job as register_dataset
    from backend.evaluations.services import execute_dataset_view_job
    from backend.explanations.services import execute_explanation_job
    from backend.features.services import execute_feature_vis_job
    from backend.jobs.models import Job
    from backend.networks.services import execute_registration_job as register_network

    bodies = {
        "analysis": execute_analysis_job,
        "explanation": execute_explanation_job,
        "trust-check": execute_explanation_job,
        "evaluation": execute_dataset_view_job,
        "embedding": execute_dataset_view_job,
        "top-activations": execute_dataset_view_job,
        "filter-ranking": execute_dataset_view_job,
        "feature-vis": execute_feature_vis_job,
        "network-registration": register_network,
        "dataset-registration": register_dataset,
    }

    def run() -> None:
        while queued:
            job_id = queued.pop(0)["job_id"]
            bodies[Job.objects.get(pk=job_id).kind](job_id)

    return run
