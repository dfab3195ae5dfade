"""Who may do what: every operation of the OpenAPI schema × every kind of visitor, from one table.

Visitors: anonymous, the owner of the objects, another user, a teacher (not the owner), an
admin, and an anonymous holder of a share link. Objects (an image, analysis, explanation, trust
check, dataset views, a lesson, a share link, a private network and dataset) belong to the
owner. An operation the schema has and the table lacks fails the test, so a new endpoint cannot
ship without a decision about who may use it.

Expectations: 200/201/204 exact; 401, 403, 404 exact ("hidden": another user's id answers
404, never 403); ``OK`` = the request was let through (2xx, or a 4xx about the request itself
such as 400/409/413/415, never 401/403/404/5xx).
"""

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image
from rest_framework.test import APIClient

from backend.core.roles import set_role
from tests.fixtures.images import fashion_sample_png
from tests.fixtures.networks import private_network

pytestmark = pytest.mark.django_db

OK = "ok"
ROLES = ("anonymous", "owner", "other", "teacher", "admin", "share")

# Shorthands for a row: expectations per role.
PRIVATE = dict(anonymous=401, owner=200, other=404, teacher=404, admin=200, share=401)
PRIVATE_LIST = dict(anonymous=401, owner=200, other=200, teacher=200, admin=200, share=401)
SIGNED_IN = dict(anonymous=401, owner=200, other=200, teacher=200, admin=200, share=401)
CREATE = dict(anonymous=401, owner=OK, other=OK, teacher=OK, admin=OK, share=401)
PRIVATE_ACTION = dict(anonymous=401, owner=OK, other=404, teacher=404, admin=OK, share=401)
PUBLIC = {role: 200 for role in ROLES}
PUBLIC_FORM = {role: OK for role in ROLES}  # open to anyone; an empty form is refused with 400
ADMIN_ONLY = dict(anonymous=401, owner=403, other=403, teacher=403, admin=200, share=401)
ADMIN_ACTION = {**ADMIN_ONLY, "admin": OK}
TEACHER_CREATE = dict(anonymous=401, owner=OK, other=403, teacher=OK, admin=OK, share=401)
# Behind a share link: the holder (and anyone else with the link) sees exactly the shared
# objects; "anonymous" here has no valid link (a tampered token) and gets 404.
SHARED = dict(anonymous=404, owner=200, other=200, teacher=200, admin=200, share=200)

