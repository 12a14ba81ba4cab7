"""Reads the site's settings once per request and applies its time zone.

    MIDDLEWARE = [..., "django.contrib.auth.middleware.AuthenticationMiddleware",
                  "sitesettings.middleware.SiteSettingsMiddleware", ...]

No query and, on a page the page cache serves, no cache round trip of its own: the
process's copy is checked in the page cache's read (`core.sitevalues.request_scope`).
Every `core.sitevalues.site_values()` of the request answers from that copy, and
`django.utils.timezone` uses the site's time zone for the whole request: dates shown to
readers, month archives (`TruncMonth` and `make_aware` use the current time zone), and
the admin's date widgets. The API is left alone (its dates stay in UTC). Work outside a
request (the worker's daily report, the publish sweep) keeps `TIME_ZONE`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core.sitevalues import request_scope

# The API reads no site setting: its dates stay in UTC, and it pays nothing here.
API_PREFIX = "/api/"


class SiteSettingsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # An anonymous GET is the page cache's: it checks the copy in its own round trip.
        # Anything else (the admin, a form, a logged-in reader) checks it now.
        anonymous_read = request.method in ("GET", "HEAD") and not request.user.is_authenticated
        reader_page = not request.path_info.startswith(API_PREFIX)
        with request_scope(check_now=not anonymous_read, read_now=reader_page):
            return self.get_response(request)
