"""Warm a web process before it takes traffic, so its first request costs what its
hundredth does.

Django imports the URLconf (and with it DRF, the API, feeds, sitemaps), compiles
templates, loads translation catalogs and builds the URL resolver's reverse map lazily,
on the first request that needs each; drf-spectacular builds the OpenAPI schema on its
first request (seconds). Under gunicorn a fresh worker (at start, and every
`max_requests` after) then answered its first request in seconds. `warm()`
pays all of that once, from gunicorn.conf.py: in the master's `when_ready` with
`preload_app` (workers are forked warm, recycled ones too), in each worker's
`post_worker_init` without it. Apps say what to warm with `register()`.

It serves a few real GETs in-process through the whole handler, the page cache set
aside so the views run, from an address no client has (so no throttle bucket of a real
client moves), then closes the database connections it opened so that forked workers do
not share sockets with the master. Any failure (database not migrated yet, say) is
logged and ignored: warming must never stop the server from starting.

`connect_threads(executor, threads, application)` is the other half, in each worker
after the fork (gunicorn.conf.py's `post_worker_init`, before the worker accepts): every
request thread opens its database connection (Django keeps one per thread) and the
threads serve the main pages once between them. A fresh worker's first requests paid
both otherwise: a PostgreSQL connection with SCRAM authentication is ~10 ms here, and
the first page after the fork cost three times the second (bench/large.py: first / 22
ms against 5 ms with the connections open; 9 against 6 ms now).
"""

from __future__ import annotations

import io
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

# TEST-NET-1 (RFC 5737): never a real client, so no real client's API throttle moves.
WARMUP_ADDRESS = "192.0.2.1"
# What to warm: each app registers its pages, templates and steps from its `ready()`
# (`register`), so that this module knows no app.
_page_sources: list[Callable[[], list[tuple[str, str]]]] = []
_templates: list[str] = []
_steps: list[Callable[[], None]] = []


def register(
    *,
    pages: Callable[[], list[tuple[str, str]]] | None = None,
    templates: Iterable[str] = (),
    step: Callable[[], None] | None = None,
) -> None:
    """Warm these too: `pages()` gives (path, Accept) pairs to serve, `templates` are
    compiled, `step()` builds anything else a first request would (the API schema)."""
    if pages is not None:
        _page_sources.append(pages)
    _templates.extend(templates)
    if step is not None:
        _steps.append(step)


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
    """(path, Accept) of the pages most requests are, as the apps registered them."""
    paths = [pair for source in _page_sources for pair in source()]
    return [*paths, ("/healthz", "*/*")]


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
    try:
        from django.template.loader import get_template
        from django.urls import get_resolver

        resolver = get_resolver()
        resolver.reverse_dict  # noqa: B018 - builds the reverse map of every URL
        for name in ["404.html", *_templates]:
            get_template(name)
        with _views_run():
            for path, accept in _paths():
                served[path] = _serve(application, path, accept)
        for step in _steps:
            step()  # the OpenAPI schema: seconds to build, the same for every worker
    except Exception:  # a cold worker beats a worker that does not start
        logger.warning("warm-up stopped early", exc_info=True)
    finally:
        # Forked workers must open their own connections, not share the master's.
        connections.close_all()
    report = ", ".join(f"{path} {status}" for path, status in served.items())
    failed = [path for path, status in served.items() if status >= 500]
    if failed:
        # Not "warmed up": these pages fail for every reader. The server still starts (a
        # database still migrating answers 503 here), but the log says so at ERROR.
        logger.error(
            "warm-up FAILED: %s answered a server error (%s); see the traceback above",
            ", ".join(failed),
            report,
        )
        return
    logger.info("warmed up in %.0f ms: %s", (time.monotonic() - started) * 1000, report)


@contextmanager
def _views_run() -> Iterator[None]:
    """The page cache set aside, so that the views run (they may keep pieces: still
    true); nothing rendered meanwhile is stored as a page."""
    page_cache_seconds = settings.PAGE_CACHE_SECONDS
    settings.PAGE_CACHE_SECONDS = 0
    try:
        yield
    finally:
        settings.PAGE_CACHE_SECONDS = page_cache_seconds


def connect_threads(
    executor: Executor, threads: int, application: Callable, timeout: float = 10.0
) -> None:
    """Connect each of `executor`'s `threads` threads and have it serve the main pages.

    The tasks wait for each other at a barrier, so that none finishes before all have
    started: a ThreadPoolExecutor then starts one thread per task, and each opens its
    own database connection (Django keeps one per thread) and its cache connection. The
    threads then serve the main pages between them (each page once, each thread at
    least one), as `warm` does in the master: the first touch after the fork of what a
    request uses (copy-on-write pages, CPU caches) made a worker's first page three
    times its second even with its connections open. Never raises (a worker that
    connects on its first request beats a worker that does not start).
    """
    started = time.monotonic()
    barrier = threading.Barrier(threads, timeout=timeout)
    paths: list[tuple[str, str]] = []

    def ready() -> None:
        index = barrier.wait()  # 0 .. threads - 1, one each
        connections["default"].ensure_connection()
        for path, accept in paths[index::threads] or [paths[index % len(paths)]]:
            _serve(application, path, accept)

    try:
        paths += _paths()
        connections.close_all()  # this thread's: it serves no request
        with _views_run():
            for task in [executor.submit(ready) for _ in range(threads)]:
                task.result(timeout=timeout)
    except Exception:
        logger.warning("connecting the request threads stopped early", exc_info=True)
        barrier.abort()
        return
    logger.info(
        "%d request threads connected in %.0f ms", threads, (time.monotonic() - started) * 1000
    )
