"""A short page cache for anonymous readers (pages and API reads) that never shows a page
past its time, and never shows one visitor's page to another.

    @method_decorator(cache_anonymous_page, name="dispatch")            # reads `?page=`
    @method_decorator(cache_anonymous_page(params=()), name="dispatch")  # reads none

Why not Django's `cache_page`: its entries outlive a scheduled post's go-live time, its
key holds the whole query string and the Host header, and it stores pages that set a
cookie (docs/decisions/0001-speed-page-cache-decorator.md).

Each entry remembers when it stops being true: after `PAGE_CACHE_SECONDS`, or when the
next scheduled change comes (a post going public or expiring), whichever comes first. So
a scheduled post appears, and an expiring one leaves, on time by `Post.objects.public()`
alone, cached or not. Saving or deleting a post, and the
publish sweep, bump a generation number that retires every cached page at once: an entry
is good only while it carries the current generation. Both are read in one round trip
(`cache.get_many`, one `MGET` on Redis).

The key holds exactly what the response depends on, and nothing a visitor may vary at
will: the site origin (absolute URLs come from it, never from the Host header, see
core/origin.py), the path, the query parameters the view declares (`params`: so
`?utm_source=N` is the same page and the same entry) and the media type it negotiates
from `Accept` among those it offers. A view that reads a query parameter it did not
declare raises `UndeclaredQueryParameter`: the page would otherwise be cached for one
value and served for every other. `query_parameters()` is the union of what the cached
views declare; nginx keys its micro-cache on the same names (a test compares them).
A response that sets a cookie, saved the session or used the CSRF token belongs to one
visitor: it is sent `private` and not cached.

`Cache-Control` says `s-maxage` (shared caches: nginx, a CDN) up to the entry's expiry,
and a `max-age` of at most `PAGE_BROWSER_CACHE_SECONDS` for browsers, which no one can
purge (docs/deploy.md: how long an unpublished post can stay visible). A 404 or 410 of a
cached view (a post unpublished, deleted or scheduled again) is sent `public` the same
way but never cached here: nginx stores it under the page's key, so it replaces nginx's
copy of the page within the micro-cache's seconds instead of leaving that copy to be
served stale to every reader who asks while another fetches. Every anonymous 404 of a
view gets the same lifetime, so it tells nothing about what is behind it.

Entries also hold the body gzipped (compressed once, when stored): a hit for a client
that accepts gzip (nginx passes its clients' `Accept-Encoding`) is sent compressed, so
neither this process nor nginx compresses the same page again for every reader.
"""

from __future__ import annotations

import gzip
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.exception import response_for_exception
from django.dispatch import receiver
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers, set_response_etag
from django.utils.module_loading import import_string

from core.cache import reconnected
from core.origin import site_origin
from core.sitevalues import generation_seen

GENERATION_KEY = "pages:generation"
# Bumped when something many posts show changes (a category, tag, image): see below.
SHARED_GENERATION_KEY = "pages:shared-generation"
# What a listing reads by default: its page number.
PAGE_PARAMS = ("page",)
# Answers that take a page down: sent `public` (never stored here), so that a shared cache
# (nginx) replaces its copy of the page with them instead of serving that copy on.
GONE = frozenset({404, 410})
# Same test as Django's GZipMiddleware.
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Below this, gzip saves too little to be worth a second copy.
GZIP_MIN_BYTES = 512


@dataclass(frozen=True)
class KeyParameters:
    """What a cached view's key depends on besides its path: the query parameters it
    reads (None: all of them) and the media types it offers by `Accept` (None: it
    ignores `Accept`)."""

    params: frozenset[str] | None
    offered: tuple[str, ...] | None


@dataclass
class Lookup:
    """One request's key, the generation read with it and the entry found (if any)."""

    key: str
    generation: Any
    entry: dict | None


class UndeclaredQueryParameter(ImproperlyConfigured):
    """A cached view read a query parameter that its `params` do not name."""


