"""The warm-up a web process runs before taking traffic (core/warmup.py)."""

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections

from core.warmup import connect_threads, warm
from tests.factories import PostFactory

# WSGIHandler, not get_wsgi_application(): setting Django up again would reset logging.
# warm() closes the database connections it used: no test transaction may be open.
pytestmark = pytest.mark.django_db(transaction=True)


def test_warmup_serves_the_main_pages_and_leaves_no_trace(client, caplog):
    post = PostFactory(title="Warm harbour")
    page_cache_seconds = settings.PAGE_CACHE_SECONDS

    with caplog.at_level(logging.INFO, logger="core.warmup"):
        warm(WSGIHandler())

    (line,) = [r.getMessage() for r in caplog.records if r.name == "core.warmup"]
    for path in ("/ 200", f"{post.get_absolute_url()} 200", "/api/posts/ 200", "/feed/ 200"):
        assert path in line
    # Nothing it rendered went into the page cache, and the page cache is on again.
    assert page_cache_seconds == settings.PAGE_CACHE_SECONDS
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"
    # It closed its connection: a forked worker opens its own.
    assert connection.connection is None or client.get("/healthz").status_code == 200


def test_warmup_says_failed_at_error_level_when_a_page_answers_500(caplog, monkeypatch):
    """A post page that fails for every reader must not end in "warmed up" (issue 25)."""
    post = PostFactory(title="Broken harbour")

    def broken(*args, **kwargs):
        raise RuntimeError("LIMIT/OFFSET not allowed in subqueries of compound statements")

    monkeypatch.setattr("blog.fragments.related_posts", broken)
    with caplog.at_level(logging.INFO, logger="core.warmup"):
        warm(WSGIHandler())

    (record,) = [r for r in caplog.records if r.name == "core.warmup"]
    assert record.levelno == logging.ERROR
    assert f"warm-up FAILED: {post.get_absolute_url()}" in record.getMessage()
    assert "warmed up" not in record.getMessage()


def test_warmup_never_stops_the_server_from_starting(caplog, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database not migrated yet")

    monkeypatch.setattr("core.warmup._paths", broken)
    with caplog.at_level(logging.INFO, logger="core.warmup"):
        warm(WSGIHandler())
    assert "warm-up stopped early" in caplog.text


def _on_every_thread(executor, threads, task):
    """`task()`'s result on each of the executor's threads (a barrier keeps them apart)."""
    barrier = threading.Barrier(threads, timeout=10)

    def run():
        barrier.wait()
        return threading.get_ident(), task()

    return dict(f.result(timeout=10) for f in [executor.submit(run) for _ in range(threads)])


def test_each_request_thread_is_connected_and_has_served_before_traffic(caplog):
    """gunicorn.conf.py's post_worker_init: a worker's request threads are connected
    (one database connection each) and the main pages served once between them."""
    PostFactory(title="Warm harbour")
    served = []

    def application(environ, start_response):
        served.append((threading.get_ident(), environ["PATH_INFO"]))
        return WSGIHandler()(environ, start_response)

    with ThreadPoolExecutor(max_workers=4) as executor:
        try:
            with caplog.at_level(logging.INFO, logger="core.warmup"):
                connect_threads(executor, 4, application)
            opened = _on_every_thread(executor, 4, lambda: connection.connection is not None)
        finally:
            _on_every_thread(executor, 4, connections.close_all)

    assert "4 request threads connected" in caplog.text
    assert len(opened) == 4 and all(opened.values())  # four threads, each connected
    assert {thread for thread, _ in served} == set(opened)  # each served a page
    paths = [path for _, path in served]
    assert sorted(set(paths)) == sorted(paths)  # each page once
    assert {"/", "/api/posts/", "/feed/"} <= set(paths)


def test_connecting_the_threads_never_stops_the_worker(caplog, monkeypatch):
    monkeypatch.setattr("core.warmup._paths", lambda: [][0])  # IndexError
    with ThreadPoolExecutor(max_workers=2) as executor:
        connect_threads(executor, 2, WSGIHandler())
    assert "connecting the request threads stopped early" in caplog.text