# (method, path) → expectations. Lists are also checked for what they reveal (see LISTS).
TABLE: dict[tuple[str, str], dict] = {
    ("GET", "/api/auth/me/"): PUBLIC,
    ("POST", "/api/auth/login/"): PUBLIC_FORM,
    ("POST", "/api/auth/logout/"): {role: 204 for role in ROLES},
    ("POST", "/api/auth/signup/"): PUBLIC_FORM,
    ("POST", "/api/auth/password/change/"): CREATE,
    ("POST", "/api/auth/password/reset/"): PUBLIC_FORM,
    ("POST", "/api/auth/password/reset/confirm/"): PUBLIC_FORM,
    ("GET", "/api/auth/users/"): ADMIN_ONLY,
    ("POST", "/api/auth/users/{id}/approve/"): ADMIN_ACTION,
    ("GET", "/api/attribution-methods/"): SIGNED_IN,
    ("GET", "/api/datasets/"): SIGNED_IN,
    ("POST", "/api/datasets/"): CREATE,
    ("GET", "/api/datasets/{name}/"): PRIVATE,
    ("DELETE", "/api/datasets/{name}/"): {**PRIVATE_ACTION, "owner": 204},
    ("GET", "/api/datasets/{name}/samples/"): PRIVATE,
    ("GET", "/api/datasets/{name}/samples/{index}/image/"): PRIVATE,
    ("GET", "/api/networks/"): PRIVATE_LIST,
    ("POST", "/api/networks/"): CREATE,
    ("GET", "/api/networks/{id}/"): PRIVATE,
    ("PATCH", "/api/networks/{id}/"): PRIVATE_ACTION,
    ("DELETE", "/api/networks/{id}/"): {**PRIVATE_ACTION, "owner": 204},
    # A model upload in chunks is its owner's alone: administrators do not see it either.
    ("POST", "/api/uploads/model-chunks/"): CREATE,
    ("GET", "/api/uploads/model-chunks/{id}/"): {**PRIVATE, "admin": 404},
    ("PUT", "/api/uploads/model-chunks/{id}/"): {**PRIVATE_ACTION, "admin": 404},
    ("DELETE", "/api/uploads/model-chunks/{id}/"): {**PRIVATE_ACTION, "owner": 204, "admin": 404},
    ("GET", "/api/networks/{id}/layers/{index}/{part}/"): PRIVATE,
    ("GET", "/api/images/"): PRIVATE_LIST,
    ("POST", "/api/images/"): CREATE,
    ("GET", "/api/images/{id}/"): PRIVATE,
    ("DELETE", "/api/images/{id}/"): {**PRIVATE_ACTION, "owner": 204},
    ("GET", "/api/images/{id}/file/"): PRIVATE,
    ("GET", "/api/analyses/"): PRIVATE_LIST,
    ("POST", "/api/analyses/"): CREATE,
    ("GET", "/api/analyses/storage/"): SIGNED_IN,
    ("GET", "/api/analyses/{id}/"): PRIVATE,
    ("GET", "/api/analyses/{id}/input/"): PRIVATE,
    ("GET", "/api/analyses/{id}/activations/"): PRIVATE,
    ("GET", "/api/analyses/{id}/previews/"): PRIVATE,
    ("GET", "/api/analyses/{id}/activations/{index}/"): PRIVATE,
    ("GET", "/api/analyses/{id}/activations/{index}/intermediate/"): PRIVATE,
    ("GET", "/api/explanations/"): PRIVATE_LIST,
    ("POST", "/api/explanations/"): CREATE,
    ("GET", "/api/explanations/{id}/"): PRIVATE,
    ("GET", "/api/explanations/{id}/map/"): PRIVATE,
    ("GET", "/api/explanations/{id}/layer-map/"): PRIVATE,
    ("GET", "/api/trust-checks/"): PRIVATE_LIST,
    ("POST", "/api/trust-checks/"): CREATE,
    ("GET", "/api/trust-checks/{id}/"): PRIVATE,
    ("GET", "/api/trust-checks/{id}/map/"): PRIVATE,
    ("GET", "/api/trust-checks/{id}/randomisation-maps/"): PRIVATE,
    ("GET", "/api/evaluations/"): PRIVATE_LIST,
    ("POST", "/api/evaluations/"): CREATE,
    ("GET", "/api/evaluations/{id}/"): PRIVATE,
    ("GET", "/api/evaluations/{id}/examples/"): PRIVATE,
    ("GET", "/api/evaluations/{id}/examples/{index}/"): PRIVATE,
    ("GET", "/api/embeddings/"): PRIVATE_LIST,
    ("POST", "/api/embeddings/"): CREATE,
    ("GET", "/api/embeddings/{id}/"): PRIVATE,
    ("GET", "/api/embeddings/{id}/coords/"): PRIVATE,
    ("GET", "/api/embeddings/{id}/points/"): PRIVATE,
    ("GET", "/api/top-activations/"): PRIVATE_LIST,
    ("POST", "/api/top-activations/"): CREATE,
    ("GET", "/api/top-activations/{id}/"): PRIVATE,
    ("GET", "/api/feature-vis/"): PRIVATE_LIST,
    ("POST", "/api/feature-vis/"): CREATE,
    ("GET", "/api/feature-vis/{id}/"): PRIVATE,
    ("GET", "/api/feature-vis/{id}/images/"): PRIVATE,
    ("GET", "/api/feature-vis/{id}/images/{index}/"): PRIVATE,
    ("GET", "/api/filter-rankings/"): PRIVATE_LIST,
    ("POST", "/api/filter-rankings/"): CREATE,
    ("GET", "/api/filter-rankings/{id}/"): PRIVATE,
    ("GET", "/api/filter-attributions/"): PRIVATE_LIST,
    ("POST", "/api/filter-attributions/"): CREATE,
    ("GET", "/api/filter-attributions/{id}/"): PRIVATE,
    ("GET", "/api/filter-attributions/{id}/guided/"): PRIVATE,
    ("GET", "/api/filter-attributions/{id}/gradient/"): PRIVATE,
    ("GET", "/api/comparisons/"): PRIVATE_LIST,
    ("POST", "/api/comparisons/"): CREATE,
    ("GET", "/api/comparisons/{id}/"): PRIVATE,
    # without a cell (true, predicted) the owner's request is refused as a request: 400
    ("GET", "/api/comparisons/{id}/examples/"): {**PRIVATE, "owner": OK, "admin": OK},
    ("GET", "/api/training-runs/"): PRIVATE_LIST,
    ("POST", "/api/training-runs/"): CREATE,
    ("GET", "/api/training-runs/{id}/"): PRIVATE,
    # the live check of a layer stack: any signed-in user's own request (an empty one is 400)
    ("POST", "/api/training-runs/check/"): CREATE,
    ("GET", "/api/training-runs/options/"): SIGNED_IN,
    ("GET", "/api/neighbourhoods/"): PRIVATE_LIST,
    ("POST", "/api/neighbourhoods/"): CREATE,
    ("GET", "/api/neighbourhoods/{id}/"): PRIVATE,
    ("GET", "/api/neighbourhoods/{id}/neighbours/"): PRIVATE,
    ("GET", "/api/neighbourhoods/{id}/path/"): PRIVATE,
    ("GET", "/api/vaes/"): PRIVATE_LIST,
    ("POST", "/api/vaes/"): CREATE,
    ("GET", "/api/vaes/{id}/"): PRIVATE,
    ("GET", "/api/analyses/{id}/report/"): PRIVATE,
    ("GET", "/api/evaluations/{id}/report/"): PRIVATE,
    ("GET", "/api/annotations/"): PRIVATE_LIST,
    ("POST", "/api/annotations/"): CREATE,
    ("GET", "/api/annotations/export/"): PRIVATE_LIST,
    ("GET", "/api/annotations/{id}/"): PRIVATE,
    ("PATCH", "/api/annotations/{id}/"): {**PRIVATE_ACTION, "owner": 200, "admin": 200},
    ("DELETE", "/api/annotations/{id}/"): {**PRIVATE_ACTION, "owner": 204},
    ("GET", "/api/jobs/"): PRIVATE_LIST,
    ("GET", "/api/jobs/{id}/"): PRIVATE,
    ("POST", "/api/jobs/{id}/cancel/"): PRIVATE_ACTION,
    ("GET", "/api/lessons/"): PRIVATE_LIST,
    ("POST", "/api/lessons/"): TEACHER_CREATE,
    ("GET", "/api/lessons/{id}/"): PRIVATE,
    ("PATCH", "/api/lessons/{id}/"): {**PRIVATE_ACTION, "owner": 200, "admin": 200},
    ("DELETE", "/api/lessons/{id}/"): {**PRIVATE_ACTION, "owner": 204},
    ("GET", "/api/share-links/"): PRIVATE_LIST,
    ("POST", "/api/share-links/"): CREATE,
    ("GET", "/api/share-links/{id}/"): PRIVATE,
    ("POST", "/api/share-links/{id}/revoke/"): PRIVATE_ACTION,
    ("GET", "/api/shared/{token}/"): SHARED,
    ("GET", "/api/shared/{token}/analyses/{analysis_id}/"): SHARED,
    ("GET", "/api/shared/{token}/analyses/{analysis_id}/image/"): SHARED,
    ("GET", "/api/shared/{token}/analyses/{analysis_id}/input/"): SHARED,
    ("GET", "/api/shared/{token}/analyses/{analysis_id}/activations/"): SHARED,
    ("GET", "/api/shared/{token}/analyses/{analysis_id}/previews/"): SHARED,
    ("GET", "/api/shared/{token}/analyses/{analysis_id}/report/"): SHARED,
    ("GET", "/api/shared/{token}/analyses/{analysis_id}/activations/{index}/"): SHARED,
    ("GET", "/api/shared/{token}/analyses/{analysis_id}/activations/{index}/intermediate/"): SHARED,
    ("GET", "/api/shared/{token}/networks/{network_id}/"): SHARED,
    ("GET", "/api/shared/{token}/networks/{network_id}/layers/{index}/{part}/"): SHARED,
}

