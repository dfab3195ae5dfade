"""The Celery settings that make jobs survive crashes (issue: reliability), asserted."""

from backend.config.celery_app import app
from backend.core.queues import TASK_QUEUES, CeleryQueue, route_task


def convscope_tasks() -> dict:
    app.loader.import_default_modules()
    # Celery's own tasks and the chaos tests' poison task (registered when those tests run).
    return {
        name: task
        for name, task in app.tasks.items()
        if not name.startswith("celery.") and not task.__module__.startswith("tests.")
    }


def test_every_task_is_ours_late_acked_and_time_limited():
    tasks = convscope_tasks()
    assert set(tasks) == set(TASK_QUEUES), "a task without a queue, or a queue entry without a task"
    for name, task in tasks.items():
        # Bound to our app (Redis), not to Celery's default app (AMQP on localhost).
        assert task.app is app and app.main == "convscope", name
        # Acknowledged after the work: a killed worker's message goes back to the queue.
        assert task.acks_late and task.reject_on_worker_lost, name
        assert task.soft_time_limit and task.time_limit, name
        assert 0 < task.soft_time_limit < task.time_limit, name
        assert task.ignore_result, name


def test_broker_and_worker_settings():
    conf = app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1  # a heavy job never waits behind another
    assert 0 < conf.worker_max_tasks_per_child <= 10_000  # children are recycled
    assert conf.worker_max_memory_per_child
    # A child loading TensorFlow on a busy machine is not killed as "not up" (default 4 s).
    assert conf.worker_proc_alive_timeout >= 60
    assert conf.task_soft_time_limit < conf.task_time_limit
    longest = max(task.time_limit for task in convscope_tasks().values())
    # Redis re-delivers an unacknowledged message after the visibility timeout: at least
    # twice the longest run, so a slow job is never run twice.
    options = conf.broker_transport_options
    assert options["visibility_timeout"] >= 2 * longest
    # The web process never waits long on a dead Redis.
    assert options["socket_connect_timeout"] <= 5 and options["socket_timeout"] <= 5
    assert conf.result_backend is None


def test_queues_are_named_by_workload_and_routed_in_one_place():
    assert {queue.value for queue in CeleryQueue} == {"default", "cpu_heavy", "gpu"}
    assert app.conf.task_routes == ("backend.core.queues.route_task",)
    assert app.conf.task_default_queue == CeleryQueue.DEFAULT
    expected = {
        "analyses.run_analysis": "default",
        "explanations.run_explanation": "default",
        "explanations.run_heavy_explanation": "gpu",
        "features.run_feature_vis": "gpu",
        "evaluations.run_dataset_view": "cpu_heavy",
        "networks.register_network": "cpu_heavy",
        "datasets.register_dataset": "cpu_heavy",
        "jobs.sweep": "default",
    }
    for name, queue in expected.items():
        assert route_task(name, (), {}, {}) == {"queue": queue}
    # What Celery itself decides for a message, through the router.
    route = app.amqp.router.route({}, "features.run_feature_vis", (), {"job_id": 1})
    assert route["queue"].name == "gpu"


def test_sweeper_runs_periodically():
    schedule = app.conf.beat_schedule
    assert schedule["sweep-jobs"]["task"] == "jobs.sweep"
    assert schedule["sweep-jobs"]["schedule"] <= 60


def test_explanations_choose_the_heavy_task_for_many_pass_methods():
    from backend.explanations.services import HEAVY_METHODS
    from worker.techniques.attribution.registry import METHODS

    assert set(METHODS) >= HEAVY_METHODS
    assert {"integrated-gradients", "smoothgrad", "occlusion"} == HEAVY_METHODS
