"""The names a page may not take: every first path segment the site's own routes use.

A page lives at `/<slug>/`, matched by the last route of `config.urls`; a page called
"admin" or "feed" would be unreachable or, worse, shadow nothing and confuse readers.
The names come from the URL resolver itself (each route's first literal segment, through
included URL confs), so a route added later is reserved without a list to keep; the few
in `FUTURE` are for routes announced but not built yet, and `STATIC_URL`/`MEDIA_URL`
are served outside Django in production.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

# Routes planned (issue 30 and later) that are not mounted on every site yet.
FUTURE = frozenset({"members", "preview", "comments", "p", "static", "media", "pages"})

_LITERAL = re.compile(r"[A-Za-z0-9_.-]+")


def _first_segment(pattern: URLPattern | URLResolver) -> str | None:
    """The route's first literal path segment ("" for an include at the root), or None
    when it starts with a parameter (the pages' own catch-all)."""
    text = str(pattern.pattern).removeprefix("^")
    head = text.split("/", 1)[0]
    if head == "" or head == "$":
        return ""
    return head if _LITERAL.fullmatch(head) else None


def _walk(patterns) -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        head = _first_segment(pattern)
        if head is None:
            continue
        if head:
            names.add(head.lower())
        elif isinstance(pattern, URLResolver):
            names |= _walk(pattern.url_patterns)
    return names


@lru_cache(maxsize=1)
def root_names() -> frozenset[str]:
    """Every first path segment a route of this site uses, plus `FUTURE`."""
    names = _walk(get_resolver().url_patterns)
    for url in (settings.STATIC_URL, settings.MEDIA_URL):
        if url and url.startswith("/"):
            names.add(url.strip("/").split("/", 1)[0])
    return frozenset(names | FUTURE)
