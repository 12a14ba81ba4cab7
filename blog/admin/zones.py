"""The editor's time zone: times in the admin are shown and typed in it, with its name.

The browser tells its zone (`static/editor/editor.js` keeps it in the `COOKIE` cookie);
the post form also carries the zone it was rendered in (`FIELD`), so a form filled in one
zone is read in that zone even if the cookie changed meanwhile. Without either, the
site's zone (`DJANGO_TIME_ZONE`) applies.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

from django.http import HttpRequest
from django.utils import timezone

COOKIE = "broadsheet_tz"
FIELD = "_tz"


def parse_zone(name: str | None) -> zoneinfo.ZoneInfo | None:
    """An IANA zone from untrusted text, or None."""
    if not name or len(name) > 64:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def editor_zone(request: HttpRequest):
    """The zone this request's times are read and shown in."""
    posted = parse_zone(request.POST.get(FIELD)) if request.method == "POST" else None
    return posted or parse_zone(request.COOKIES.get(COOKIE)) or timezone.get_default_timezone()


@contextmanager
def in_editor_zone(request: HttpRequest) -> Iterator[None]:
    with timezone.override(editor_zone(request)):
        yield


def rendered_in_editor_zone(view):
    """Wrap an admin view so that forms parse and templates render in the editor's zone."""

    def wrapped(request: HttpRequest, *args, **kwargs):
        with in_editor_zone(request):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()  # TemplateResponse renders lazily: do it in the zone
        return response

    return wrapped
