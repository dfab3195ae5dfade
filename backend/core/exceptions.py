"""One error shape for the API: {"detail": "plain words"} (plus field errors where useful)."""

from typing import Any

from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import exception_handler


class ServiceUnavailable(APIException):
    status_code = 503
    default_detail = "The job queue is not reachable right now. Please try again in a minute."
    default_code = "service_unavailable"


class CacheUnavailable(APIException):
    status_code = 503
    default_detail = (
        "A service ConvScope needs is not reachable right now. Please try again in a minute."
    )
    default_code = "service_unavailable"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    import redis

    # A shared cache on a Redis that is down (rate-limit counters, sign-in lockouts): a clear
    # 503 within the client's timeouts, not a 500.
    if isinstance(exc, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError):
        exc = CacheUnavailable()
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and "detail" not in data:
        # Field errors: keep them, and add one readable sentence for simple clients.
        first_field, messages = next(iter(data.items()))
        message = messages[0] if isinstance(messages, list) and messages else messages
        prefix = "" if first_field == "non_field_errors" else f"{first_field}: "
        response.data = {"detail": f"{prefix}{message}", "errors": data}
    elif isinstance(data, list):
        response.data = {"detail": " ".join(str(item) for item in data)}
    return response
