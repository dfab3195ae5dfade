"""Rate limits. Rates live in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (env-overridable).

DRF's SimpleRateThrottle copies the rates into a class attribute at import time, so
`override_settings` would not reach it; these classes read the current settings on every call.
They also answer 429 with a sentence saying what was limited and how long to wait.
"""

import math

from rest_framework.exceptions import Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


def wait_phrase(seconds: float) -> str:
    """ "wait 40 seconds" / "wait 3 minutes", rounded up."""
    seconds = max(1, math.ceil(seconds))
    if seconds < 90:
        return f"wait {seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"wait {minutes} minutes"


class _PlainThrottleMixin:
    scope: str
    message = "Too many requests in a short time"

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if super().allow_request(request, view):
            return True
        wait = self.wait() or 1
        exc = Throttled(detail=f"{self.message}: {wait_phrase(wait)} and try again.")
        exc.wait = math.ceil(wait)  # becomes the Retry-After header
        raise exc


class IPRateThrottle(_PlainThrottleMixin, AnonRateThrottle):
    """Per client IP, whether or not the client is logged in (sign-in, sign-up, reset)."""

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(IPRateThrottle):
    scope = "login"
    message = "Too many sign-in attempts from your network"


class SignupRateThrottle(IPRateThrottle):
    scope = "signup"
    message = "Too many new accounts from your network"


class PasswordResetRateThrottle(IPRateThrottle):
    scope = "password-reset"
    message = "Too many password-reset requests from your network"


class CreateRateThrottle(_PlainThrottleMixin, UserRateThrottle):
    """Per user, and only on a viewset's `create` (reading results is never limited)."""

    def allow_request(self, request, view) -> bool:
        if getattr(view, "action", None) != "create":
            return True
        return super().allow_request(request, view)


class UploadRateThrottle(CreateRateThrottle):
    scope = "uploads"
    message = "You have uploaded many images in a short time"


class JobRateThrottle(CreateRateThrottle):
    """Endpoints that queue work for the worker."""

    scope = "jobs"
    message = "You have started many computations in a short time"
