from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from backend.core.views import health, spa_index

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/health/", health, name="health"),
    path("api/", include("backend.config.api_router")),
    path("api-auth/", include("rest_framework.urls")),
    # Everything else is a client-side route of the Vue app.
    re_path(r"^(?!api/|static/|admin/|_private-media/).*$", spa_index, name="spa"),
]
