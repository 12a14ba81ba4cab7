"""A short page cache for anonymous readers (pages and API reads) that never shows a page
past its time, and never shows one visitor's page to another.

Each entry remembers when it stops being true: after `PAGE_CACHE_SECONDS`, or when the
next scheduled post goes public, whichever comes first. So a scheduled post appears on
time by `Post.objects.public()` alone, cached or not. Saving or deleting a post, and the
publish sweep, bump a generation number that retires every cached page at once: an entry
is good only while it carries the current generation. Both are read in one Redis round
trip (`MGET`), so a hit costs at most one call, and none while this process's copies
of both hold (core/cache.py, `TrackedReader`).

The key holds exactly what the response depends on, and nothing a visitor may vary at
will: the site origin (absolute URLs come from it, never from the Host header, see
core/origin.py), the path, the query parameters the view knows (the view is handed only
those, so `?utm_source=N` is the same page and the same entry) and the media type it
negotiates from `Accept` among those it offers. A response that sets a cookie, saved the
session or used the CSRF token belongs to one visitor: it is sent `private` and not kept.

`Cache-Control` says `s-maxage` (shared caches: nginx, a CDN) up to the entry's expiry,
and a `max-age` of at most `PAGE_BROWSER_CACHE_SECONDS` for browsers, which no one can
purge (docs/deploy.md: how long an unpublished post can stay visible). A 404 or 410 of a
cached view (a post unpublished, deleted or scheduled again) is sent `public` the same
way but never kept here: nginx stores it under the page's key, so it replaces nginx's
copy of the page within the micro-cache's seconds instead of leaving that copy to be
served stale to every reader who asks while another fetches (issue 33). Every anonymous
404 of a view gets the same lifetime, so it tells nothing about what is behind it.

Entries also keep the body gzipped (compressed once, when stored): a hit for a client
that accepts gzip (nginx passes its clients' `Accept-Encoding`) is sent compressed, so
neither this process nor nginx compresses the same page again for every reader.

`blog.page_cache_middleware.EarlyPageCacheMiddleware` answers hits before the rest of the
middleware runs; the decorator below is the rule, and serves every request the early
path leaves to it (a session cookie, an `Origin` header, unknown query parameters).
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.handlers.exception import response_for_exception
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

from core.cache import reconnected
from core.origin import site_origin

GENERATION_KEY = "pages:generation"
# Bumped when something many posts show changes (a category, tag, image): see below.
SHARED_GENERATION_KEY = "pages:shared-generation"
PAGE_PARAMS = ("page",)
# Answers that take a page down: sent `public` (never stored here), so that a shared cache
# (nginx) replaces its copy of the page with them instead of serving that copy on.
GONE = frozenset({404, 410})
HTML = ("text/html",)
# Same test as Django's GZipMiddleware.
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Below this, gzip saves too little to be worth a second copy.
GZIP_MIN_BYTES = 512
# The WSGI environ key (`request.META`) through which the early path and the decorator
# share one lookup and one write per request.
LOOKUP_KEY = "broadsheet.page_cache"


@dataclass(frozen=True)
class Recipe:
    """What a cached view's key depends on: its query parameters and media types."""

    params: frozenset[str] | None
    offered: tuple[str, ...] | None


@dataclass
class Lookup:
    """One request's key, the generation read with it, the entry found (if any), and,
    after a miss, the entry to store (left for the early middleware to complete)."""

    key: str
    generation: Any
    entry: dict | None
    pending: dict | None = None


def invalidate_pages(*, shared: bool = True) -> None:
    """Retire every cached page, kept count and kept piece (cheap: one Redis write).

    `shared=False` when only posts themselves changed (a post saved or deleted, posts
    gone public): a post's kept summary (blog/fragments.py) names the version of the
    post it shows, so the other posts' summaries stay. Anything else (a category, tag,
    tag list or image, an import) may show in many posts' summaries: it retires them too.
    """
    now = timezone.now().timestamp()
    cache.set_many(
        {GENERATION_KEY: now, **({SHARED_GENERATION_KEY: now} if shared else {})}, timeout=None
    )


@receiver(reconnected)
def retire_pages_after_outage(sender: Any, server: str, **kwargs: Any) -> None:
    """Redis is back for this process after an outage: retire every cached page.

    A save during the outage could not bump the generation (its write was refused or
    lost), and Redis may come back with the entries that save should have retired (a
    frozen server thawing; a restart from its append-only file). Every process that
    saw the outage bumps once, as soon as its breaker closes: the saving process among
    them, since its own refused write opened its breaker, and its breaker probes Redis
    by itself, so that is within one cooldown of Redis answering again (issue 33).
    """
    if server == _default_server():
        invalidate_pages()


