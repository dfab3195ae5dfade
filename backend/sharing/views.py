"""The page a share link opens (/s/<token>): the single-page client, said never to send the
address on as a Referer and never to be cached."""

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from backend.core.views import spa_index


@require_safe
def shared_page(request, token: str) -> HttpResponse:
    response = spa_index(request)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response
