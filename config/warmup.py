"""Warm a web process before it takes traffic, so its first request costs what its
hundredth does.

Django imports the URLconf (and with it DRF, the API, feeds, sitemaps), compiles
templates, loads translation catalogs and builds the URL resolver's reverse map lazily,
on the first request that needs each; drf-spectacular builds the OpenAPI schema on its
first request (seconds). Under gunicorn a fresh worker (at start, and every
`max_requests` after) then answered its first request in seconds (issue 14). `warm()`
pays all of that once, at import of `config.wsgi`: in gunicorn's master with
`preload_app` (workers are forked warm, recycled ones too), in each worker without it.

It serves a few real GETs in-process through the whole handler, the page cache set
aside so the views run, from an address no client has (so no throttle bucket of a real
client moves), then closes the database connections it opened so that forked workers do
not share sockets with the master. Any failure (database not migrated yet, say) is
logged and ignored: warming must never stop the server from starting.
"""

from __future__ import annotations

import io
import logging
import sys
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import connections

from config.cache import close_readers

logger = logging.getLogger(__name__)

# TEST-NET-1 (RFC 5737): never a real client, so no real client's API throttle moves.
WARMUP_ADDRESS = "192.0.2.1"
TEMPLATES = [
    "base.html",
    "404.html",
    "blog/home.html",
    "blog/post_list.html",
    "blog/post_detail.html",
    # Pieces (blog/fragments.py): compiled here, though the warm-up may find them kept.
    "blog/_post_summary.html",
    "blog/_post_head.html",
    "blog/_post_article.html",
    "blog/_post_links.html",
    "blog/_category_menu.html",
]


def _environ(path: str, accept: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": WARMUP_ADDRESS,
        # An allowed host, as HTTPS (production redirects plain HTTP, nginx sets this).
        "HTTP_HOST": _allowed_host(),
        "HTTP_X_FORWARDED_PROTO": "https",
        "HTTP_ACCEPT": accept,
        "HTTP_USER_AGENT": "broadsheet-warmup",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _allowed_host() -> str:
    for host in settings.ALLOWED_HOSTS:
        if host and "*" not in host and not host.startswith("."):
            return host
    return "localhost"


def _paths() -> list[tuple[str, str]]:
    """(path, Accept) of the pages most requests are: home, a post, feed, sitemap, API."""
    from blog.models import Post

    paths = [
        ("/", "text/html"),
        ("/feed/", "*/*"),
        ("/sitemap.xml", "*/*"),
        ("/api/posts/", "application/json"),
        ("/healthz", "*/*"),
    ]
    newest = Post.objects.public().order_by("-published_at").only("slug").first()
    if newest is not None:
        paths.insert(1, (newest.get_absolute_url(), "text/html"))
    return paths


def _serve(application: Callable, path: str, accept: str) -> int:
    statuses: list[str] = []
    body: Iterable[bytes] = application(
        _environ(path, accept), lambda status, headers, exc_info=None: statuses.append(status)
    )
    try:
        for _chunk in body:
            pass
    finally:
        if hasattr(body, "close"):
            body.close()
    return int(statuses[0].split()[0]) if statuses else 0


def warm(application: Callable) -> None:
    """Import, compile and build what the first requests would; never raises."""
    started = time.monotonic()
    served: dict[str, int] = {}
    page_cache_seconds = settings.PAGE_CACHE_SECONDS
    try:
        from django.template.loader import get_template
        from django.urls import get_resolver

        resolver = get_resolver()
        resolver.reverse_dict  # noqa: B018 - builds the reverse map of every URL
        for name in TEMPLATES:
            get_template(name)
        settings.PAGE_CACHE_SECONDS = 0  # run the views (they may keep pieces: still true)
        for path, accept in _paths():
            served[path] = _serve(application, path, accept)
        from blog.api.schema_view import warm_up

        warm_up()  # the OpenAPI schema: seconds to build, the same for every worker
    except Exception:  # a cold worker beats a worker that does not start
        logger.warning("warm-up stopped early", exc_info=True)
    finally:
        settings.PAGE_CACHE_SECONDS = page_cache_seconds
        # Forked workers must open their own connections, not share the master's.
        connections.close_all()
        close_readers()
    logger.info(
        "warmed up in %.0f ms: %s",
        (time.monotonic() - started) * 1000,
        ", ".join(f"{path} {status}" for path, status in served.items()),
    )
