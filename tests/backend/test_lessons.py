"""Lessons (issue 7 part 4): teachers write them, everyone else sees only their own."""

import pytest

from backend.analyses.models import Analysis
from backend.core.roles import set_role
from backend.sharing.models import LessonStep

pytestmark = pytest.mark.django_db


@pytest.fixture
def teacher(user):
    set_role(user, "teacher")
    return user


def step(network, index: int, kind: str = "layer", layer: str | None = "conv_1_1", **extra):
    view = {"kind": kind, **({"layer": layer} if layer else {}), **extra.pop("view", {})}
    return {
        "network": network.pk,
        "sample": {"dataset": "fashion-mnist", "index": index},
        "view": view,
        **extra,
    }


def test_teacher_creates_edits_reorders_and_deletes(api, teacher, zoo, queued, run_queued):
    tiny = zoo["tiny-vgg"]
    response = api.post(
        "/api/lessons/",
        {
            "title": "What a convolution sees",
            "description": "Two shirts, two layers.",
            "steps": [
                step(tiny, 0, note="Look at the edges."),
                step(tiny, 1, kind="overview", layer=None, note="The whole network."),
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    lesson = response.json()
    assert lesson["owner"] == "alice" and lesson["step_count"] == 2
    first, second = lesson["steps"]
    assert (first["position"], second["position"]) == (0, 1)
    assert first["view"] == {"kind": "layer", "layer": "conv_1_1"}
    assert first["note"] == "Look at the edges."
    assert first["sample"] == {"dataset": "fashion-mnist", "index": 0}
    # each step's analysis was made when it was saved, so viewers find the numbers
    assert first["analysis"] and second["analysis"] and len(queued) == 2
    run_queued()
    detail = api.get(f"/api/lessons/{lesson['id']}/").json()
    assert [s["analysis_status"] for s in detail["steps"]] == ["succeeded", "succeeded"]

    # reorder: writing the list replaces the steps; existing analyses are reused
    steps = [
        {"network": s["network"], "image": s["image"], "view": s["view"], "note": s["note"]}
        for s in reversed(detail["steps"])
    ]
    steps[0]["note"] = "Start with the whole network."
    analyses_before = Analysis.objects.count()
    response = api.patch(
        f"/api/lessons/{lesson['id']}/", {"title": "Convolutions", "steps": steps}, format="json"
    )
    assert response.status_code == 200, response.content
    edited = response.json()
    assert edited["title"] == "Convolutions"
    assert [s["view"]["kind"] for s in edited["steps"]] == ["overview", "layer"]
    assert edited["steps"][0]["note"] == "Start with the whole network."
    assert [s["position"] for s in edited["steps"]] == [0, 1]
    assert Analysis.objects.count() == analyses_before and not queued

    # delete a step, then the lesson
    response = api.patch(f"/api/lessons/{lesson['id']}/", {"steps": steps[:1]}, format="json")
    assert response.json()["step_count"] == 1
    assert api.get("/api/lessons/").json()[0]["id"] == lesson["id"]
    assert api.delete(f"/api/lessons/{lesson['id']}/").status_code == 204
    assert api.get(f"/api/lessons/{lesson['id']}/").status_code == 404
    assert not LessonStep.objects.exists()


def test_a_plain_user_cannot_create_a_lesson(api, zoo):
    response = api.post("/api/lessons/", {"title": "Mine"}, format="json")
    assert response.status_code == 403
    assert "teacher" in response.json()["detail"].lower()


def test_other_users_do_not_see_a_lesson(api, other_api, anon_api, teacher, zoo, queued):
    lesson = api.post(
        "/api/lessons/", {"title": "Private", "steps": [step(zoo["tiny-vgg"], 0)]}, format="json"
    ).json()
    url = f"/api/lessons/{lesson['id']}/"
    assert other_api.get(url).status_code == 404
    assert other_api.patch(url, {"title": "Mine now"}, format="json").status_code == 404
    assert other_api.delete(url).status_code == 404
    assert other_api.get("/api/lessons/").json() == []
    assert (
        other_api.post("/api/share-links/", {"lesson": lesson["id"]}, format="json").status_code
        == 404
    )
    assert anon_api.get(url).status_code == 401
    assert api.get(url).json()["title"] == "Private"


def test_admins_reach_every_lesson_by_id(api, teacher, make_user, zoo, queued):
    """An admin opens anyone's lesson; their own list stays their own (backend.core.scoping)."""
    from rest_framework.test import APIClient

    lesson = api.post("/api/lessons/", {"title": "Mine"}, format="json").json()
    admin = make_user("root")
    set_role(admin, "admin")
    client = APIClient()
    client.force_authenticate(admin)
    assert client.get(f"/api/lessons/{lesson['id']}/").json()["title"] == "Mine"
    assert client.get("/api/lessons/").json() == []


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"view": {"kind": "dance"}}, "view kind must be one of"),
        ({"view": {"kind": "layer", "layer": "conv_9_9"}}, "no layer called"),
        ({"view": {"kind": "layer"}}, "needs a layer"),
        ({"view": {"kind": "flatten", "layer": "conv_1_1"}}, "needs a Flatten layer"),
        ({"view": {"kind": "explain", "method": "astrology"}}, "no attribution method"),
        ({"view": {"kind": "layer", "layer": "conv_1_1", "channel": 999}}, "channels 0 to"),
        ({"network": 999_999}, "no such network"),
        ({"image": 999_999, "sample": None}, "no such image"),
        ({"sample": {"dataset": "fashion-mnist", "index": 10**9}}, "no such sample"),
        ({"note": "x" * 4001}, "note"),
    ],
)
def test_step_validation_is_a_400_with_a_sentence(api, teacher, zoo, queued, change, words):
    row = step(zoo["tiny-vgg"], 0)
    row.update(change)
    if row.get("sample") is None:
        row.pop("sample", None)
    response = api.post(
        "/api/lessons/", {"title": "Bad", "steps": [step(zoo["tiny-vgg"], 1), row]}, format="json"
    )
    assert response.status_code == 400, response.content
    detail = response.json()["detail"]
    assert detail.startswith("steps: Step 2: ") and words in detail, detail
    assert detail.endswith(".")
    assert not queued  # nothing was saved or started


