"""Property-based fuzzing of the whole API from its OpenAPI schema (issue 9 item 6).

Schemathesis generates requests for every operation of ``/api/schema/`` (valid ones and
invalid ones) and sends them, signed in as a user who owns one object of every kind (the
permission matrix's "world"), through Django's WSGI application in this process. Path
parameters are the owner's real ids about half the time, so the fuzz reaches the code behind
the 404. Every answer must pass Schemathesis's checks: no server error, a status code, content
type, headers and body that the schema documents.

``CONVSCOPE_FUZZ_EXAMPLES`` sets the examples per operation, half of them valid requests and
half invalid ones (10 in the normal suite; ``make fuzz`` runs 200). Jobs are recorded instead
of sent to a broker (``queued``), throttles are lifted, and operations that destroy the
world's objects run last.
"""

from __future__ import annotations

import logging
import os
import time
from collections import defaultdict

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from tests.backend import test_permission_matrix as matrix

schemathesis = pytest.importorskip("schemathesis")

world = matrix.world  # the permission matrix's objects, one of every kind, as a fixture here

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("CONVSCOPE_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("CONVSCOPE_FUZZ_SEED", "0"))

# Run last, in this order: each may remove objects (or the session) the other operations use.
DESTRUCTIVE_LAST = [
    ("POST", "/api/share-links/{id}/revoke/"),
    ("POST", "/api/jobs/{id}/cancel/"),
    ("POST", "/api/auth/users/{id}/approve/"),
    ("POST", "/api/auth/password/change/"),
    ("DELETE", "/api/lessons/{id}/"),
    ("DELETE", "/api/annotations/{id}/"),
    ("DELETE", "/api/networks/{id}/"),
    ("DELETE", "/api/datasets/{name}/"),
    ("DELETE", "/api/images/{id}/"),
    ("POST", "/api/auth/logout/"),
]


class ServerErrors(logging.Handler):
    """Keeps the tracebacks Django logs for 5xx answers, to show what failed where."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))


def real_values(path: str, world: dict) -> dict:
    """Strategies for the path parameters of ``path`` that name the world's real objects."""
    ids = world["ids"]
    if path.startswith("/api/shared/"):
        return {
            "token": st.just(world["token"]),
            "analysis_id": st.just(ids["analysis"]),
            "network_id": st.just(ids["zoo_network"]),
            "index": st.sampled_from([0, ids["conv_index"], 1]),
            "part": st.sampled_from(["kernel", "bias"]),
        }
    key = matrix.resource_of(path)
    value = world["pending"].pk if key == "pending" else ids[key]
    first = any(part in path for part in ("/samples/", "/examples/", "/images/{id}/images/"))
    return {
        "id": st.just(value),
        "name": st.sampled_from([value, "fashion-mnist"]),
        "index": st.sampled_from([0, 1] if first else [0, ids["conv_index"], 1]),
        "part": st.sampled_from(["kernel", "bias", "gamma"]),
    }


@pytest.fixture
def fuzz_app(settings, world):
    """Django's WSGI application, with the throttles lifted and Schemathesis' host allowed."""
    from django.core import signals
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    settings.ALLOWED_HOSTS = [*django_settings.ALLOWED_HOSTS, "localhost", "testserver"]
    settings.REST_FRAMEWORK = {
        **django_settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": dict.fromkeys(
            django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "10000000/min"
        ),
    }
    application = get_wsgi_application()

    def app(environ, start_response):
        # As Django's test client does: a request must not close the test's database
        # connection (the test runs in a transaction). The client itself reconnects the
        # signal after each of its requests, so it is taken off around each request here.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        try:
            response = application(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            signals.request_started.connect(close_old_connections)
            signals.request_finished.connect(close_old_connections)

    return app


class Session:
    """The owner's signed-in browser session (cookie and CSRF token), renewed when a fuzzed
    request ends it (sign-out)."""

    def __init__(self, user) -> None:
        self.user = user
        self.renew()

    def renew(self) -> None:
        from django.test import Client

        client = Client()
        client.force_login(self.user)
        client.get("/api/auth/me/")
        self.key = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        self.csrf = client.cookies[django_settings.CSRF_COOKIE_NAME].value

    def ensure(self) -> None:
        from django.contrib.sessions.models import Session as Row

        if not Row.objects.filter(session_key=self.key).exists():
            self.renew()

    def cookies(self) -> dict:
        return {
            django_settings.SESSION_COOKIE_NAME: self.key,
            django_settings.CSRF_COOKIE_NAME: self.csrf,
        }


def ordered(operations: list) -> list:
    def key(operation):
        pair = (operation.method.upper(), operation.path)
        return (DESTRUCTIVE_LAST.index(pair) + 1 if pair in DESTRUCTIVE_LAST else 0, pair)

    return sorted(operations, key=key)


def checks_for() -> list:
    """The checks: no server error; status code, content type, headers and body as the schema
    documents them. (Schemathesis' heuristics that a schema-valid request must succeed and an
    invalid one must fail are left out: a valid-looking id of nothing answers 404 by design,
    and unknown query parameters are ignored as HTTP allows. Who may call what, signed in or
    not, is test_permission_matrix.py's table.)"""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]


