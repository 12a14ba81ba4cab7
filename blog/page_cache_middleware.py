"""Anonymous page-cache hits answered before Django's handler, or before the rest of the
middleware, runs.

A cache hit used to go through every middleware (sessions, CSRF, auth, messages, CSP, ...)
and two Redis calls before the view's decorator found it; most of a hit's time went there
(issue 14). Two ways in, one rule (`early_hit`):

- `PageCacheFront` wraps the WSGI application (config/wsgi.py) and answers a hit before
  Django's handler builds its request, sends `request_started`/`request_finished` and
  runs the middleware: a hit then costs a `WSGIRequest`, the URL's recipe (kept per path),
  one Redis round trip (`pagecache.cache.look_up`) and the headers. About 100 µs of CPU less
  per hit than the same answer from the middleware (bench/profile_requests.py).
- `EarlyPageCacheMiddleware`, right after `RequestIdMiddleware`, answers hits where no
  front stands before the handler (the test client, ASGI), and on a miss stores what the
  stack rendered with the headers the response finally has.

Only requests the full stack would answer from the cache with the same bytes take this
path; everything else goes through the stack unchanged, where the decorator
(`pagecache.cache.cache_anonymous_page`) is the rule and still serves its hits:

- GET or HEAD, no session cookie, no `Authorization` header (logged-in users, API
  tokens), no `Origin` header (CORS answers depend on it), a host Django allows, and
  HTTPS where `SECURE_SSL_REDIRECT` would redirect;
- a URL whose view is cached (its `page_cache_recipe`, see `pagecache.cache`), with no query
  parameters the view does not read (`/?p=12` is an old permalink, answered by
  `blog.redirects`);
- an entry that the full stack wrote for the same key, with the final headers the stack
  gave it then (security headers, CSP, `Vary`, `ETag`), which is what is sent again.
  Only `Cache-Control` (the time left), the encoding and the request id are decided per
  request, and `If-None-Match` / `If-Modified-Since` are answered with 304 as
  `ConditionalGetMiddleware` would.

On a miss the lookup is left in the WSGI environ (`LOOKUP_KEY`): the stack runs with it
already done, the decorator leaves the new entry on it, and the middleware stores it.
The front's request is left there too (`REQUEST_KEY`): Django's handler takes it
(`request_for`, its `request_class` in config/wsgi.py) instead of building another.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from http import HTTPStatus
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_resolver
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe

from core.logs import request_id_for
from pagecache.cache import (
    LOOKUP_KEY,
    Recipe,
    body_for,
    cache_control,
    look_up,
    page_key,
    shared_seconds,
    store,
    weak,
)

logger = logging.getLogger(__name__)
# Where the front leaves the request it built, for Django's handler (`request_for`).
REQUEST_KEY = "broadsheet.request"

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
# Request headers that can turn a hit into a 304 or 412.
CONDITIONAL = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)


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


class Hit(NamedTuple):
    """A page-cache hit as WSGI sends it: status, final headers, body."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def response(self) -> HttpResponse:
        """The same answer as an `HttpResponse`, for the middleware path."""
        response = HttpResponse(self.body, status=self.status)
        for name, value in self.headers:
            response[name] = value
        return response


def early_hit(request: HttpRequest) -> Hit | None:
    """The page-cache hit for `request`, or None for the stack to answer.

    On a miss of a cacheable request the lookup is left in `request.META` (the environ),
    so the stack neither looks up nor stores twice.
    """
    if LOOKUP_KEY in request.META:
        return None  # looked up already, in front of the handler
    recipe = _recipe(request)
    keyed = page_key(request, recipe) if recipe is not None else None
    if keyed is None:
        return None
    now = time.time()
    lookup = look_up(keyed[0], now)
    entry = lookup.entry
    if (
        entry is not None
        and entry.get("headers") is not None
        and entry["secure"] == request.is_secure()
    ):
        return _hit(request, entry, now)
    request.META[LOOKUP_KEY] = lookup
    return None


