"""The root API router: every app registers its own routes here, from its `ready()`.

    # images/apps.py
    def ready(self):
        from api.routers import router
        from .api import ImageViewSet
        router.register("images", ImageViewSet, basename="image")

Endpoints that are not viewsets (token views) are added with `register_urls`. The API
app itself imports no domain app; `api.urls` mounts what was registered.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver
from rest_framework.routers import DefaultRouter

router = DefaultRouter()
extra_urlpatterns: list[URLPattern | URLResolver] = []


def register_urls(patterns: list[URLPattern | URLResolver]) -> None:
    """Mount `patterns` under /api/ (names in the `api:` namespace)."""
    extra_urlpatterns.extend(patterns)
