"""Non-API views: the single-page client's shell and a health check."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_safe

MISSING_BUILD = """<!doctype html><meta charset="utf-8"><title>ConvScope</title>
<p>The web client has not been built. Run <code>make dev</code> (or <code>make frontend</code>).</p>
"""


@require_safe
@ensure_csrf_cookie
def spa_index(request, *args, **kwargs) -> HttpResponse:
    index = settings.FRONTEND_DIST / "index.html"
    if not index.is_file():
        return HttpResponse(MISSING_BUILD, status=503)
    response = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def health(request) -> JsonResponse:
    """Liveness for load balancers and `make dev`: the database answers."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request, exception=None) -> HttpResponse:
    """Django's 404 for a URL no route matches (such as a negative id where the route wants a
    number): JSON in the API's error shape under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
