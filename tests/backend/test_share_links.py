"""Share links (issue 7 part 3): a token shown once and stored only as a hash; a link reaches
exactly its objects; every way a link stops working answers the same 404."""

import io
from datetime import timedelta

import numpy as np
import pytest
from django.db import connection
from django.utils import timezone

from backend.analyses.models import Analysis
from backend.sharing.models import ShareLink

pytestmark = pytest.mark.django_db

GONE = {"detail": "This link does not work (it may have expired or been revoked)."}


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def analyse(api, run_queued, network, index: int) -> dict:
    response = api.post(
        "/api/analyses/",
        {"network": network.pk, "sample": {"dataset": "fashion-mnist", "index": index}},
        format="json",
    )
    assert response.status_code == 202, response.content
    run_queued()
    return api.get(f"/api/analyses/{response.json()['id']}/").json()


def share(api, **body) -> dict:
    response = api.post("/api/share-links/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def token_of(created: dict) -> str:
    return created["url"].rsplit("/s/", 1)[1]


@pytest.fixture
def analysis(api, zoo, run_queued) -> dict:
    return analyse(api, run_queued, zoo["tiny-vgg"], 0)


def every_text_in_the_database() -> str:
    """Every row of every table, as text: the token must appear nowhere."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            # table names come from the database itself, not from input
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_create_shows_the_token_once_and_stores_only_its_hash(api, analysis):
    created = share(api, analysis=analysis["id"], expires_in_days=7)
    token = token_of(created)
    assert created["url"].startswith("http") and "/s/" in created["url"]
    assert len(token) >= 43  # token_urlsafe(32): 256 bits, at least 128 required
    assert created["status"] == "active" and created["kind"] == "analysis"
    assert created["view_count"] == 0 and created["expires_at"]
    import hashlib

    link = ShareLink.objects.get(pk=created["id"])
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in every_text_in_the_database()
    # Listing and detail never show the token or the URL again.
    listed = api.get("/api/share-links/", {"analysis": analysis["id"]}).json()
    assert [item["id"] for item in listed] == [created["id"]]
    assert "url" not in listed[0] and token not in str(listed)
    detail = api.get(f"/api/share-links/{created['id']}/").json()
    assert "url" not in detail and token not in str(detail)
    assert api.get("/api/share-links/", {"lesson": 999}).json() == []


def test_a_visitor_sees_the_analysis_with_urls_under_the_share(api, anon_api, analysis):
    token = token_of(share(api, analysis=analysis["id"]))
    response = anon_api.get(f"/api/shared/{token}/")
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["kind"] == "analysis" and body["shared_by"] == "alice"
    shared = body["analysis"]
    prefix = f"/api/shared/{token}/"
    assert [row["label"] for row in shared["prediction"]] == [
        row["label"] for row in analysis["prediction"]
    ]
    assert shared["job"] == {"status": "succeeded", "progress": 1.0, "message": ""}
    for url in [
        shared["image"]["url"],
        shared["input"]["url"],
        shared["activations_url"],
        shared["network_url"],
        *[layer["url"] for layer in shared["layers"]],
    ]:
        assert url.startswith(prefix), url
        got = anon_api.get(url)
        assert got.status_code == 200, url
        assert got["Referrer-Policy"] == "no-referrer" and got["Cache-Control"] == "no-store"
    png = anon_api.get(shared["image"]["url"])
    assert png["Content-Type"] == "image/png" and body_of(png).startswith(b"\x89PNG")
    # the same numbers the owner gets
    first = shared["layers"][0]
    mine = np.load(io.BytesIO(body_of(api.get(analysis["layers"][0]["url"]))))
    theirs = np.load(io.BytesIO(body_of(anon_api.get(first["url"]))))
    assert np.array_equal(mine, theirs)
    network = anon_api.get(shared["network_url"]).json()
    conv = network["layers"][0]
    assert conv["kernel_url"].startswith(prefix)
    kernel = np.load(io.BytesIO(body_of(anon_api.get(conv["kernel_url"]))))
    assert kernel.shape[-1] == conv["output_shape"][-1]
    intermediate = anon_api.get(f"{first['url']}intermediate/", {"channel": 0})
    assert intermediate.status_code == 200


def test_view_count_counts_root_visits_only(api, anon_api, analysis):
    created = share(api, analysis=analysis["id"])
    token = token_of(created)
    for _ in range(3):
        anon_api.get(f"/api/shared/{token}/")
    anon_api.get(f"/api/shared/{token}/analyses/{analysis['id']}/")
    detail = api.get(f"/api/share-links/{created['id']}/").json()
    assert detail["view_count"] == 3 and detail["last_viewed_at"]


def test_every_broken_link_answers_the_same_404(api, anon_api, zoo, run_queued, analysis):
    def gone(token: str) -> None:
        for url in [f"/api/shared/{token}/", f"/api/shared/{token}/analyses/{analysis['id']}/"]:
            response = anon_api.get(url)
            assert response.status_code == 404, url
            assert response.json() == GONE
            assert response["Referrer-Policy"] == "no-referrer"
            assert response["Cache-Control"] == "no-store"

    # tampered: one character changed
    token = token_of(share(api, analysis=analysis["id"]))
    assert anon_api.get(f"/api/shared/{token}/").status_code == 200
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    gone(flipped)
    gone("not-a-token")
    # expired (the clock is "frozen" by moving the expiry into the past)
    created = share(api, analysis=analysis["id"], expires_in_days=1)
    expired = token_of(created)
    ShareLink.objects.filter(pk=created["id"]).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    gone(expired)
    assert api.get(f"/api/share-links/{created['id']}/").json()["status"] == "expired"
    # revoked (twice: idempotent)
    created = share(api, analysis=analysis["id"])
    revoked = token_of(created)
    first = api.post(f"/api/share-links/{created['id']}/revoke/").json()
    second = api.post(f"/api/share-links/{created['id']}/revoke/").json()
    assert first["status"] == second["status"] == "revoked"
    assert first["revoked_at"] == second["revoked_at"]
    gone(revoked)
    # the target deleted
    other = analyse(api, run_queued, zoo["deep-bn"], 1)
    orphan = token_of(share(api, analysis=other["id"]))
    assert anon_api.get(f"/api/shared/{orphan}/").status_code == 200
    Analysis.objects.filter(pk=other["id"]).delete()
    gone(orphan)


def test_a_link_reaches_exactly_its_objects(api, anon_api, other_api, zoo, run_queued, analysis):
    token = token_of(share(api, analysis=analysis["id"]))
    prefix = f"/api/shared/{token}"
    # alice's other analysis (another network) and mallory's analysis of the same network
    mine = analyse(api, run_queued, zoo["deep-bn"], 2)
    theirs = analyse(other_api, run_queued, zoo["tiny-vgg"], 3)
    theirs_image = Analysis.objects.get(pk=theirs["id"]).image_id
    for other in (mine["id"], theirs["id"]):
        for tail in ["", "input/", "activations/", "activations/0/", "image/"]:
            response = anon_api.get(f"{prefix}/analyses/{other}/{tail}")
            assert response.status_code == 404, (other, tail)
    deep = zoo["deep-bn"]
    assert anon_api.get(f"{prefix}/networks/{deep.pk}/").status_code == 404
    assert anon_api.get(f"{prefix}/networks/{deep.pk}/layers/0/kernel/").status_code == 404
    tiny = zoo["tiny-vgg"]
    assert anon_api.get(f"{prefix}/networks/{tiny.pk}/layers/0/kernel/").status_code == 200
    assert anon_api.get(f"{prefix}/networks/{tiny.pk}/layers/0/nonsense/").status_code == 404
    # image ids are not a route of their own: nothing but the shared analysis's image
    assert anon_api.get(f"{prefix}/images/{theirs_image}/file/").status_code == 404
    # the owner's own API stays closed to the visitor
    assert anon_api.get("/api/analyses/").status_code in (401, 403)
    assert anon_api.get(f"/api/analyses/{analysis['id']}/").status_code in (401, 403)


def test_only_the_owner_creates_lists_and_revokes(api, other_api, anon_api, analysis):
    assert (
        other_api.post("/api/share-links/", {"analysis": analysis["id"]}, format="json").status_code
        == 404
    )
    created = share(api, analysis=analysis["id"])
    assert other_api.post(f"/api/share-links/{created['id']}/revoke/").status_code == 404
    assert other_api.get(f"/api/share-links/{created['id']}/").status_code == 404
    assert other_api.get("/api/share-links/").json() == []
    assert api.get(f"/api/share-links/{created['id']}/").json()["status"] == "active"
    # not logged in: 401, the project's "log in first" (backend/core/authentication.py)
    assert anon_api.get("/api/share-links/").status_code == 401
    assert (
        anon_api.post("/api/share-links/", {"analysis": analysis["id"]}, format="json").status_code
        == 401
    )


def test_create_validation(api, analysis):
    def bad(body: dict) -> str:
        response = api.post("/api/share-links/", body, format="json")
        assert response.status_code == 400, response.content
        return response.json()["detail"]

    assert "either" in bad({})
    assert "either" in bad({"analysis": analysis["id"], "lesson": 1})
    assert "expires_in_days" in bad({"analysis": analysis["id"], "expires_in_days": 0})
    assert "expires_in_days" in bad({"analysis": analysis["id"], "expires_in_days": 366})
    past = (timezone.now() - timedelta(days=1)).isoformat()
    assert "future" in bad({"analysis": analysis["id"], "expires_at": past})
    future = (timezone.now() + timedelta(days=3)).isoformat()
    created = share(api, analysis=analysis["id"], expires_at=future)
    assert created["expires_at"]
    never = share(api, analysis=analysis["id"])
    assert never["expires_at"] is None


def test_the_share_page_is_served_without_login_and_without_referrer(client, settings, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><div id=app></div>")
    settings.FRONTEND_DIST = tmp_path
    response = client.get("/s/abcDEF123_-xyz")
    assert response.status_code == 200 and b"id=app" in response.content
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"] == "no-store"