# Lists: the owner's object must be in the owner's list and in no other visitor's.
LISTS = {
    "/api/networks/": "network",
    "/api/images/": "image",
    "/api/analyses/": "analysis",
    "/api/explanations/": "explanation",
    "/api/trust-checks/": "trust_check",
    "/api/evaluations/": "evaluation",
    "/api/embeddings/": "embedding",
    "/api/top-activations/": "top_activations",
    "/api/feature-vis/": "feature_vis",
    "/api/filter-rankings/": "filter_ranking",
    "/api/filter-attributions/": "filter_attribution",
    "/api/comparisons/": "comparison",
    "/api/training-runs/": "training_run",
    "/api/neighbourhoods/": "neighbourhood",
    "/api/vaes/": "vae_training",
    "/api/annotations/": "annotation",
    "/api/jobs/": "job",
    "/api/lessons/": "lesson",
    "/api/share-links/": "share_link",
}
# Changes that would spoil the other rows run last, in this order (an image goes last: deleting
# it removes its analyses, and with them the share link and the lesson's step).
DESTRUCTIVE = [
    ("POST", "/api/share-links/{id}/revoke/"),
    ("POST", "/api/jobs/{id}/cancel/"),
    ("POST", "/api/auth/users/{id}/approve/"),
    ("POST", "/api/auth/logout/"),
    ("POST", "/api/auth/password/change/"),
    ("DELETE", "/api/lessons/{id}/"),
    ("DELETE", "/api/annotations/{id}/"),
    ("DELETE", "/api/uploads/model-chunks/{id}/"),
    ("DELETE", "/api/networks/{id}/"),
    ("DELETE", "/api/datasets/{name}/"),
    ("DELETE", "/api/images/{id}/"),
]


