"""Accounts in the browser: sign up, log out, sign in again, change the password, ask for a
reset link; and no page here trips the Content-Security-Policy."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-Unusual-passphrase-42"


def csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


def test_sign_up_log_out_sign_in_change_password(page, live_server):
    errors = csp_errors(page)
    page.goto(f"{live_server.url}/login")
    page.get_by_test_id("show-signup").click()
    page.get_by_test_id("signup-username").fill("newbie")
    page.get_by_test_id("signup-email").fill("newbie@example.org")
    page.get_by_test_id("signup-password").fill("123")
    page.get_by_test_id("signup-submit").click()
    assert "too short" in page.get_by_test_id("signup-error").inner_text()
    page.get_by_test_id("signup-password").fill(PASSWORD)
    page.get_by_test_id("signup-submit").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_test_id("username").inner_text() == "newbie"

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login**")
    page.get_by_test_id("login-username").fill("newbie")
    page.get_by_test_id("login-password").fill(PASSWORD)
    page.get_by_test_id("login-submit").click()
    page.get_by_test_id("username").wait_for()

    page.get_by_test_id("user-menu").click()
    page.get_by_test_id("change-password").click()
    page.wait_for_url("**/account/password")
    page.get_by_test_id("password-old").fill(PASSWORD)
    page.get_by_test_id("password-new").fill(PASSWORD + "-2")
    page.get_by_test_id("password-repeat").fill(PASSWORD + "-2")
    page.get_by_test_id("password-submit").click()
    assert "changed" in page.get_by_test_id("password-changed").inner_text()
    # the session survived the change
    page.reload()
    page.get_by_test_id("password-form").wait_for()
    assert page.get_by_test_id("username").inner_text() == "newbie"
    assert errors == []


def test_forgot_password_shows_its_confirmation(page, live_server):
    errors = csp_errors(page)
    page.goto(f"{live_server.url}/login")
    page.get_by_test_id("show-forgot").click()
    page.get_by_test_id("forgot-email").fill("nobody@example.org")
    page.get_by_test_id("forgot-submit").click()
    assert "If an account uses that address" in page.get_by_test_id("reset-requested").inner_text()
    page.get_by_test_id("show-login").click()
    page.get_by_test_id("login-username").wait_for()

    # A wrong or used link says so in words.
    page.goto(f"{live_server.url}/reset/MQ/wrong-token")
    page.get_by_test_id("reset-password").fill(PASSWORD)
    page.get_by_test_id("reset-repeat").fill(PASSWORD)
    page.get_by_test_id("reset-submit").click()
    assert "Ask for a new one" in page.get_by_test_id("reset-error").inner_text()
    assert errors == []
