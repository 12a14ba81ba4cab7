"""The warm-up a web process runs before taking traffic (config/warmup.py)."""

import logging

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection

from config.warmup import warm
from tests.factories import PostFactory

# WSGIHandler, not get_wsgi_application(): setting Django up again would reset logging.
# warm() closes the database connections it used: no test transaction may be open.
pytestmark = pytest.mark.django_db(transaction=True)


def test_warmup_serves_the_main_pages_and_leaves_no_trace(client, caplog):
    post = PostFactory(title="Warm harbour")
    page_cache_seconds = settings.PAGE_CACHE_SECONDS

    with caplog.at_level(logging.INFO, logger="config.warmup"):
        warm(WSGIHandler())

    (line,) = [r.getMessage() for r in caplog.records if r.name == "config.warmup"]
    for path in ("/ 200", f"{post.get_absolute_url()} 200", "/api/posts/ 200", "/feed/ 200"):
        assert path in line
    # Nothing it rendered went into the page cache, and the page cache is on again.
    assert page_cache_seconds == settings.PAGE_CACHE_SECONDS
    assert client.get("/")["X-Page-Cache"] == "miss"
    assert client.get("/")["X-Page-Cache"] == "hit"
    # It closed its connection: a forked worker opens its own.
    assert connection.connection is None or client.get("/healthz").status_code == 200


def test_warmup_never_stops_the_server_from_starting(caplog, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database not migrated yet")

    monkeypatch.setattr("config.warmup._paths", broken)
    with caplog.at_level(logging.INFO, logger="config.warmup"):
        warm(WSGIHandler())
    assert "warm-up stopped early" in caplog.text