def schema_operations() -> set[tuple[str, str]]:
    out = io.StringIO()
    call_command("spectacular", stdout=out)
    paths = yaml.safe_load(out.getvalue())["paths"]
    methods = {"get", "post", "put", "patch", "delete"}
    return {(m.upper(), path) for path, ops in paths.items() for m in ops if m in methods}


def test_the_table_names_every_operation_of_the_schema():
    operations = schema_operations()
    assert sorted(operations - set(TABLE)) == [], "operations without a row in TABLE"
    assert sorted(set(TABLE) - operations) == [], "rows for operations the schema lacks"
    for key, row in TABLE.items():
        assert set(row) == set(ROLES), key


def png_zip() -> bytes:
    buffer = io.BytesIO()
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(buffer, "w") as zf:
        for kind in ("dots", "stripes"):
            for i in range(4):
                pixels = rng.integers(0, 255, (12, 12), dtype=np.uint8)
                image = io.BytesIO()
                Image.fromarray(pixels).save(image, format="PNG")
                zf.writestr(f"{kind}/{i}.png", image.getvalue())
    return buffer.getvalue()


def done(client, path: str, body: dict, run_queued, *, multipart: bool = False) -> dict:
    response = client.post(path, body, format="multipart" if multipart else "json")
    assert response.status_code in (200, 201, 202), (path, response.content)
    run_queued()
    payload = response.json()
    job = payload.get("job")
    if job:
        state = client.get(f"/api/jobs/{job['id']}/").json()
        assert state["status"] == "succeeded", (path, state)
    return payload


