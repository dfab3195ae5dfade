"""Accounts: roles, sign-up in its three modes, password change and reset, sign-in lockout,
rate limits on creating uploads and jobs, CSRF on session requests, security headers."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.test import APIClient

from backend.core.roles import IsAdminRole, IsTeacher, is_admin, is_teacher, roles_of, set_role
from backend.core.security import CONTENT_SECURITY_POLICY

pytestmark = pytest.mark.django_db

STRONG = "a-long-Unusual-passphrase-42"
ME_KEYS = {"authenticated", "id", "username", "is_staff", "roles"}


@pytest.fixture(autouse=True)
def fresh_counters():
    """Throttle and lockout counters live in the cache: start every test from zero."""
    cache.clear()
    yield
    cache.clear()


def rates(**changed: str) -> override_settings:
    merged = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **changed}
    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": merged}
    )


def sign_in(client: APIClient, username: str, password: str):
    return client.post(
        "/api/auth/login/", {"username": username, "password": password}, format="json"
    )


# --- roles ---------------------------------------------------------------------------------


def test_migration_creates_role_groups():
    assert set(
        Group.objects.filter(name__in=["teacher", "admin"]).values_list("name", flat=True)
    ) == {
        "teacher",
        "admin",
    }


def test_roles_of(make_user):
    from django.contrib.auth.models import AnonymousUser

    plain, teacher, grouped_admin, staff = (make_user(n) for n in ("u1", "t1", "a1", "s1"))
    teacher.groups.add(Group.objects.get(name="teacher"))
    grouped_admin.groups.add(Group.objects.get(name="admin"))
    staff.is_staff = True
    staff.save()
    assert roles_of(plain) == ["user"]
    assert roles_of(teacher) == ["user", "teacher"]
    assert roles_of(grouped_admin) == ["user", "admin"]
    assert roles_of(staff) == ["user", "admin"]
    assert roles_of(AnonymousUser()) == []
    assert is_teacher(teacher) and not is_teacher(plain)
    assert is_admin(staff) and is_admin(grouped_admin) and not is_admin(teacher)


def test_permission_classes(make_user, rf):
    plain, teacher, admin = make_user("u1"), make_user("t1"), make_user("a1")
    set_role(teacher, "teacher")
    set_role(admin, "admin")

    def allowed(permission, user) -> bool:
        request = rf.get("/")
        request.user = user
        return permission().has_permission(request, None)

    assert [allowed(IsTeacher, u) for u in (plain, teacher, admin)] == [False, True, True]
    assert [allowed(IsAdminRole, u) for u in (plain, teacher, admin)] == [False, False, True]


def test_me_keeps_its_keys_and_adds_roles(anon_api, make_user):
    body = anon_api.get("/api/auth/me/").json()
    assert set(body) == ME_KEYS and body["roles"] == [] and body["authenticated"] is False

    teacher = make_user("teach")
    set_role(teacher, "teacher")
    client = APIClient()
    assert sign_in(client, "teach", "pw-teach").json()["roles"] == ["user", "teacher"]
    body = client.get("/api/auth/me/").json()
    assert set(body) == ME_KEYS
    assert body["username"] == "teach" and body["roles"] == ["user", "teacher"]


def test_set_role_command(user):
    call_command("set_role", "alice", "teacher")
    assert roles_of(user) == ["user", "teacher"]
    call_command("set_role", "alice", "admin")
    user.refresh_from_db()
    assert user.is_staff and roles_of(user) == ["user", "teacher", "admin"]
    call_command("set_role", "alice", "admin", "--remove")
    call_command("set_role", "alice", "teacher", "--remove")
    user.refresh_from_db()
    assert not user.is_staff and roles_of(user) == ["user"]
    with pytest.raises(CommandError):
        call_command("set_role", "nobody", "teacher")


def test_set_role_recreates_a_missing_group(user):
    Group.objects.filter(name="teacher").delete()
    set_role(user, "teacher")
    assert is_teacher(user)


# --- sign-up -------------------------------------------------------------------------------


def signup(client, username="newbie", email="newbie@example.org", password=STRONG):
    return client.post(
        "/api/auth/signup/",
        {"username": username, "email": email, "password": password},
        format="json",
    )


@override_settings(CONVSCOPE_SIGNUP="open")
def test_open_signup_signs_in():
    client = APIClient()
    response = signup(client)
    assert response.status_code == 201, response.json()
    assert response.json()["username"] == "newbie"
    assert get_user_model().objects.get(username="newbie").is_active
    me = client.get("/api/auth/me/").json()
    assert me["authenticated"] and me["roles"] == ["user"]


@override_settings(CONVSCOPE_SIGNUP="open")
def test_signup_refusals_are_plain(user):
    client = APIClient()
    weak = signup(client, password="123")
    assert weak.status_code == 400 and "password" in weak.json()["errors"]
    similar = signup(
        client, username="jonathan", email="jonathan@example.org", password="jonathan1"
    )
    assert similar.status_code == 400
    taken = signup(client, username="ALICE")
    assert taken.status_code == 400 and "taken" in taken.json()["detail"]
    bad_email = signup(client, email="not-an-address")
    assert bad_email.status_code == 400
    assert not get_user_model().objects.filter(username__in=["newbie", "jonathan"]).exists()


@override_settings(CONVSCOPE_SIGNUP="approval")
def test_approval_signup_waits_for_an_admin(make_user):
    client = APIClient()
    response = signup(client)
    assert response.status_code == 202
    assert "approval" in response.json()["detail"]
    account = get_user_model().objects.get(username="newbie")
    assert not account.is_active
    assert client.get("/api/auth/me/").json()["authenticated"] is False

    waiting = sign_in(client, "newbie", STRONG)
    assert waiting.status_code == 403 and "approval" in waiting.json()["detail"]
    assert sign_in(client, "newbie", "wrong").status_code == 400  # no hint without the password

    plain = APIClient()
    plain.force_authenticate(make_user("bob"))
    assert plain.get("/api/auth/users/?pending=1").status_code == 403
    assert plain.post(f"/api/auth/users/{account.pk}/approve/").status_code == 403

    admin = make_user("boss")
    set_role(admin, "admin")
    staff = APIClient()
    staff.force_authenticate(admin)
    pending = staff.get("/api/auth/users/?pending=1").json()
    assert [row["username"] for row in pending] == ["newbie"]
    assert len(staff.get("/api/auth/users/").json()) == 3
    approved = staff.post(f"/api/auth/users/{account.pk}/approve/")
    assert approved.status_code == 200 and approved.json()["is_active"] is True
    assert staff.get("/api/auth/users/?pending=1").json() == []
    assert sign_in(client, "newbie", STRONG).status_code == 200


@override_settings(CONVSCOPE_SIGNUP="closed")
def test_closed_signup():
    response = signup(APIClient())
    assert response.status_code == 403
    assert "cannot be created" in response.json()["detail"]
    assert not get_user_model().objects.filter(username="newbie").exists()


@override_settings(CONVSCOPE_SIGNUP="opne")
def test_a_mistyped_mode_is_closed():
    assert signup(APIClient()).status_code == 403


# --- passwords -----------------------------------------------------------------------------


def test_password_change_keeps_the_session(user):
    client = APIClient()
    assert sign_in(client, "alice", "pw-alice").status_code == 200
    url = "/api/auth/password/change/"
    wrong = client.post(url, {"old_password": "nope", "new_password": STRONG}, format="json")
    assert wrong.status_code == 400 and "old_password" in wrong.json()["errors"]
    weak = client.post(url, {"old_password": "pw-alice", "new_password": "1234"}, format="json")
    assert weak.status_code == 400 and "new_password" in weak.json()["errors"]
    done = client.post(url, {"old_password": "pw-alice", "new_password": STRONG}, format="json")
    assert done.status_code == 200 and "changed" in done.json()["detail"]
    assert client.get("/api/auth/me/").json()["authenticated"] is True
    user.refresh_from_db()
    assert user.check_password(STRONG)


def test_password_change_needs_a_session(anon_api):
    response = anon_api.post(
        "/api/auth/password/change/", {"old_password": "x", "new_password": STRONG}, format="json"
    )
    assert response.status_code == 401


def test_password_reset_flow(make_user):
    make_user("carol", email="carol@example.org")
    client = APIClient()
    unknown = client.post("/api/auth/password/reset/", {"email": "who@example.org"}, format="json")
    known = client.post("/api/auth/password/reset/", {"email": "Carol@Example.org"}, format="json")
    # The same answer either way: the address's existence is never revealed.
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["carol@example.org"]
    match = re.search(r"https?://[^/\s]+/reset/([^/\s]+)/([^/\s]+)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    uid, token = match.groups()

    confirm = "/api/auth/password/reset/confirm/"
    bad_token = client.post(
        confirm, {"uid": uid, "token": "x-y", "new_password": STRONG}, format="json"
    )
    assert bad_token.status_code == 400 and "Ask for a new one" in bad_token.json()["detail"]
    bad_uid = client.post(
        confirm, {"uid": "zzz", "token": token, "new_password": STRONG}, format="json"
    )
    assert bad_uid.status_code == 400
    weak = client.post(confirm, {"uid": uid, "token": token, "new_password": "123"}, format="json")
    assert weak.status_code == 400 and "new_password" in weak.json()["errors"]
    done = client.post(confirm, {"uid": uid, "token": token, "new_password": STRONG}, format="json")
    assert done.status_code == 200
    assert sign_in(APIClient(), "carol", STRONG).status_code == 200
    again = client.post(
        confirm, {"uid": uid, "token": token, "new_password": STRONG + "x"}, format="json"
    )
    assert again.status_code == 400  # a link works once


def test_password_reset_skips_inactive_accounts(make_user):
    make_user("dave", email="dave@example.org", is_active=False)
    response = APIClient().post(
        "/api/auth/password/reset/", {"email": "dave@example.org"}, format="json"
    )
    assert response.status_code == 202 and mail.outbox == []


# --- sign-in lockout and rate limits -------------------------------------------------------


@override_settings(CONVSCOPE_LOGIN_FAILURE_LIMIT=3, CONVSCOPE_LOGIN_FAILURE_WINDOW_S=900)
def test_failed_sign_ins_lock_the_username(make_user):
    make_user("erin")
    client = APIClient()
    for _ in range(3):
        assert sign_in(client, "erin", "wrong").status_code == 400
    locked = sign_in(client, "erin", "pw-erin")  # even the right password waits
    assert locked.status_code == 429
    assert locked.json()["detail"] == (
        "Too many failed sign-ins for this username, wait 15 minutes and try again."
    )
    assert int(locked["Retry-After"]) > 800
    assert sign_in(client, "ERIN", "pw-erin").status_code == 429  # case does not matter
    assert sign_in(client, "alice-other", "x").status_code == 400  # other names unaffected


@override_settings(CONVSCOPE_LOGIN_FAILURE_LIMIT=3)
def test_a_successful_sign_in_resets_the_count(make_user):
    make_user("erin")
    client = APIClient()
    for _ in range(2):
        sign_in(client, "erin", "wrong")
    assert sign_in(client, "erin", "pw-erin").status_code == 200
    for _ in range(2):
        assert sign_in(client, "erin", "wrong").status_code == 400
    assert sign_in(client, "erin", "pw-erin").status_code == 200


def test_login_is_rate_limited_per_address(user):
    client = APIClient()
    with rates(login="2/min"):
        assert sign_in(client, "alice", "wrong").status_code == 400
        assert sign_in(client, "bob", "wrong").status_code == 400
        third = sign_in(client, "carol", "wrong")
    assert third.status_code == 429
    assert third.json()["detail"].startswith("Too many sign-in attempts")
    assert "Retry-After" in third


def test_a_forged_forwarded_for_does_not_dodge_the_limit(user):
    client = APIClient()
    with rates(login="1/min"):
        sign_in(client, "alice", "wrong")
        forged = client.post(
            "/api/auth/login/",
            {"username": "alice", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    assert forged.status_code == 429


def test_signup_is_rate_limited_per_address():
    client = APIClient()
    with rates(signup="1/min"):
        assert signup(client).status_code == 201
        second = signup(APIClient(), username="other", email="other@example.org")
    assert second.status_code == 429


@pytest.mark.parametrize(
    "url",
    [
        "/api/analyses/",
        "/api/explanations/",
        "/api/trust-checks/",
        "/api/evaluations/",
        "/api/embeddings/",
        "/api/top-activations/",
    ],
)
def test_creating_jobs_is_rate_limited_per_user(api, other_api, url):
    with rates(jobs="1/min"):
        assert api.post(url, {}, format="json").status_code == 400  # counted, then refused
        limited = api.post(url, {}, format="json")
        assert limited.status_code == 429
        assert limited.json()["detail"] == (
            "You have started many computations in a short time: wait 60 seconds and try again."
        )
        assert api.get(url).status_code == 200  # reading is never limited
        assert other_api.post(url, {}, format="json").status_code == 400  # per user


def test_uploads_are_rate_limited_per_user(api):
    with rates(uploads="1/min"):
        assert api.post("/api/images/", {}, format="multipart").status_code == 400
        limited = api.post("/api/images/", {}, format="multipart")
        assert limited.status_code == 429
        assert "uploaded many images" in limited.json()["detail"]
        assert api.get("/api/images/").status_code == 200


# --- CSRF and headers ----------------------------------------------------------------------


def test_session_posts_need_the_csrf_token(user):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="alice", password="pw-alice")
    refused = client.post("/api/analyses/", {}, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    token = client.get("/api/auth/me/").cookies["csrftoken"].value
    passed = client.post("/api/analyses/", {}, format="json", HTTP_X_CSRFTOKEN=token)
    assert passed.status_code == 400  # past CSRF, refused only for the empty body


def test_django_forms_need_the_csrf_token(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.login(username="alice", password="pw-alice")
    assert client.post("/admin/logout/").status_code == 403


def test_security_headers_everywhere(api):
    for response in (api.get("/api/health/"), api.get("/api/auth/me/"), api.get("/login")):
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY


def test_api_docs_have_no_inline_script(api):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    html = response.content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", html) == []
    assert api.get("/api/docs/?script=").status_code == 200


def test_only_debug_pages_get_inline_scripts(api, settings):
    from backend.core.security import DEBUG_PAGE_POLICY

    settings.DEBUG = True
    assert api.get("/api/health/")["Content-Security-Policy"] == DEBUG_PAGE_POLICY
    assert api.get("/api/docs/")["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert api.get("/login")["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
