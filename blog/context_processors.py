"""The site's settings for every template; the page's URL."""

from django.http import HttpRequest
from django.utils.encoding import escape_uri_path, iri_to_uri
from django.utils.functional import SimpleLazyObject

from core.sitevalues import site_values


def site(request: HttpRequest | None) -> dict:
    """`site` (`core.sitevalues.SiteValues`: the settings editors saved), and its
    `site_name`, `site_description` (also for fragments rendered without a request)."""
    values = site_values()
    return {"site": values, "site_name": values.name, "site_description": values.description}


def page_url(request: HttpRequest) -> dict:
    """The page's absolute URL (the layout's canonical link), found only when shown (an
    admin page or a 400 for an unknown host never asks). On a cached page, with only the
    query parameters its cache key holds (`pagecache.cache`): one visitor's `?utm_source=`
    must not be written into the copy every visitor gets. (A `SimpleLazyObject`: `lazy()`
    builds a new proxy class at each call, a tenth of a millisecond a page.)"""
    query = getattr(request, "page_cache_query", None)
    if query is None:
        return {"page_url": SimpleLazyObject(request.build_absolute_uri)}
    location = escape_uri_path(request.path) + (f"?{iri_to_uri(query)}" if query else "")
    return {"page_url": SimpleLazyObject(lambda: request.build_absolute_uri(location))}