@pytest.fixture
def world(zoo, make_user, queued, run_queued) -> dict:
    owner = make_user("owner")
    set_role(owner, "teacher")  # so the owner can own a lesson
    other = make_user("other")
    teacher = make_user("teacher")
    set_role(teacher, "teacher")
    admin = make_user("admin")
    set_role(admin, "admin")
    pending = make_user("pending", is_active=False)

    api = APIClient()
    api.force_authenticate(owner)
    tiny = zoo["tiny-vgg"]
    png, _ = fashion_sample_png(0)
    image = api.post("/api/images/", {"file": SimpleUploadedFile("boot.png", png)}).json()
    analysis = done(api, "/api/analyses/", {"network": tiny.pk, "image": image["id"]}, run_queued)
    explain = {"network": tiny.pk, "image": image["id"], "method": "gradcam"}
    explanation = done(api, "/api/explanations/", explain, run_queued)
    trust_check = done(api, "/api/trust-checks/", explain, run_queued)
    evaluation = done(api, "/api/evaluations/", {"network": tiny.pk}, run_queued)
    embedding = done(
        api, "/api/embeddings/", {"network": tiny.pk, "method": "pca", "subset": 50}, run_queued
    )
    top = done(
        api, "/api/top-activations/", {"network": tiny.pk, "layer": "conv_2_2", "k": 2}, run_queued
    )
    vis = {"network": tiny.pk, "layer": "conv_2_2", "filters": [0, 1], "steps": 4}
    feature_vis = done(api, "/api/feature-vis/", vis, run_queued)
    ranking = done(
        api, "/api/filter-rankings/", {"network": tiny.pk, "layer": "conv_2_1", "subset": 50},
        run_queued,
    )  # fmt: skip
    filters = {"analysis": analysis["id"], "layer": "conv_1_1"}
    filter_attribution = done(api, "/api/filter-attributions/", filters, run_queued)
    pair = {"kind": "test-split", "network_a": tiny.pk, "network_b": tiny.pk, "epoch_a": 1}
    comparison = done(api, "/api/comparisons/", pair, run_queued)
    recipe = {"dataset": "digits", "layers": [{"type": "flatten"}], "epochs": 1, "images": 200}
    training_run = done(api, "/api/training-runs/", recipe, run_queued)
    nearby = {"network": tiny.pk, "index": 0, "neighbours": 20}
    neighbourhood = done(api, "/api/neighbourhoods/", nearby, run_queued)
    annotation = api.post(
        "/api/annotations/",
        {"network": tiny.pk, "layer": "conv_2_1", "filter": 0, "verdict": "useful", "note": "-"},
        format="json",
    ).json()
    upload = SimpleUploadedFile("mine.zip", png_zip())
    done(api, "/api/datasets/", {"file": upload, "name": "owners-set"}, run_queued, multipart=True)
    vae_training = done(api, "/api/vaes/", {"dataset": "owners-set"}, run_queued)
    lesson = api.post(
        "/api/lessons/",
        {
            "title": "Edges",
            "steps": [
                {
                    "network": tiny.pk,
                    "image": image["id"],
                    "view": {"kind": "overview"},
                    "note": "-",
                }
            ],
        },
        format="json",
    ).json()
    link = api.post("/api/share-links/", {"analysis": analysis["id"]}, format="json").json()
    token = link["url"].rstrip("/").rsplit("/", 1)[-1]
    network = private_network(owner, zoo["tiny-vgg"], "owners-vgg")
    model_upload = api.post(
        "/api/uploads/model-chunks/", {"filename": "mine.keras", "size": 10}, format="json"
    ).json()
    conv = next(layer for layer in tiny.layers if layer["type"] == "Conv2D")
    return {
        "users": {"owner": owner, "other": other, "teacher": teacher, "admin": admin},
        "pending": pending,
        "token": token,
        "ids": {
            "image": image["id"],
            "analysis": analysis["id"],
            "explanation": explanation["id"],
            "trust_check": trust_check["id"],
            "evaluation": evaluation["id"],
            "embedding": embedding["id"],
            "top_activations": top["id"],
            "feature_vis": feature_vis["id"],
            "filter_ranking": ranking["id"],
            "filter_attribution": filter_attribution["id"],
            "comparison": comparison["id"],
            "training_run": training_run["id"],
            "neighbourhood": neighbourhood["id"],
            "vae_training": vae_training["id"],
            "annotation": annotation["id"],
            "job": analysis["job"]["id"],
            "lesson": lesson["id"],
            "share_link": link["id"],
            "network": network.pk,
            "model_upload": model_upload["id"],
            "dataset": "owners-set",
            "zoo_network": tiny.pk,
            "conv_index": conv["index"],
        },
    }


