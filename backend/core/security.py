"""A Content-Security-Policy on every response.

The single-page client loads only its own scripts and styles from /static/; Vue and Bootstrap
set inline `style` attributes, hence 'unsafe-inline' for styles (never for scripts). Images and
arrays come back as blob: and data: URLs, and the camera as a mediastream.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data: blob:",
    "media-src": "'self' blob: mediastream:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def render(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}" for name, value in policy.items())


CONTENT_SECURITY_POLICY = render(POLICY)
# DEBUG only: Django's error pages and DRF's browsable API run inline scripts and handlers.
DEBUG_PAGE_POLICY = render({**POLICY, "script-src": "'self' 'unsafe-inline'"})


class ContentSecurityPolicyMiddleware:
    """Adds the policy unless a view set its own (so one page can be relaxed on purpose)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = CONTENT_SECURITY_POLICY
        if settings.DEBUG and (
            response.status_code >= 400
            or (request.path.startswith("/api/") and not request.path.startswith("/api/docs/"))
        ):
            policy = DEBUG_PAGE_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        return response
