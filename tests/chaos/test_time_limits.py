"""Time limits with a real worker: a job stopped by the soft limit, or killed by the hard limit,
ends FAILED at once with the time-limit sentence of its kind, and is never sent again by the
sweeper as if it had crashed (a job killed three times used to end "poison")."""

import time

import pytest

from tests.chaos.conftest import wait_job

pytestmark = [pytest.mark.integration, pytest.mark.chaos]


def stays_failed(job_id: int, seconds: float):
    """The job row after ``seconds`` more (beat sweeps every second meanwhile)."""
    from backend.jobs.models import Job

    time.sleep(seconds)
    return Job.objects.get(pk=job_id)


def limit(monkeypatch, task, soft: float, hard: float) -> dict[str, str]:
    """The task's limits as an installation sets them (CONVSCOPE_TASK_TIME_LIMITS): for the
    worker's environment, and on the task in this process, which sends the messages (a message
    carries its sender's limits)."""
    monkeypatch.setattr(task, "soft_time_limit", soft)
    monkeypatch.setattr(task, "time_limit", hard)
    return {"CONVSCOPE_TASK_TIME_LIMITS": f"{task.name}={soft}:{hard}"}


def test_soft_time_limit_fails_feature_vis_with_the_sentence(
    start_worker, start_beat, user, zoo, monkeypatch
):
    from backend.features.services import create_feature_vis
    from backend.features.tasks import run_feature_vis

    # The cost estimate would refuse this request before queueing it; the time limit is the
    # backstop for a request it let through (a wrong estimate): make it think the server fast.
    monkeypatch.setattr("backend.jobs.costs._throughput", lambda: 1e18)

    # The optimisation checks the clock between short steps, so the soft limit stops it.
    start_worker("soft", env=limit(monkeypatch, run_feature_vis, 1, 20))
    start_beat()
    request = {"kind": "filters", "layer": "conv_2_2", "filters": list(range(32)), "steps": 1024}
    vis = create_feature_vis(user, zoo["tiny-vgg"], request)
    job = wait_job(vis.job_id, ("succeeded", "failed"), 120)
    assert job.status == "failed"
    assert job.message == (
        "This took longer than the worker allows (1 s); try fewer filters, fewer steps or one "
        "image per filter."
    )
    later = stays_failed(job.pk, 3)
    assert later.status == "failed" and later.deliveries == 1


def test_hard_time_limit_kill_fails_at_once_and_is_not_resent(
    start_worker, start_beat, user, monkeypatch
):
    from backend.jobs import services
    from backend.jobs.models import JobKind
    from tests.chaos.poison_app import outlive_soft_time_limit

    limits = limit(monkeypatch, outlive_soft_time_limit, 1, 2)
    worker = start_worker("hard", app="tests.chaos.poison_app", env=limits)
    start_beat()
    job = services.create_job(user, JobKind.FEATURE_VIS)
    services.enqueue(job, outlive_soft_time_limit.name)
    job = wait_job(job.pk, ("failed", "succeeded"), 60)
    assert job.status == "failed" and job.deliveries == 1
    assert job.message == (
        "This took longer than the worker allows (2 s); try fewer filters, fewer steps or one "
        "image per filter."
    )
    assert job.deadline is not None
    later = stays_failed(job.pk, 4)
    assert later.status == "failed" and later.deliveries == 1 and later.message == job.message
    assert worker.poll() is None  # the worker lives on, with a new child