class EarlyPageCacheMiddleware:
    """Answers anonymous page-cache hits first; stores what the stack renders on a miss."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        hit = early_hit(request)
        if hit is not None:
            return hit.response()
        response = self.get_response(request)
        lookup = request.META.get(LOOKUP_KEY)
        if (
            lookup is not None
            and lookup.pending is not None
            and response.status_code == 200
            and not response.cookies
            and not response.streaming
        ):
            kept = {"headers": _kept_headers(response), "secure": request.is_secure()}
            store(lookup, {**lookup.pending, **kept})
        return response


class PageCacheFront:
    """WSGI middleware: page-cache hits answered before Django's handler runs.

    Everything else, and any failure here, goes to the wrapped application unchanged.
    """

    def __init__(self, application: Callable) -> None:
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        try:
            request = WSGIRequest(environ)
            hit = early_hit(request)
        except Exception:  # the stack still answers; a hit is only ever a shortcut
            logger.exception("page-cache front failed; the stack answers")
            environ.pop(LOOKUP_KEY, None)
            hit = None
        else:
            if hit is None:
                environ[REQUEST_KEY] = request  # see request_for()
        if hit is None:
            return self.application(environ, start_response)
        start_response(
            f"{hit.status} {HTTPStatus(hit.status).phrase}",
            [*hit.headers, ("X-Request-ID", request_id_for(environ))],
        )
        return [hit.body]


def request_for(environ: dict) -> WSGIRequest:
    """Django's handler's `request_class` (config/wsgi.py): the request `PageCacheFront`
    built from this environ for its lookup, instead of the same one built again (a
    tenth of the handler's own cost per request); a new one when there is none."""
    request = environ.pop(REQUEST_KEY, None)
    return request if request is not None else WSGIRequest(environ)


def _recipe(request: HttpRequest) -> Recipe | None:
    """The cached view's recipe when this request may be answered early, else None."""
    meta = request.META
    if (
        settings.PAGE_CACHE_SECONDS <= 0
        or request.method not in ("GET", "HEAD")
        or "HTTP_AUTHORIZATION" in meta
        or "HTTP_ORIGIN" in meta
        # A precondition that fails is a 412 the stack words (a problem document under
        # /api/), and a kept gzipped copy has a weak tag that If-Match may never match.
        or "HTTP_IF_MATCH" in meta
        or "HTTP_IF_UNMODIFIED_SINCE" in meta
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


def _hit(request: HttpRequest, entry: dict, now: float) -> Hit:
    """The entry as this client gets it: its encoding, the time left, 304 when it has it."""
    body, gzipped = body_for(request, entry)
    kept = entry["headers"]  # validated when the stack first set them
    etag = kept.get("etag")
    if gzipped and etag is not None:
        etag = (etag[0], weak(etag[1]))
    headers = [pair for name, pair in kept.items() if name != "etag"]
    if etag is not None:
        headers.append(etag)
    if gzipped:
        headers.append(("Content-Encoding", "gzip"))
    headers += [
        ("Cache-Control", cache_control(shared_seconds(entry, now))),
        ("Content-Length", str(len(body))),
        ("X-Page-Cache", "hit"),
    ]
    hit = Hit(200, headers, body)
    meta = request.META
    if request.method == "GET" and any(name in meta for name in CONDITIONAL):
        return _conditional(request, hit, etag[1] if etag else None, kept.get("last-modified"))
    return hit


def _conditional(request: HttpRequest, hit: Hit, etag: str | None, modified) -> Hit:
    """304 (or 412) as `ConditionalGetMiddleware` would answer the same request."""
    last_modified = parse_http_date_safe(modified[1]) if modified else None
    if not etag and not last_modified:
        return hit
    response = get_conditional_response(
        request, etag=etag, last_modified=last_modified, response=hit.response()
    )
    return Hit(response.status_code, list(response.items()), response.content)