def resource_of(path: str) -> str:
    for prefix, key in (
        ("/api/auth/users/", "pending"),
        ("/api/datasets/", "dataset"),
        ("/api/networks/", "network"),
        ("/api/images/", "image"),
        ("/api/analyses/", "analysis"),
        ("/api/explanations/", "explanation"),
        ("/api/trust-checks/", "trust_check"),
        ("/api/evaluations/", "evaluation"),
        ("/api/embeddings/", "embedding"),
        ("/api/top-activations/", "top_activations"),
        ("/api/feature-vis/", "feature_vis"),
        ("/api/filter-rankings/", "filter_ranking"),
        ("/api/filter-attributions/", "filter_attribution"),
        ("/api/comparisons/", "comparison"),
        ("/api/training-runs/", "training_run"),
        ("/api/neighbourhoods/", "neighbourhood"),
        ("/api/vaes/", "vae_training"),
        ("/api/annotations/", "annotation"),
        ("/api/jobs/", "job"),
        ("/api/lessons/", "lesson"),
        ("/api/share-links/", "share_link"),
        ("/api/uploads/model-chunks/", "model_upload"),
    ):
        if path.startswith(prefix):
            return key
    raise AssertionError(f"no object for {path}")


def concrete(path: str, world: dict, role: str) -> str:
    ids = world["ids"]
    if path.startswith("/api/shared/"):
        token = world["token"]
        if role == "anonymous":  # no valid link: the same token with its last character changed
            token = token[:-1] + ("A" if token[-1] != "A" else "B")
        path = (
            path.replace("{token}", token)
            .replace("{analysis_id}", str(ids["analysis"]))
            .replace("{network_id}", str(ids["zoo_network"]))
            .replace("{index}", str(ids["conv_index"]))
            .replace("{part}", "kernel")
        )
        return path + ("?channel=0" if path.endswith("/intermediate/") else "")
    if "{" not in path:
        return path
    key = resource_of(path)
    value = world["pending"].pk if key == "pending" else ids[key]
    path = path.replace("{id}", str(value)).replace("{name}", str(value))
    # A conv layer: it has a kernel and an intermediate view; index 0 of a dataset's samples.
    first = any(part in path for part in ("/samples/", "/examples/", "/images/"))
    index = 0 if first else ids["conv_index"]
    path = path.replace("{index}", str(index)).replace("{part}", "kernel")
    if path.endswith("/intermediate/"):
        path += "?channel=0"
    if path.endswith("/examples/"):
        path += "?limit=5"
    return path


def client_for(role: str, world: dict) -> APIClient:
    client = APIClient()
    if role in world["users"]:
        client.force_login(world["users"][role])
    return client


