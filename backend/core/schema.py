"""OpenAPI descriptions drf-spectacular cannot derive on its own."""

from drf_spectacular.authentication import SessionScheme


class Session401Scheme(SessionScheme):
    target_class = "backend.core.authentication.SessionAuthentication401"
