"""/api/: the routes apps registered (`api.routers`), the OpenAPI schema and its docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView

from .fallback import unknown_url
from .routers import extra_urlpatterns, router
from .schema_view import CachedSchemaView

app_name = "api"

urlpatterns = [
    path("", include(router.urls)),
    *extra_urlpatterns,
    path("schema/", CachedSchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    # Last: a problem+json 404 (or a 308 to the slashed URL) for anything else.
    re_path(r"^(?P<rest>.*)$", unknown_url),
]
