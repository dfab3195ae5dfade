from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from backend.core.views import health, spa_index
from backend.sharing.views import shared_page

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script, so the
    # docs page works under the site-wide Content-Security-Policy without relaxing it.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/health/", health, name="health"),
    path("api/", include("backend.config.api_router")),
    path("api-auth/", include("rest_framework.urls")),
    # A share link's page: the Vue app, sent with no-referrer and no-store.
    re_path(r"^s/(?P<token>[A-Za-z0-9_-]+)/?$", shared_page, name="shared-page"),
    # Everything else is a client-side route of the Vue app.
    re_path(r"^(?!api/|static/|admin/|_private-media/).*$", spa_index, name="spa"),
]

# An unmatched URL under /api/ answers JSON like every other API refusal.
handler404 = "backend.core.views.not_found"
