"""OpenAPI descriptions drf-spectacular cannot derive on its own."""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers


class Session401Scheme(SessionScheme):
    target_class = "backend.core.authentication.SessionAuthentication401"


class ErrorSerializer(serializers.Serializer):
    """Every refusal of the API (backend.core.exceptions): one readable sentence, plus the
    field errors when the request's fields were at fault."""

    detail = serializers.CharField()
    errors = serializers.DictField(required=False, help_text="Messages by field.")


class AutoSchema(SpectacularAutoSchema):
    """Documents the refusals too: drf-spectacular lists only the success answers, so clients
    (and schema-driven fuzzers) would find every 4xx undocumented."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(
                    ErrorSerializer, str(code), direction=direction
                )
        return responses

    def _error_codes(self) -> list[int]:
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        has_body = self.method in ("POST", "PUT", "PATCH")
        has_query = any(p.get("in") == "query" for p in self._get_parameters())
        codes = [401, 403]  # not signed in; not allowed, or a missing CSRF token
        if writes or has_query or "{" in self.path:
            codes += [400, 404]
        if has_body:
            codes += [409, 413, 415]
        if self.view.get_throttles():
            codes.append(429)
        return sorted(codes)
