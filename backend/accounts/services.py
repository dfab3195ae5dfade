"""Accounts: sign-up, password reset mail and its confirmation."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

SIGNUP_OPEN = "open"
SIGNUP_APPROVAL = "approval"
SIGNUP_CLOSED = "closed"
SIGNUP_MODES = (SIGNUP_OPEN, SIGNUP_APPROVAL, SIGNUP_CLOSED)


def signup_mode() -> str:
    mode = str(settings.CONVSCOPE_SIGNUP).strip().lower()
    # An unknown value is a typo in the environment: fail closed, never open.
    return mode if mode in SIGNUP_MODES else SIGNUP_CLOSED


def create_account(username: str, email: str, password: str):
    """A new account; inactive (waiting for an admin) when sign-up needs approval."""
    active = signup_mode() == SIGNUP_OPEN
    user = get_user_model().objects.create_user(
        username=username, email=email, password=password, is_active=active
    )
    return user


def reset_link(user, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{base_url.rstrip('/')}/reset/{uid}/{token}"


def send_password_reset(email: str, base_url: str) -> int:
    """Mail a reset link to every active account with this address; the count is for tests
    only (the view never tells the caller whether the address exists)."""
    users = get_user_model().objects.filter(email__iexact=email.strip(), is_active=True)
    sent = 0
    for user in users:
        if not user.has_usable_password():
            continue
        link = reset_link(user, base_url)
        body = (
            f"Hello {user.get_username()},\n\n"
            "Someone (we hope you) asked to choose a new password for your ConvScope account.\n"
            f"Open this link to choose one:\n\n{link}\n\n"
            "The link works once and expires after "
            f"{settings.PASSWORD_RESET_TIMEOUT // 3600} hours. "
            "If you did not ask for this, ignore this mail: your password stays as it is.\n"
        )
        send_mail("Choose a new ConvScope password", body, None, [user.email])
        sent += 1
    return sent


def user_from_reset(uid: str, token: str):
    """The user a reset link was made for, or None if the link is wrong, used or expired."""
    try:
        pk = force_str(urlsafe_base64_decode(uid))
        user = get_user_model().objects.get(pk=pk, is_active=True)
    except (TypeError, ValueError, OverflowError, get_user_model().DoesNotExist):
        return None
    return user if default_token_generator.check_token(user, token) else None