def fuzz_operation(operation, mode, world, session, failures, counts) -> None:
    from schemathesis.core.failures import FailureGroup

    checks = checks_for()

    reals = real_values(operation.path, world) if "{" in operation.path else {}

    @hypothesis_settings(
        max_examples=max(1, EXAMPLES // 2),  # half valid requests, half invalid ones
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode), use_real=st.booleans(), data=st.data())
    def run(case, use_real, data):
        if use_real and reals and isinstance(case.path_parameters, dict):
            for name in list(case.path_parameters):
                if name in reals:
                    case.path_parameters[name] = data.draw(reals[name])
        session.ensure()
        headers = {"X-CSRFToken": session.csrf}
        label = f"{operation.method.upper()} {operation.path} [{mode.value}]"
        try:
            response = case.call(headers=headers, cookies=session.cookies())
            counts[label][response.status_code] += 1
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                title = f"{label}: {failure.title}"
                if title not in failures:
                    failures[title] = str(group)[:3000]

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (no parameters, no body)
        counts[f"{operation.method.upper()} {operation.path} [{mode.value}]"]["none"] = 0


def test_fuzz_every_operation_of_the_schema(world, fuzz_app, queued, caplog):
    from schemathesis import GenerationMode

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", fuzz_app)
    operations = ordered([result.ok() for result in schema.get_all_operations()])
    assert len(operations) >= 90, len(operations)

    session = Session(world["users"]["owner"])
    failures: dict[str, str] = {}
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    errors = ServerErrors()
    durations: dict[str, float] = {}
    logging.getLogger("django.request").addHandler(errors)
    started = time.monotonic()
    try:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                began = time.monotonic()
                fuzz_operation(operation, mode, world, session, failures, counts)
                durations[f"{operation.method.upper()} {operation.path} [{mode.value}]"] = (
                    time.monotonic() - began
                )
                queued.clear()
    finally:
        logging.getLogger("django.request").removeHandler(errors)
    elapsed = time.monotonic() - started
    total = sum(sum(c.values()) for c in counts.values())
    print(f"\nfuzzed {len(operations)} operations, {total} requests in {elapsed:.0f} s")
    slowest = sorted(durations.items(), key=lambda item: -item[1])[:8]
    print("slowest: " + ", ".join(f"{label} {seconds:.1f} s" for label, seconds in slowest))
    statuses: dict[int, int] = defaultdict(int)
    for by_status in counts.values():
        for status, n in by_status.items():
            statuses[status] += n
    print(f"answers by status: {dict(sorted(statuses.items(), key=str))}")
    server_errors = sum(
        n for c in counts.values() for status, n in c.items() if str(status).startswith("5")
    )
    report = "\n\n".join(f"### {title}\n{detail}" for title, detail in sorted(failures.items()))
    tracebacks = "\n".join(sorted(set(errors.records)))[:20000]
    assert not failures and not server_errors, (
        f"{len(failures)} distinct failures, {server_errors} server errors\n{report}\n{tracebacks}"
    )


ID_FILTERS = [
    "/api/share-links/?analysis=",
    "/api/share-links/?lesson=",
    "/api/explanations/?network=",
    "/api/explanations/?image=",
    "/api/trust-checks/?network=",
    "/api/annotations/?network=",
    "/api/annotations/export/?network=",
    "/api/feature-vis/?network=",
    "/api/evaluations/?network=",
    "/api/embeddings/?network=",
    "/api/top-activations/?network=",
    "/api/filter-rankings/?network=",
]


@pytest.mark.parametrize("value", ["²", "٣", "9" * 30, "-1", "1e3"])
def test_id_filters_refuse_what_is_not_an_id(api, value):
    """Found by the fuzz: "²" passed ``str.isdigit`` and broke ``int``, and an id past 2**63
    overflowed SQLite, both answering 500. Now a plain 400."""
    for url in ID_FILTERS:
        response = api.get(url + value)
        assert response.status_code == 400, (url, value, response.status_code)
        assert response.json()["detail"], url
