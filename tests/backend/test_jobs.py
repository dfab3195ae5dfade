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


def test_celery_settings_are_safe():
    # Bound to our app (Redis), not to Celery's default app (AMQP on localhost).
    from backend.analyses.tasks import run_analysis
    from backend.config.celery_app import app

    conf = app.conf
    # The task must be bound to our app (Redis), not Celery's default app (AMQP on localhost).
    assert run_analysis.app is app and run_analysis.app.main == "convscope"
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert run_analysis.acks_late and run_analysis.soft_time_limit < run_analysis.time_limit
    assert conf.broker_transport_options["visibility_timeout"] >= 2 * run_analysis.time_limit
    assert conf.task_routes["analyses.run_analysis"]["queue"] == "default"
