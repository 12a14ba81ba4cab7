"""A short page cache for anonymous readers (pages and API reads) that never shows a page
past its time, and never shows one visitor's page to another.

Each entry remembers when it stops being true: after `PAGE_CACHE_SECONDS`, or when the
next scheduled post goes public, whichever comes first. So a scheduled post appears on
time by `Post.objects.public()` alone, cached or not. Saving or deleting a post, and the
publish sweep, bump a generation number that retires every cached page at once.

The key holds exactly what the response depends on, and nothing a visitor may vary at
will: the site origin (absolute URLs come from it, never from the Host header, see
config/origin.py), the path, the query parameters the view knows (the view is handed only
those, so `?utm_source=N` is the same page and the same entry) and the media type it
negotiates from `Accept` among those it offers. A response that sets a cookie, saved the
session or used the CSRF token belongs to one visitor: it is sent `private` and not kept.

`Cache-Control` says `s-maxage` (shared caches: nginx, a CDN) up to the entry's expiry,
and a `max-age` of at most `PAGE_BROWSER_CACHE_SECONDS` for browsers, which no one can
purge (docs/deploy.md: how long an unpublished post can stay visible).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from config.origin import site_origin

GENERATION_KEY = "pages:generation"
PAGE_PARAMS = ("page",)
HTML = ("text/html",)


def invalidate_pages() -> None:
    """Retire every cached page (cheap: one Redis write)."""
    cache.set(GENERATION_KEY, timezone.now().timestamp(), timeout=None)


def _generation() -> str:
    return str(cache.get(GENERATION_KEY, 0))


def _expires_at(now: datetime) -> datetime:
    from .counts import next_go_live  # it keys on this module's generation; avoid a cycle

    soonest = now + timezone.timedelta(seconds=settings.PAGE_CACHE_SECONDS)
    next_scheduled = next_go_live(now)  # one query per content change, shared with counts
    return min(soonest, next_scheduled) if next_scheduled else soonest


def _known_query(request: HttpRequest, params: frozenset[str] | None) -> str:
    """The query string reduced to `params`, in a fixed order; the view sees only this.

    `None`: the view checks its parameters itself (the API answers 400 to unknown ones,
    and errors are never cached), so the whole query string keys the entry.
    """
    if params is None:
        return request.META.get("QUERY_STRING", "")
    known = QueryDict(mutable=True)
    for name in sorted(set(request.GET) & params):
        known.setlist(name, request.GET.getlist(name))
    query = known.urlencode()
    if query != request.META.get("QUERY_STRING", ""):
        request.META["QUERY_STRING"] = query
        request.GET = QueryDict(query)
    return query


def _personal(request: HttpRequest, response: HttpResponse) -> bool:
    """Did rendering make this response one visitor's own (cookie, session, CSRF token)?"""
    session = getattr(request, "session", None)
    return bool(
        response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (session is not None and session.modified)
    )


def cache_anonymous_page(
    view: Callable[..., HttpResponse] | None = None,
    *,
    params: Iterable[str] | None = PAGE_PARAMS,
    media_types: Iterable[str] | None = None,
):
    """Serve anonymous GETs of `view` from the cache; others always get a fresh page.

    `params`: the query parameters the view reads (others are dropped before it runs);
    None for a view that refuses unknown ones itself.
    `media_types`: what the view offers by `Accept` (None: it ignores `Accept`).
    Use bare (`@cache_anonymous_page`) or with arguments.
    """
    known = frozenset(params) if params is not None else None
    offered = list(media_types) if media_types else None

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
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
            variant = request.get_preferred_type(offered) if offered else ""
            query = _known_query(request, known)
            if variant is None:  # nothing we offer: the view answers 406, uncached
                return view(request, *args, **kwargs)
            parts = f"{site_origin()}\n{request.path}\n{query}\n{variant}"
            key = f"page:{_generation()}:{hashlib.sha256(parts.encode()).hexdigest()}"
            now = timezone.now()
            hit = cache.get(key)
            if hit and hit["expires"] > now.timestamp():
                response = HttpResponse(hit["content"], content_type=hit["content_type"])
                for header, value in hit.get("validators", {}).items():
                    response[header] = value  # a hit answers conditional requests as a miss
                response["X-Page-Cache"] = "hit"
                return _public(response, hit["expires"] - now.timestamp(), offered)
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if _personal(request, response):
                patch_cache_control(response, private=True, no_cache=True)
                return response
            if response.status_code != 200 or (
                variant and response.get("Content-Type", "").split(";")[0].strip() != variant
            ):
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
            return _public(response, expires - now.timestamp(), offered)

        return wrapper

    return decorator(view) if view is not None else decorator


def _public(response: HttpResponse, seconds: float, offered: list[str] | None) -> HttpResponse:
    shared = max(0, int(seconds))
    browser = min(shared, settings.PAGE_BROWSER_CACHE_SECONDS)
    patch_cache_control(response, public=True, max_age=browser, s_maxage=shared)
    patch_vary_headers(response, ["Cookie", "Authorization", *(["Accept"] if offered else [])])
    return response