def body_for(method: str, path: str) -> dict | None:
    if method == "PATCH":
        return {"title": "Renamed"}
    return {} if method == "POST" else None


def passes(expected, status: int) -> bool:
    if expected == OK:
        return status < 500 and status not in (401, 403, 404)
    return status == expected


def test_every_endpoint_for_every_visitor(world, queued):
    failures: list[str] = []
    rows_before = row_counts()
    reads = sorted(key for key in TABLE if key not in DESTRUCTIVE)
    for key in reads + DESTRUCTIVE:
        method, path = key
        roles = list(ROLES)
        if key in DESTRUCTIVE:
            # The owner's own request last, or the others would find nothing; the admin's
            # success would remove the owner's object, so only its refusals are tried.
            roles = [r for r in ROLES if r not in ("owner", "admin")] + ["admin", "owner"]
        for role in roles:
            expected = TABLE[key][role]
            if key in DESTRUCTIVE and role == "admin" and expected not in (401, 403, 404):
                continue
            status, payload = request(method, concrete(path, world, role), world, role)
            if not passes(expected, status):
                failures.append(f"{method} {path} as {role}: {status}, expected {expected}")
            elif method == "GET" and path in LISTS and status == 200:
                failures += list_leaks(path, payload, world, role)
        if method == "GET" and row_counts() != rows_before:  # no state change on GET
            failures.append(f"GET {path} added or removed rows: {rows_before} → {row_counts()}")
    assert not failures, "\n".join(failures)
    assert not queued, "a visitor's request queued a job"


def row_counts() -> dict[str, int]:
    """Rows of every model but sessions (each visitor here signs in afresh); a share link's
    view count is the one field a GET may change."""
    models = [m for m in apps.get_models() if m._meta.label != "sessions.Session"]
    return {model._meta.label: model.objects.count() for model in models}


def request(method: str, url: str, world: dict, role: str) -> tuple[int, object]:
    client = client_for(role, world)
    call = getattr(client, method.lower())
    body = body_for(method, url)
    response = call(url, body, format="json") if body is not None else call(url)
    is_json = response.get("Content-Type", "").startswith("application/json")
    return response.status_code, response.json() if is_json else None


def list_leaks(path: str, payload, world: dict, role: str) -> list[str]:
    items = payload.get("results", payload) if isinstance(payload, dict) else payload
    mine = str(world["ids"][LISTS[path]])
    seen = any(str(item.get("id")) == mine for item in items)
    if role == "owner" and not seen:
        return [f"GET {path} as owner: the owner's object is missing"]
    if role in ("other", "teacher") and seen:
        return [f"GET {path} as {role}: shows the owner's object"]
    return []


def test_csrf_is_enforced_for_session_requests(world):
    """A signed-in browser session must send Django's CSRF token on unsafe requests."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world["users"]["owner"])
    refused = client.post("/api/lessons/", {"title": "No token"}, format="json")
    assert refused.status_code == 403
    client.get("/api/auth/me/")
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/api/lessons/", {"title": "With token"}, format="json", HTTP_X_CSRFTOKEN=token
    )
    assert accepted.status_code == 201, accepted.content


def test_private_files_are_served_with_safe_headers(world):
    client = client_for("owner", world)
    ids = world["ids"]
    for url in (
        f"/api/images/{ids['image']}/file/",
        f"/api/analyses/{ids['analysis']}/input/",
        f"/api/explanations/{ids['explanation']}/map/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["X-Content-Type-Options"] == "nosniff", url
        policy = response["Content-Security-Policy"]
        assert "default-src 'none'" in policy or "default-src 'self'" in policy, url
    # Nothing the owner uploaded is reachable as a plain media URL.
    media = Path(settings.MEDIA_ROOT)
    assert any(media.rglob("*.png"))
    assert APIClient().get(f"{settings.MEDIA_URL}uploads/").status_code == 404
