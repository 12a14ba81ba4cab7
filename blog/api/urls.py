"""API routes, OpenAPI schema and docs (assets from our own static files), tokens."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from images.api import ImageViewSet

from .fallback import unknown_url
from .schema_view import CachedSchemaView
from .views import (
    AuthorViewSet,
    CategoryViewSet,
    PostViewSet,
    TagViewSet,
    TokenLogoutView,
    TokenObtainPairView,
    TokenRefreshView,
)

router = DefaultRouter()
router.register("posts", PostViewSet, basename="post")
router.register("categories", CategoryViewSet, basename="category")
router.register("tags", TagViewSet, basename="tag")
router.register("authors", AuthorViewSet, basename="author")
router.register("images", ImageViewSet, basename="image")  # the images app's library

app_name = "api"

urlpatterns = [
    path("", include(router.urls)),
    path("schema/", CachedSchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("auth/token/", TokenObtainPairView.as_view(), name="token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("auth/logout/", TokenLogoutView.as_view(), name="token_logout"),
    # Last: a problem+json 404 (or a 308 to the slashed URL) for anything else.
    re_path(r"^(?P<rest>.*)$", unknown_url),
]
