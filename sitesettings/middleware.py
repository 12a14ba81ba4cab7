"""Reads the site's settings once per request and applies its time zone.

    MIDDLEWARE = [..., "django.contrib.auth.middleware.AuthenticationMiddleware",
                  "sitesettings.middleware.SiteSettingsMiddleware", ...]

One cache round trip (`loading.cached_values`), no query when warm. Every
`core.sitevalues.site_values()` of the request answers from that one read, and
`django.utils.timezone` uses the site's time zone for the whole request: dates shown to
readers, month archives (`TruncMonth` and `make_aware` use the current time zone), and
the admin's date widgets. Work outside a request (the worker's daily report, the
publish sweep) keeps `TIME_ZONE`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import lru_cache

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from core.sitevalues import read, using


@lru_cache(maxsize=16)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


class SiteSettingsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        values = read()
        timezone.activate(_zone(values.time_zone))
        try:
            with using(values):
                return self.get_response(request)
        finally:
            timezone.deactivate()