def _default_server() -> str:
    location = settings.CACHES["default"].get("LOCATION", "")
    return str(location[0] if isinstance(location, list | tuple) else location)


def _expires_at(now: datetime) -> datetime:
    from pagecache.counts import next_go_live  # it keys on this module's generation; avoid a cycle

    soonest = now + timezone.timedelta(seconds=settings.PAGE_CACHE_SECONDS)
    next_scheduled = next_go_live(now)  # one query per content change, shared with counts
    return min(soonest, next_scheduled) if next_scheduled else soonest


def known_query(request: HttpRequest, params: frozenset[str] | None) -> str:
    """The query string reduced to `params`, in a fixed order.

    `None`: the view checks its parameters itself (the API answers 400 to unknown ones,
    and errors are never cached), so the whole query string keys the entry.
    """
    raw = request.META.get("QUERY_STRING", "")
    if params is None or not raw:
        return raw
    known = QueryDict(mutable=True)
    for name in sorted(set(request.GET) & params):
        known.setlist(name, request.GET.getlist(name))
    return known.urlencode()


def _hand_known_query(request: HttpRequest, query: str) -> None:
    """The view sees only the parameters it knows."""
    if query != request.META.get("QUERY_STRING", ""):
        request.META["QUERY_STRING"] = query
        request.GET = QueryDict(query)


def page_key(request: HttpRequest, recipe: Recipe) -> tuple[str, str] | None:
    """(cache key, negotiated media type) of this request; None when nothing offered fits."""
    variant = request.get_preferred_type(recipe.offered) if recipe.offered else ""
    if variant is None:
        return None
    query = known_query(request, recipe.params)
    parts = f"{site_origin()}\n{request.path}\n{query}\n{variant}"
    return f"page:{hashlib.sha256(parts.encode()).hexdigest()}", variant


def get_many_at_once(keys: list[str]) -> dict[str, Any]:
    """`cache.get_many(keys)` as one `MGET` on the Redis backend's fast path
    (core/cache.py); {} when Redis is away."""
    fast = getattr(caches["default"], "get_many_fast", None)
    return fast(keys) if fast else cache.get_many(keys)


def with_generation(key: str) -> tuple[Any, Any]:
    """(current generation, value under `key`), in one round trip."""
    found = get_many_at_once([GENERATION_KEY, key])
    return found.get(GENERATION_KEY, 0), found.get(key)


def look_up(key: str, now: float) -> Lookup:
    """The current generation and the entry under `key`, in one round trip; a stale or
    expired entry is not returned."""
    generation, entry = with_generation(key)
    if entry and (entry.get("generation") != generation or entry["expires"] <= now):
        entry = None
    return Lookup(key=key, generation=generation, entry=entry)


def store(lookup: Lookup, entry: dict) -> None:
    cache.set(lookup.key, entry, timeout=settings.PAGE_CACHE_SECONDS)


def accepts_gzip(request: HttpRequest) -> bool:
    return bool(_ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))


def body_for(request: HttpRequest, entry: dict) -> tuple[bytes, bool]:
    """The entry's body for this client, and whether it is the gzipped copy.

    Never the gzipped copy for a request with `If-Match`: its tag would be weak, and a
    precondition compares strongly, so even the current version would fail (issue 25).
    """
    if (
        entry.get("gzip") is not None
        and accepts_gzip(request)
        and "HTTP_IF_MATCH" not in request.META
    ):
        return entry["gzip"], True
    return entry["content"], False


def weak(etag: str) -> str:
    """A compressed copy is not byte-for-byte the representation a strong ETag names."""
    return etag if etag.startswith("W/") else f"W/{etag}"


def shared_seconds(entry: dict, now: float) -> float:
    """How long shared caches may still keep `entry`: its lifetime counted from when it
    was made, never the time left before a scheduled post goes live (which cuts the app's
    own entry short: a count-down to it in `s-maxage` would tell anyone the embargo). A
    CDN may so show a scheduled post up to `PAGE_CACHE_SECONDS` late; nginx's micro-cache
    and browsers keep pages for 5 s."""
    return entry.get("shared_until", entry["expires"]) - now


def cache_control(seconds: float) -> str:
    """`public`, `s-maxage` up to the entry's expiry, a short `max-age` for browsers."""
    shared = max(0, int(seconds))
    browser = min(shared, settings.PAGE_BROWSER_CACHE_SECONDS)
    return f"public, max-age={browser}, s-maxage={shared}"


