"""Anonymous page-cache hits answered before the rest of the middleware runs.

Put `EarlyPageCacheMiddleware` right after `RequestIdMiddleware`. A cache hit used to go
through every middleware (sessions, CSRF, auth, messages, CSP, ...) and two Redis calls
before the view's decorator found it; most of a hit's time went there (issue 14). Here a
hit costs the URL resolver, one Redis round trip (`blog.cache.look_up`) and the headers.

Only requests the full stack would answer from the cache with the same bytes take this
path; everything else goes through the stack unchanged, where the decorator
(`blog.cache.cache_anonymous_page`) is the rule and still serves its hits:

- GET or HEAD, no session cookie, no `Authorization` header (logged-in users, API
  tokens), no `Origin` header (CORS answers depend on it), a host Django allows, and
  HTTPS where `SECURE_SSL_REDIRECT` would redirect;
- a URL whose view is cached (its `page_cache_recipe`, see `blog.cache`), with no query
  parameters the view does not read (`/?p=12` is an old permalink, answered by
  `transfer.middleware`);
- an entry that the full stack wrote for the same key, with the final headers the stack
  gave it then (security headers, CSP, `Vary`, `ETag`), which is what is sent again.
  Only `Cache-Control` (the time left) and the encoding are decided per request, and
  `If-None-Match` / `If-Modified-Since` are answered with 304 as
  `ConditionalGetMiddleware` would.

On a miss the stack runs with the lookup already done; the decorator leaves the new
entry on it and this middleware stores it with the headers the response finally has.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from .cache import (
    LOOKUP_ATTRIBUTE,
    Recipe,
    body_for,
    cache_control,
    look_up,
    page_key,
    store,
    weak,
)

# Headers decided per request (or never kept): everything else the stack set is kept.
PER_REQUEST = frozenset(
    {
        "cache-control",
        "content-encoding",
        "content-length",
        "date",
        "expires",
        "set-cookie",
        "x-page-cache",
        "x-request-id",
    }
)
PER_REQUEST_PREFIXES = ("ratelimit-", "access-control-")


def _kept_headers(response: HttpResponse) -> dict[str, tuple[str, str]]:
    """{lower-case name: (name, value)}, the shape of Django's `ResponseHeaders._store`."""
    return {
        name.lower(): (name, value)
        for name, value in response.items()
        if name.lower() not in PER_REQUEST and not name.lower().startswith(PER_REQUEST_PREFIXES)
    }


@lru_cache(maxsize=4096)
def recipe_for_path(urlconf: str, path: str) -> Recipe | None:
    """The page-cache recipe of the view at `path`, or None (not cached, or no such URL).

    Kept per path: resolving walks every include before the blog's (admin, accounts, API),
    which cost a hit as much as the rest of it. Bounded, so odd paths only evict.
    """
    try:
        match = get_resolver(urlconf).resolve(path)
    except Resolver404:
        return None
    return getattr(match.func, "page_cache_recipe", None)


class EarlyPageCacheMiddleware:
    """Answers anonymous page-cache hits first; stores what the stack renders on a miss."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        recipe = self._recipe(request)
        keyed = page_key(request, recipe) if recipe is not None else None
        if keyed is None:
            return self.get_response(request)
        now = time.time()
        lookup = look_up(keyed[0], now)
        secure = request.is_secure()
        entry = lookup.entry
        if entry is not None and entry.get("headers") is not None and entry["secure"] == secure:
            return self._hit(request, entry, now)
        setattr(request, LOOKUP_ATTRIBUTE, lookup)
        response = self.get_response(request)
        if (
            lookup.pending is not None
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            store(lookup, {**lookup.pending, "headers": _kept_headers(response), "secure": secure})
        return response

    def _recipe(self, request: HttpRequest) -> Recipe | None:
        """The cached view's recipe when this request may be answered here, else None."""
        meta = request.META
        if (
            settings.PAGE_CACHE_SECONDS <= 0
            or request.method not in ("GET", "HEAD")
            or "HTTP_AUTHORIZATION" in meta
            or "HTTP_ORIGIN" in meta
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or (settings.SECURE_SSL_REDIRECT and not request.is_secure())
            or settings.DISALLOWED_USER_AGENTS
        ):
            return None
        try:
            request.get_host()
        except DisallowedHost:
            return None  # the stack answers 400
        recipe = recipe_for_path(settings.ROOT_URLCONF, request.path_info)
        if recipe is None:
            return None
        query = meta.get("QUERY_STRING")
        if recipe.params is not None and query and set(request.GET) - recipe.params:
            return None
        return recipe

    def _hit(self, request: HttpRequest, entry: dict, now: float) -> HttpResponse:
        body, gzipped = body_for(request, entry)
        response = HttpResponse(body)
        store = getattr(response.headers, "_store", None)
        if isinstance(store, dict):
            # Validated when the stack first set them: no need to check each one again.
            store.update(entry["headers"])
        else:  # pragma: no cover - a Django without ResponseHeaders._store
            for name, value in entry["headers"].values():
                response[name] = value
        if gzipped:
            response["Content-Encoding"] = "gzip"
            if "ETag" in response:
                response["ETag"] = weak(response["ETag"])
        response["Cache-Control"] = cache_control(entry["expires"] - now)
        response["Content-Length"] = str(len(body))
        response["X-Page-Cache"] = "hit"
        if request.method != "GET":
            return response
        etag = response.get("ETag")
        last_modified = parse_http_date_safe(response.get("Last-Modified", "")) or None
        if etag or last_modified:
            return get_conditional_response(
                request, etag=etag, last_modified=last_modified, response=response
            )
        return response