class DeclaredQuery(QueryDict):
    """`request.GET` as a cached view sees it: the same values, but reading a name the
    view did not declare (or every name, when an undeclared one was sent) raises
    `UndeclaredQueryParameter`, whether or not the client sent that name."""

    def __init__(self, query: str, declared: frozenset[str], encoding: str | None) -> None:
        self.declared: frozenset[str] | None = None  # filling itself reads its own names
        super().__init__(query, encoding=encoding)
        self.declared = declared

    def _check(self, name: str) -> None:
        if self.declared is not None and name not in self.declared:
            raise UndeclaredQueryParameter(
                f"this cached view reads ?{name}= but its cache key does not: add it to "
                f"cache_anonymous_page(params=...) (declared: {sorted(self.declared)})"
            )

    def _check_all(self) -> None:
        for name in dict.keys(self):
            self._check(name)

    def __getitem__(self, name: str) -> Any:
        self._check(name)
        return super().__getitem__(name)

    def __contains__(self, name: object) -> bool:
        self._check(str(name))
        return super().__contains__(name)

    def get(self, name: str, default: Any = None) -> Any:
        self._check(name)
        return super().get(name, default)

    def getlist(self, name: str, default: Any = None) -> list:
        self._check(name)
        return super().getlist(name, default)

    def __iter__(self) -> Iterator[str]:
        self._check_all()
        return super().__iter__()

    def keys(self):
        self._check_all()
        return super().keys()

    def items(self):
        self._check_all()
        return super().items()

    def lists(self):
        self._check_all()
        return super().lists()

    def values(self):
        self._check_all()
        return super().values()

    def dict(self) -> dict:
        self._check_all()
        return super().dict()

    def urlencode(self, safe: str | None = None) -> str:
        self._check_all()
        return super().urlencode(safe)

    def copy(self) -> QueryDict:
        """A plain, mutable `QueryDict` (what `QueryDict.copy()` returns)."""
        self._check_all()
        return QueryDict(super().urlencode(), mutable=True, encoding=self.encoding)

    def __copy__(self) -> QueryDict:
        return self.copy()

    def __deepcopy__(self, memo: dict) -> QueryDict:
        return self.copy()


def invalidate_pages(*, shared: bool = True) -> None:
    """Retire every cached page, cached count and cached fragment (one cache write).

    `shared=False` when only posts themselves changed (a post saved or deleted, posts
    gone public): a post's cached summary (blog/fragments.py) names the version of the
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
    by itself, so that is within one cooldown of Redis answering again.
    """
    if server == _default_server():
        invalidate_pages()


def _default_server() -> str:
    location = settings.CACHES["default"].get("LOCATION", "")
    return str(location[0] if isinstance(location, list | tuple) else location)


def _expires_at(now: datetime) -> datetime:
    from .counts import next_go_live  # it keys on this module's generation; avoid a cycle

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


def page_key(request: HttpRequest, parameters: KeyParameters) -> tuple[str, str] | None:
    """(cache key, negotiated media type) of this request; None when nothing offered fits."""
    offered = parameters.offered
    variant = request.get_preferred_type(offered) if offered else ""
    if variant is None:
        return None
    return path_key(request.path, known_query(request, parameters.params), variant), variant


def path_key(path: str, query: str = "", variant: str = "") -> str:
    """The cache key of the page at `path` with `query` (as `known_query` reduces it)
    and the negotiated media type `variant` ("" for a view that ignores `Accept`)."""
    parts = f"{site_origin()}\n{path}\n{query}\n{variant}"
    return f"page:{hashlib.sha256(parts.encode()).hexdigest()}"


def forget_page(path: str) -> None:
    """Retire the cached entry of one page at its plain address (no query string, a
    view that ignores `Accept`), leaving every other page cached: a change that shows
    on that page alone (a comment under a post). Its entries with a query string
    (`?page=2`) expire on their own, within `PAGE_CACHE_SECONDS`."""
    cache.delete(path_key(path))


