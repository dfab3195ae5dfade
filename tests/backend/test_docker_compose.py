"""docker-compose.yml agrees with the settings: every queue is consumed, Redis persists, the web
service runs gunicorn with production settings, and every variable it sets is one we read."""

import re
import shlex
from pathlib import Path

import pytest
import yaml

from backend.core.queues import CeleryQueue

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "backend" / "config" / "settings"
# Variables the compose file sets that other programs read, not our settings.
READ_ELSEWHERE = {
    "DJANGO_SETTINGS_MODULE": "Django itself",
    "AWS_ACCESS_KEY_ID": "boto3 (django-storages), for STORAGE_URL",
    "AWS_SECRET_ACCESS_KEY": "boto3 (django-storages), for STORAGE_URL",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${NAME:-default} substitution, with ``env`` as the shell environment."""
    text = re.sub(
        r"(?<!\$)\$\{(\w+)(?::-([^}]*))?\}", lambda m: env.get(m[1]) or (m[2] or ""), text
    )
    return text.replace("$$", "$")


def command(service: dict, env: dict[str, str] | None = None) -> list[str]:
    value = service.get("command", "")
    value = " ".join(value) if isinstance(value, list) else value
    words = shlex.split(interpolate(value, env or {}))
    if words[:2] == ["sh", "-c"]:  # the words of the script it runs
        words = shlex.split(words[2])
    return words


def consumed_queues(services: dict, profiles: set[str], env: dict[str, str]) -> set[str]:
    queues: set[str] = set()
    for service in services.values():
        if set(service.get("profiles", [])) - profiles:
            continue  # not started with these profiles
        words = command(service, env)
        if "celery" in words and "worker" in words:
            queues |= set(words[words.index("-Q") + 1].split(","))
    return queues


def test_every_queue_has_a_worker(compose):
    services = compose["services"]
    queues = {str(queue) for queue in CeleryQueue}
    # A plain `docker compose up` (no GPU): the gpu queue's work runs on the CPU worker.
    assert consumed_queues(services, set(), {}) == queues
    # With the gpu profile the GPU worker takes it, and the CPU worker can be told to stop.
    gpu_only = {"CPU_HEAVY_QUEUES": "cpu_heavy"}
    assert consumed_queues(services, {"gpu"}, gpu_only) == queues
    gpu = services["worker-gpu"]
    assert command(gpu)[command(gpu).index("-Q") + 1] == "gpu" and gpu["profiles"] == ["gpu"]
    device = gpu["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert gpu["build"]["args"]["PIP_EXTRAS"] == "gpu"
    assert "PIP_EXTRAS" in (ROOT / "Dockerfile").read_text()


def test_one_beat_and_persistent_redis(compose):
    services = compose["services"]
    beats = [name for name, service in services.items() if "beat" in command(service)]
    assert beats == ["beat"] and "replicas" not in services["beat"].get("deploy", {})
    redis = command(services["redis"])
    assert redis[redis.index("--appendonly") + 1] == "yes"
    assert any(volume.endswith(":/data") for volume in services["redis"]["volumes"])


def test_web_runs_gunicorn_with_production_settings(compose):
    web = compose["services"]["web"]
    assert "gunicorn" in command(web) and "backend.config.wsgi" in command(web)
    assert web["environment"]["DJANGO_SETTINGS_MODULE"] == "backend.config.settings.production"
    for name, service in compose["services"].items():
        if "celery" in command(service):
            assert service["environment"] == web["environment"], name


def test_object_store_is_optional_and_wired_through_storage_url(compose):
    services = compose["services"]
    assert services["minio"]["profiles"] == ["s3"] and services["s3-bucket"]["profiles"] == ["s3"]
    env = services["web"]["environment"]
    assert interpolate(env["STORAGE_URL"], {}) == ""  # no profile: local files
    assert services["web"]["depends_on"]["s3-bucket"]["required"] is False
    example = re.search(r"STORAGE_URL=(s3://\S+)", (ROOT / "docker-compose.yml").read_text())
    from backend.core.media import parse_storage_url

    options = parse_storage_url(example[1])["OPTIONS"]
    assert options["endpoint_url"] == "http://minio:9000"
    bucket = command(services["s3-bucket"] | {"command": services["s3-bucket"]["entrypoint"]})
    assert f"store/{options['bucket_name']}" in bucket


def test_compose_sets_only_variables_the_settings_read(compose):
    source = (SETTINGS / "base.py").read_text() + (SETTINGS / "production.py").read_text()
    read = set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "STORAGE_URL", "DJANGO_SECRET_KEY"} <= read
    for name, service in compose["services"].items():
        if "build" not in service:
            continue  # Redis, PostgreSQL, MinIO: their own images' variables
        unknown = set(service["environment"]) - read - set(READ_ELSEWHERE)
        assert not unknown, f"{name} sets variables nothing reads: {sorted(unknown)}"
