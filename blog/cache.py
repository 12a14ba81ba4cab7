"""A short page cache for anonymous readers (pages and API reads) that never shows a page
past its time.

Each entry remembers when it stops being true: after `PAGE_CACHE_SECONDS`, or when the
next scheduled post goes public, whichever comes first. So a scheduled post appears on
time by `Post.objects.public()` alone, cached or not. Saving or deleting a post, and the
publish sweep, bump a generation number that retires every cached page at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

GENERATION_KEY = "pages:generation"


def invalidate_pages() -> None:
    """Retire every cached page (cheap: one Redis write)."""
    cache.set(GENERATION_KEY, timezone.now().timestamp(), timeout=None)


def _generation() -> str:
    return str(cache.get(GENERATION_KEY, 0))


def _expires_at(now: datetime) -> datetime:
    from .models import Post  # models import this module's users; avoid a cycle

    soonest = now + timezone.timedelta(seconds=settings.PAGE_CACHE_SECONDS)
    next_scheduled = (
        Post.objects.scheduled().order_by("published_at").values_list("published_at", flat=True)
    ).first()
    return min(soonest, next_scheduled) if next_scheduled else soonest


def cache_anonymous_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous GETs of `view` from the cache; others always get a fresh page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if (
            settings.PAGE_CACHE_SECONDS <= 0
            or request.method not in ("GET", "HEAD")
            or request.user.is_authenticated
            # API clients with a token look anonymous to Django: DRF reads the header.
            or "HTTP_AUTHORIZATION" in request.META
        ):
            response = view(request, *args, **kwargs)
            if request.user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            return response
        # The Accept header picks JSON or the browsable API's HTML under /api/.
        variant = f"{request.get_full_path()} {request.headers.get('Accept', '')}"
        digest = hashlib.sha256(variant.encode()).hexdigest()
        key = f"page:{_generation()}:{digest}"
        now = timezone.now()
        hit = cache.get(key)
        if hit and hit["expires"] > now.timestamp():
            response = HttpResponse(hit["content"], content_type=hit["content_type"])
            for header, value in hit.get("validators", {}).items():
                response[header] = value  # a hit answers conditional requests as a miss does
            response["X-Page-Cache"] = "hit"
            return _public(response, hit["expires"] - now.timestamp())
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if response.status_code != 200:
            return response
        expires = _expires_at(now).timestamp()
        entry = {
            "expires": expires,
            "content": response.content,
            "content_type": response["Content-Type"],
            "validators": {h: response[h] for h in ("ETag", "Last-Modified") if h in response},
        }
        cache.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
        response["X-Page-Cache"] = "miss"
        return _public(response, expires - now.timestamp())

    return wrapper


def _public(response: HttpResponse, seconds: float) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=max(0, int(seconds)))
    patch_vary_headers(response, ["Cookie", "Authorization", "Accept"])
    return response