def look_up(key: str, now: float) -> Lookup:
    """The current generation and the entry under `key`, in one round trip; a stale or
    expired entry is not returned."""
    found = cache.get_many([GENERATION_KEY, key])
    generation, entry = found.get(GENERATION_KEY, 0), found.get(key)
    generation_seen(generation)  # the site settings' copy is checked in the same trip
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
    precondition compares strongly, so even the current version would fail.
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

    `params`: the query parameters the view reads, the only ones in its key (reading
    another is `UndeclaredQueryParameter`); None for a view that refuses unknown ones
    itself (its whole query string keys the entry).
    `media_types`: what the view offers by `Accept` (None: it ignores `Accept`).
    Use bare (`@cache_anonymous_page`) or with arguments. The decorated view carries its
    `KeyParameters` as `page_cache_key_parameters`, which Django copies onto `as_view()`
    (like `csrf_exempt`), so `query_parameters()` finds it from the URLconf.
    """
    parameters = KeyParameters(
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
                # A session may hold a reader of another kind (a signed-in member sees
                # members-only bodies): as nginx, never serve or store a page for it.
                or request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            ):
                response = view(request, *args, **kwargs)
                if request.user.is_authenticated or request.COOKIES.get(
                    settings.SESSION_COOKIE_NAME
                ):
                    patch_cache_control(response, private=True, no_cache=True)
                return response
            keyed = page_key(request, parameters)
            if keyed is None:  # nothing we offer: the view answers 406, uncached
                return view(request, *args, **kwargs)
            key, variant = keyed
            now = timezone.now()
            lookup = look_up(key, now.timestamp())
            if lookup.entry is not None:
                return _hit(request, lookup.entry, now.timestamp(), parameters.offered)
            request.page_cache_query = known_query(request, parameters.params)
            response = _answer(view, parameters.params, request, *args, **kwargs)
            if _personal(request, response):
                patch_cache_control(response, private=True, no_cache=True)
                return response
            if "no-store" in response.get("Cache-Control", ""):
                return response  # the view's own word: an answer the clock changes (sync)
            if response.status_code in GONE:
                seconds = _expires_at(now).timestamp() - now.timestamp()
                return _public(response, seconds, parameters.offered)
            if response.status_code != 200 or (
                variant and response.get("Content-Type", "").split(";")[0].strip() != variant
            ):
                return response
            if not response.has_header("ETag"):
                # ConditionalGetMiddleware's tag, set here so that the entry keeps it: a
                # hit's gzipped body would otherwise be tagged as other content.
                set_response_etag(response)
            entry = _new_entry(response, lookup, _expires_at(now).timestamp())
            store(lookup, entry)
            response["X-Page-Cache"] = "miss"
            return _public(response, shared_seconds(entry, now.timestamp()), parameters.offered)

        wrapper.page_cache_key_parameters = parameters
        return wrapper

    return decorator(view) if view is not None else decorator


def _answer(
    view: Callable[..., HttpResponse],
    params: frozenset[str] | None,
    request: HttpRequest,
    *args,
    **kwargs,
) -> HttpResponse:
    """The view's response, rendered, with `request.GET` guarded by `params` while the
    view runs; its `Http404` made into the site's 404 page here (as Django's handler
    would make it), so that the not-found answer gets shared-cache headers too. (Its
    canonical URL holds only the declared parameters: blog.context_processors.page_url
    reads `request.page_cache_query`.)"""
    original = request.GET
    if params is not None:
        request.GET = DeclaredQuery(
            request.META.get("QUERY_STRING", ""), params, encoding=request.encoding
        )
    try:
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        return response
    except Http404 as error:
        return response_for_exception(request, error)
    finally:
        request.GET = original


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


def cached_views(
    patterns: Iterable[URLPattern | URLResolver] | None = None,
) -> Iterator[tuple[URLPattern, KeyParameters]]:
    """Every URL pattern whose view is page-cached, with its key parameters."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from cached_views(pattern.url_patterns)
        else:
            parameters = _key_parameters(pattern.callback)
            if parameters is not None:
                yield pattern, parameters


def _key_parameters(view: Callable) -> KeyParameters | None:
    """The view's `KeyParameters`; for a class-based view whose `dispatch` overrides a
    cached one (`PostIndexView`), the cached `dispatch`'s."""
    found = getattr(view, "page_cache_key_parameters", None)
    for klass in getattr(getattr(view, "view_class", None), "__mro__", ()):
        if found is not None:
            break
        found = getattr(vars(klass).get("dispatch"), "page_cache_key_parameters", None)
    return found


def query_parameters() -> frozenset[str]:
    """The query parameters that key the cached pages (views with `params=None`, the
    API, key on their whole query string and are not counted), and those a middleware
    answers before any view (its `page_cache_query_parameters`: WordPress's `?page_id=ID`
    is a redirect on any page): the one list nginx's micro-cache key must name too
    (deploy/nginx/broadsheet.conf.template)."""
    names: set[str] = set()
    for _, parameters in cached_views():
        names |= parameters.params or set()
    for path in settings.MIDDLEWARE:
        names |= getattr(import_string(path), "page_cache_query_parameters", set())
    return frozenset(names)