def _personal(request: HttpRequest, response: HttpResponse) -> bool:
    """Did rendering make this response one visitor's own (cookie, session, CSRF token)?"""
    session = getattr(request, "session", None)
    return bool(
        response.cookies
        or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or (session is not None and session.modified)
    )


def _new_entry(response: HttpResponse, lookup: Lookup, expires: float) -> dict:
    content = response.content
    return {
        "generation": lookup.generation,
        "expires": expires,
        "shared_until": timezone.now().timestamp() + settings.PAGE_CACHE_SECONDS,
        "content": content,
        "gzip": (
            gzip.compress(content, compresslevel=6, mtime=0)
            if len(content) >= GZIP_MIN_BYTES
            else None
        ),
        "content_type": response["Content-Type"],
        "validators": {h: response[h] for h in ("ETag", "Last-Modified") if h in response},
    }


def _hit(request: HttpRequest, entry: dict, now: float, offered) -> HttpResponse:
    body, gzipped = body_for(request, entry)
    response = HttpResponse(body, content_type=entry["content_type"])
    for header, value in entry.get("validators", {}).items():
        response[header] = value  # a hit answers conditional requests as a miss
    if gzipped:
        response["Content-Encoding"] = "gzip"
        if "ETag" in response:
            response["ETag"] = weak(response["ETag"])
    response["X-Page-Cache"] = "hit"
    return _public(response, shared_seconds(entry, now), offered)


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
    Use bare (`@cache_anonymous_page`) or with arguments. The decorated view carries its
    `Recipe` as `page_cache_recipe`, which Django copies onto `as_view()` (like
    `csrf_exempt`), so the early middleware finds it from the resolved URL.
    """
    recipe = Recipe(
        params=frozenset(params) if params is not None else None,
        offered=tuple(media_types) if media_types else None,
    )

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
            keyed = page_key(request, recipe)
            if keyed is None:  # nothing we offer: the view answers 406, uncached
                return view(request, *args, **kwargs)
            key, variant = keyed
            _hand_known_query(request, known_query(request, recipe.params))
            now = timezone.now()
            lookup = request.META.get(LOOKUP_KEY)
            if lookup is None or lookup.key != key:
                lookup = look_up(key, now.timestamp())
            if lookup.entry is not None:
                return _hit(request, lookup.entry, now.timestamp(), recipe.offered)
            response = _answer(view, request, *args, **kwargs)
            if hasattr(response, "render") and callable(response.render):
                response = response.render()
            if _personal(request, response):
                patch_cache_control(response, private=True, no_cache=True)
                return response
            if "no-store" in response.get("Cache-Control", ""):
                return response  # the view's own word: an answer the clock changes (sync)
            if response.status_code in GONE:
                seconds = _expires_at(now).timestamp() - now.timestamp()
                return _public(response, seconds, recipe.offered)
            if response.status_code != 200 or (
                variant and response.get("Content-Type", "").split(";")[0].strip() != variant
            ):
                return response
            expires = _expires_at(now).timestamp()
            entry = _new_entry(response, lookup, expires)
            if request.META.get(LOOKUP_KEY) is lookup:
                lookup.pending = entry  # the early middleware adds the final headers, stores
            else:
                store(lookup, entry)
            response["X-Page-Cache"] = "miss"
            return _public(response, shared_seconds(entry, now.timestamp()), recipe.offered)

        wrapper.page_cache_recipe = recipe
        return wrapper

    return decorator(view) if view is not None else decorator


def _answer(view: Callable[..., HttpResponse], request: HttpRequest, *args, **kwargs):
    """The view's response, its `Http404` made into the site's 404 page here (as Django's
    handler would make it), so that the not-found answer gets shared-cache headers too."""
    try:
        return view(request, *args, **kwargs)
    except Http404 as error:
        return response_for_exception(request, error)


def vary_on(offered) -> list[str]:
    return ["Cookie", "Authorization", "Accept-Encoding", *(["Accept"] if offered else [])]


def _public(response: HttpResponse, seconds: float, offered) -> HttpResponse:
    if "Cache-Control" in response:  # the view's own directives stay
        shared = max(0, int(seconds))
        browser = min(shared, settings.PAGE_BROWSER_CACHE_SECONDS)
        patch_cache_control(response, public=True, max_age=browser, s_maxage=shared)
    else:
        response["Cache-Control"] = cache_control(seconds)
    patch_vary_headers(response, vary_on(offered))
    return response
