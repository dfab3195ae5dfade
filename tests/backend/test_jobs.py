"""The job life cycle: claims are atomic, so a redelivered or duplicated message runs once."""

import threading

import pytest
from django.db import connection

from backend.jobs import services
from backend.jobs.models import Job, JobKind, JobStatus


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_have_one_winner(user):
    job = services.create_job(user, JobKind.ANALYSIS)
    barrier = threading.Barrier(4)
    winners: list[bool] = []

    def contender() -> None:
        try:
            barrier.wait()
            winners.append(services.claim(job.pk) is not None)
        finally:
            connection.close()

    threads = [threading.Thread(target=contender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(winners) == [False, False, False, True]
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.deliveries == 1 and job.started_at


@pytest.mark.django_db
def test_transitions(user):
    job = services.create_job(user, JobKind.ANALYSIS)
    assert services.claim(job.pk) is not None
    services.set_progress(job.pk, 1.7, "almost")
    job.refresh_from_db()
    assert job.progress == 1.0 and job.message == "almost"
    assert services.succeed(job.pk)
    assert not services.succeed(job.pk)  # only a running job can finish
    services.fail(job.pk, "too late")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.finished_at


@pytest.mark.django_db
def test_cancelled_running_job_drops_its_result(user):
    job = services.create_job(user, JobKind.ANALYSIS)
    services.claim(job.pk)
    assert services.cancel(Job.objects.get(pk=job.pk))
    assert not services.succeed(job.pk)
    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED


def _running_elsewhere(job: Job, worker: str, heartbeat_age_s: float, deliveries: int = 1):
    """The job as a worker "host:pid" left it, its last heartbeat ``heartbeat_age_s`` ago."""
    from datetime import timedelta

    from django.utils import timezone

    beat = timezone.now() - timedelta(seconds=heartbeat_age_s)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        worker=worker,
        started_at=beat,
        heartbeat_at=beat,
        deliveries=deliveries,
        task_name="analyses.run_analysis",
    )


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    import subprocess

    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.django_db
def test_redelivery_takes_over_a_job_whose_worker_process_died(user):
    import socket

    job = services.create_job(user, JobKind.ANALYSIS)
    _running_elsewhere(job, f"{socket.gethostname()}:{_dead_pid()}", heartbeat_age_s=1)
    taken = services.claim(job.pk)
    assert taken is not None and taken.deliveries == 2
    assert taken.worker == services.worker_identity() and taken.status == JobStatus.RUNNING


@pytest.mark.django_db
def test_redelivery_leaves_a_job_whose_worker_is_alive(user):
    import os
    import socket

    job = services.create_job(user, JobKind.ANALYSIS)
    # A live process on this machine (this one), recent heartbeat: still running there.
    _running_elsewhere(job, f"{socket.gethostname()}:{os.getpid()}", heartbeat_age_s=1)
    assert services.claim(job.pk) is None
    # Another machine with a recent heartbeat: alive too.
    _running_elsewhere(job, "other-machine:1234", heartbeat_age_s=1)
    assert services.claim(job.pk) is None
    assert Job.objects.get(pk=job.pk).deliveries == 1


@pytest.mark.django_db
def test_a_machine_silent_past_the_lease_is_dead(user, settings):
    settings.CONVSCOPE_JOB_LEASE_S = 30
    job = services.create_job(user, JobKind.ANALYSIS)
    _running_elsewhere(job, "other-machine:1234", heartbeat_age_s=31)
    assert services.claim(job.pk).deliveries == 2


@pytest.mark.django_db
def test_a_job_that_killed_its_worker_three_times_is_poison(user):
    job = services.create_job(user, JobKind.ANALYSIS)
    _running_elsewhere(job, "other-machine:1234", heartbeat_age_s=3600, deliveries=3)
    assert services.claim(job.pk) is None
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at
    assert "stopped the worker running it 3 times" in job.message


@pytest.mark.django_db
def test_heartbeat_touches_only_the_holders_running_job(user):
    job = services.create_job(user, JobKind.ANALYSIS)
    assert not services.heartbeat(job.pk)  # queued: nobody holds it
    services.claim(job.pk)
    before = Job.objects.get(pk=job.pk).heartbeat_at
    assert services.heartbeat(job.pk)
    assert Job.objects.get(pk=job.pk).heartbeat_at > before
    Job.objects.filter(pk=job.pk).update(worker="other-machine:1")
    assert not services.heartbeat(job.pk)


@pytest.mark.django_db
def test_progress_of_a_cancelled_job_stops_the_work(user):
    job = services.create_job(user, JobKind.EVALUATION)
    services.claim(job.pk)
    services.set_progress(job.pk, 0.2, "working")
    services.cancel(Job.objects.get(pk=job.pk))
    with pytest.raises(services.JobCancelled):
        services.set_progress(job.pk, 0.4, "still working")
    assert Job.objects.get(pk=job.pk).status == JobStatus.CANCELLED


@pytest.mark.django_db
def test_sweeper_resends_dead_workers_jobs_and_fails_poison(user, queued):
    from backend.jobs.sweeper import sweep

    alive = services.create_job(user, JobKind.ANALYSIS)
    dead = services.create_job(user, JobKind.ANALYSIS)
    poison = services.create_job(user, JobKind.ANALYSIS)
    waiting = services.create_job(user, JobKind.ANALYSIS)
    _running_elsewhere(alive, "other-machine:1", heartbeat_age_s=1)
    _running_elsewhere(dead, "other-machine:2", heartbeat_age_s=3600)
    _running_elsewhere(poison, "other-machine:3", heartbeat_age_s=3600, deliveries=3)
    report = sweep()
    assert report.requeued == [dead.pk] and report.poisoned == [poison.pk]
    assert queued == [{"job_id": dead.pk}]  # one message, to the job's own task
    assert Job.objects.get(pk=dead.pk).status == JobStatus.QUEUED
    assert Job.objects.get(pk=poison.pk).status == JobStatus.FAILED
    assert Job.objects.get(pk=alive.pk).status == JobStatus.RUNNING
    assert Job.objects.get(pk=waiting.pk).status == JobStatus.QUEUED
    # The re-sent message runs it once; a late copy of the original finds nothing to do.
    assert services.claim(dead.pk).deliveries == 2
    assert services.claim(dead.pk) is None
    assert sweep().requeued == []


@pytest.mark.django_db
def test_sweep_jobs_command(user, queued):
    from io import StringIO

    from django.core.management import call_command

    job = services.create_job(user, JobKind.ANALYSIS)
    _running_elsewhere(job, "other-machine:2", heartbeat_age_s=3600)
    out = StringIO()
    call_command("sweep_jobs", stdout=out)
    assert "re-queued 1 job(s), failed 0 as poison" in out.getvalue()
    assert queued == [{"job_id": job.pk}]


@pytest.mark.django_db
def test_claim_writes_the_deadline_and_a_dead_job_past_it_fails_with_the_sentence(user, queued):
    """A worker killed by the hard time limit leaves its job RUNNING: past the deadline the
    sweeper (and a redelivery) fail it with the time-limit sentence instead of sending it again."""
    from datetime import timedelta

    from django.utils import timezone

    from backend.jobs.sweeper import sweep

    job = services.create_job(user, JobKind.FEATURE_VIS)
    Job.objects.filter(pk=job.pk).update(task_name="features.run_feature_vis")
    claimed = services.claim(job.pk)
    soft, hard = services.time_limits("features.run_feature_vis")
    assert (soft, hard) == (300, 330)
    assert abs((claimed.deadline - claimed.started_at).total_seconds() - hard) < 1

    killed = services.create_job(user, JobKind.FEATURE_VIS)
    redelivered = services.create_job(user, JobKind.EXPLANATION)
    crashed = services.create_job(user, JobKind.FEATURE_VIS)
    for row in (killed, redelivered, crashed):
        _running_elsewhere(row, "other-machine:2", heartbeat_age_s=3600)
    past = timezone.now() - timedelta(seconds=1)
    Job.objects.filter(pk__in=[killed.pk, redelivered.pk]).update(deadline=past)
    Job.objects.filter(pk=killed.pk).update(task_name="features.run_feature_vis")
    Job.objects.filter(pk=redelivered.pk).update(task_name="explanations.run_heavy_explanation")
    Job.objects.filter(pk=crashed.pk).update(deadline=past + timedelta(hours=2))

    assert services.claim(redelivered.pk) is None  # a late copy of its message
    report = sweep()
    assert report.timed_out == [killed.pk] and report.requeued == [crashed.pk]
    assert queued == [{"job_id": crashed.pk}]
    killed.refresh_from_db()
    assert killed.status == JobStatus.FAILED and killed.message == (
        "This took longer than the worker allows (330 s); try fewer filters, fewer steps or one "
        "image per filter."
    )
    redelivered.refresh_from_db()
    assert redelivered.status == JobStatus.FAILED
    assert redelivered.message.startswith("This took longer than the worker allows (330 s); try")


def test_stage_clock_estimates_the_time_left_at_the_stage_pace():
    clock = services.StageClock()
    assert clock.eta("t-SNE", 0, 750, now=100.0) is None  # nothing done yet
    assert clock.eta("t-SNE", 25, 750, now=100.5) is None  # under a second: noise
    assert clock.eta("t-SNE", 250, 750, now=110.0) == 20.0  # 250 in 10 s: 500 more in 20 s
    assert clock.eta("UMAP: layout", 10, 200, now=111.0) is None  # a new stage starts over
    assert clock.eta("UMAP: layout", 110, 200, now=113.0) == 1.8
    assert clock.eta("ticker", None, None, now=114.0) is None


@pytest.mark.django_db(transaction=True)
def test_progress_says_the_stage_and_the_time_left_also_from_a_ticker_thread(user):
    """The runner's callback writes the stage and its estimate next to the message (the
    existing keys unchanged); a new stage is written at once; a ticking thread may report too."""
    from rest_framework.test import APIClient

    from worker.techniques.progress import tell, ticking

    job = services.create_job(user, JobKind.EMBEDDING)
    services.claim(job.pk)
    report = services.throttled_progress(job.pk, every_s=60)
    with ticking(report, 0.05, 0.15, "t-SNE: finding neighbours", stage="t-SNE: neighbours",
                 every_s=0.1):  # fmt: skip
        for _ in range(50):  # the ticker's first tick is throttled (60 s): only the first write
            if Job.objects.get(pk=job.pk).stage == "t-SNE: neighbours":
                break
            threading.Event().wait(0.05)
    job.refresh_from_db()
    assert job.stage == "t-SNE: neighbours" and job.message == "t-SNE: finding neighbours"
    tell(report, 0.2, "t-SNE: iteration 25 of 750", stage="t-SNE", done=25, total=750)
    job.refresh_from_db()
    assert (job.stage, job.message, job.eta_seconds) == (
        "t-SNE",
        "t-SNE: iteration 25 of 750",
        None,
    )

    client = APIClient()
    client.force_authenticate(user)
    body = client.get(f"/api/jobs/{job.pk}/").json()
    assert {"progress", "message", "stage", "eta_seconds", "status"} <= set(body)
    assert body["stage"] == "t-SNE" and body["message"].startswith("t-SNE: iteration")
