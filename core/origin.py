"""The site's one origin (`BROADSHEET_SITE_URL`): every absolute URL starts with it.

A request's `Host` header and scheme are chosen by whoever sends the request; a page
cached with them would hand one visitor's `Host: example.com:6666` to every later reader.
So absolute URLs (canonical, og:url, JSON-LD, feeds, sitemap, robots.txt, API links,
password-reset mails) never come from the request:

- `site_url(path)` is the rule: the configured origin plus a path. Use it wherever there
  is no request (tasks, mails, webhooks) or where a URL is written by hand.
- `absolute_url(url, base)` and `with_absolute_urls(html, base)` make the addresses in a
  stored body absolute for readers that have no page to resolve them against: feed
  readers and mail clients.
- `SiteOriginMiddleware` makes `request.build_absolute_uri()` follow the same rule, so
  Django, DRF (pagination links, hyperlinks) and templates need no changes. It gives the
  request its own `build_absolute_uri`, which asks Django's method on `site_request()`:
  public API only, and Django's rules for relative and `//` locations stay Django's.
- `on_site_origin(view)` hands a view a copy of the request whose host and scheme are the
  site's, for Django views that read `get_current_site(request)` and
  `request.is_secure()` themselves (syndication feeds, sitemaps, password reset).

The request's own Host still decides what Django validates (`ALLOWED_HOSTS`) and what
CSRF compares against, so a developer on 127.0.0.1 can still log in.
"""

from __future__ import annotations

import copy
import html as html_lib
import re
from collections.abc import Callable
from functools import lru_cache, wraps
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from config.settings.values import parse_origin


def site_origin() -> str:
    """`scheme://host[:port]` of the site, without a trailing slash."""
    return _parsed_origin(settings.SITE_URL)


def site_url(path: str = "/") -> str:
    """The absolute URL of `path` (which starts with `/`) on the site's origin."""
    return f"{site_origin()}{path}"


def absolute_url(url: str, base: str | None = None) -> str:
    """`url` as an absolute URL: one with a scheme as it is, a path on the site's origin
    (media too), anything else relative to `base` (a post's own address, for `#section`
    links and relative paths)."""
    if urlsplit(url).scheme:
        return url
    if url.startswith("//"):
        return f"{urlsplit(site_origin()).scheme}:{url}"
    if url.startswith("/"):
        return site_url(url)
    return urljoin(base or site_url("/"), url)


_URL_ATTRIBUTE = re.compile(r'\b(href|src)="([^"]*)"')


def with_absolute_urls(html: str, base: str) -> str:
    """Sanitised HTML (double-quoted attributes, as the sanitiser writes them) with every
    `href` and `src` absolute (`absolute_url`); linear in the HTML."""
    return _URL_ATTRIBUTE.sub(
        lambda m: f'{m[1]}="{html_lib.escape(absolute_url(html_lib.unescape(m[2]), base))}"',
        html,
    )


# Every request asks (the middleware below, the page cache's key): parse each value once.
_parsed_origin = lru_cache(maxsize=8)(parse_origin)


class SiteOriginMiddleware:
    """`request.build_absolute_uri()` answers on the site's origin, whatever the Host."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Only the URLs the request builds change: `get_host()` (ALLOWED_HOSTS) and the
        # CSRF origin check still see the request's own Host.
        request.build_absolute_uri = SiteURIs(request)
        return self.get_response(request)


class SiteURIs:
    """A request's `build_absolute_uri`, computed by Django on a copy on the site's origin.

    The copy (`site_request`) is made once per request, at the first absolute URL: an
    API page builds one per item.
    """

    __slots__ = ("request", "site")

    def __init__(self, request: HttpRequest) -> None:
        self.request, self.site = request, None

    def __call__(self, location: str | None = None) -> str:
        if self.site is None:
            self.site = site_request(self.request)
        # Django's own method, called on the copy (the copy's attribute is this object).
        return HttpRequest.build_absolute_uri(self.site, location)


def site_request(request: HttpRequest) -> HttpRequest:
    """A copy of `request` that reports the site's host and scheme."""
    parts = urlsplit(site_origin())
    clone = copy.copy(request)
    meta = {**request.META, "HTTP_HOST": parts.netloc, "wsgi.url_scheme": parts.scheme}
    meta.pop("HTTP_X_FORWARDED_HOST", None)
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        meta[header] = secure_value if parts.scheme == "https" else "http"
    clone.META = meta
    if hasattr(clone, "environ"):  # WSGI: the scheme is read from the environ
        clone.environ = meta
    if hasattr(clone, "scope"):  # ASGI: from the scope
        clone.scope = {**clone.scope, "scheme": parts.scheme}
    # Configured, so trusted: not checked against ALLOWED_HOSTS like a client's Host.
    clone.get_host = lambda: parts.netloc
    return clone


def on_site_origin(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run `view` with `site_request(request)`: its absolute URLs use the site origin."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return view(site_request(request), *args, **kwargs)

    return wrapper