def test_another_users_image_is_refused(api, other_api, teacher, zoo, queued):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.fixtures.images import fashion_sample_png

    data, _ = fashion_sample_png(0)
    image = other_api.post(
        "/api/images/", {"file": SimpleUploadedFile("s.png", data)}, format="multipart"
    ).json()
    row = {"network": zoo["tiny-vgg"].pk, "image": image["id"], "view": {"kind": "overview"}}
    response = api.post("/api/lessons/", {"title": "x", "steps": [row]}, format="json")
    assert response.status_code == 400 and "no such image" in response.json()["detail"]


def test_a_shared_lesson_shows_each_step_and_reaches_only_them(
    api, anon_api, other_api, teacher, zoo, queued, run_queued
):
    tiny, deep = zoo["tiny-vgg"], zoo["deep-bn"]
    lesson = api.post(
        "/api/lessons/",
        {"title": "Two", "steps": [step(tiny, 0, note="One."), step(tiny, 1, note="Two.")]},
        format="json",
    ).json()
    run_queued()
    created = api.post("/api/share-links/", {"lesson": lesson["id"]}, format="json").json()
    token = created["url"].rsplit("/s/", 1)[1]
    body = anon_api.get(f"/api/shared/{token}/").json()
    assert body["kind"] == "lesson" and body["title"] == "Two" and body["shared_by"] == "alice"
    assert [s["note"] for s in body["steps"]] == ["One.", "Two."]
    for item in body["steps"]:
        assert item["analysis"]["prediction"]
        assert anon_api.get(item["network_url"]).status_code == 200
        assert anon_api.get(item["analysis"]["layers"][0]["url"]).status_code == 200
    # an analysis that is no step of the lesson, and a network no step uses
    response = api.post(
        "/api/analyses/",
        {"network": deep.pk, "sample": {"dataset": "fashion-mnist", "index": 5}},
        format="json",
    ).json()
    run_queued()
    prefix = f"/api/shared/{token}"
    assert anon_api.get(f"{prefix}/analyses/{response['id']}/").status_code == 404
    assert anon_api.get(f"{prefix}/networks/{deep.pk}/").status_code == 404
    # deleting the lesson deletes its links
    api.delete(f"/api/lessons/{lesson['id']}/")
    assert anon_api.get(f"{prefix}/").status_code == 404
