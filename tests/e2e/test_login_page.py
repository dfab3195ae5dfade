"""Logging in: a wrong password is explained in plain words; a visitor is sent to the login page."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_is_sent_to_login(page, live_server):
    page.goto(f"{live_server.url}/?dataset=fashion-mnist")
    page.wait_for_url("**/login**")
    page.get_by_test_id("login-username").wait_for()


def test_wrong_password_is_explained(page, live_server, user):
    page.goto(f"{live_server.url}/login")
    page.get_by_test_id("login-username").fill("alice")
    page.get_by_test_id("login-password").fill("wrong")
    page.get_by_test_id("login-submit").click()
    error = page.get_by_test_id("error-message")
    error.wait_for()
    assert "do not match" in error.inner_text()
