"""The Redis cache behind its circuit breaker (core/cache.py), against a real Redis
that is stopped, frozen (SIGSTOP) and thawed: misses instead of errors, one warning per
outage instead of a traceback per call, and the cache back once Redis answers again."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time

import pytest

from core.cache import BreakerRedisCache, _breakers, reconnected
from devservers import start_redis, wait_for


@pytest.fixture
def redis_server():
    server = start_redis()
    yield server
    with contextlib.suppress(ProcessLookupError):
        os.kill(server.process.pid, signal.SIGCONT)
    server.stop()


def _cache(url: str, cooldown: float) -> BreakerRedisCache:
    _breakers.pop(url, None)  # a breaker of this test's own
    return BreakerRedisCache(
        url,
        {
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
                "BREAKER_COOLDOWN": cooldown,
            }
        },
    )


def test_frozen_redis_is_one_warning_and_counted_misses_then_back(redis_server, caplog):
    cache = _cache(redis_server.url, cooldown=3600)
    cache.set("greeting", "hello")
    os.kill(redis_server.process.pid, signal.SIGSTOP)

    with caplog.at_level(logging.INFO, logger="broadsheet.circuit"):
        results = [cache.get("greeting", "missed") for _ in range(20)]
        assert cache.set("other", 1) is None  # ignored, not raised

    assert results == ["missed"] * 20
    assert cache.breaker.is_open and cache.breaker.failures == 21
    (warning,) = caplog.records
    assert "Redis cache unreachable" in warning.getMessage()
    assert not warning.exc_info  # no traceback

    os.kill(redis_server.process.pid, signal.SIGCONT)
    cache.breaker._retry_at = 0.0  # the cooldown is over: the next call probes
    with caplog.at_level(logging.INFO, logger="broadsheet.circuit"):
        assert cache.get("greeting") == "hello"
    assert not cache.breaker.is_open
    assert "reachable again" in caplog.records[-1].getMessage()
    assert "21 call(s) failed or skipped" in caplog.records[-1].getMessage()


def test_stopped_redis_misses_quietly(redis_server, caplog):
    cache = _cache(redis_server.url, cooldown=3600)
    redis_server.stop()
    with caplog.at_level(logging.INFO):
        assert [cache.get("k", 0) for _ in range(5)] == [0] * 5
        assert cache.get_many(["a", "b"]) == {}
        cache.delete("k")
    assert len([r for r in caplog.records if r.name == "broadsheet.circuit"]) == 1
    assert not [r for r in caplog.records if r.exc_info]


def test_closing_the_breaker_tells_listeners_once_per_outage(redis_server):
    """Issue 33: a write refused during the outage is redone by the listeners (the page
    cache retires every page), so Redis coming back cannot bring an old page back."""
    heard: list[str] = []

    def listener(sender, server, **kwargs):
        heard.append(server)

    reconnected.connect(listener)
    try:
        cache = _cache(redis_server.url, cooldown=3600)
        cache.set("k", 1)
        os.kill(redis_server.process.pid, signal.SIGSTOP)
        cache.set("k", 2)  # refused: the breaker opens
        assert cache.breaker.is_open and heard == []
        os.kill(redis_server.process.pid, signal.SIGCONT)
        cache.breaker._retry_at = 0.0  # the cooldown is over: the next call probes
        cache.get("k")
        cache.get("k")
        assert heard == [redis_server.url]
    finally:
        reconnected.disconnect(listener)


def test_the_page_cache_retires_every_page_when_its_redis_is_back(settings):
    from django.core.cache import cache as default_cache

    from pagecache.cache import GENERATION_KEY, _default_server

    default_cache.set(GENERATION_KEY, 1.0, timeout=None)
    reconnected.send(sender=BreakerRedisCache, server="redis://some-other-server:6379/0")
    assert default_cache.get(GENERATION_KEY) == 1.0  # not the pages' Redis
    reconnected.send(sender=BreakerRedisCache, server=_default_server())
    assert default_cache.get(GENERATION_KEY) > 1.0


def test_an_open_breaker_closes_by_itself_once_redis_answers(redis_server):
    """Issue 33: a process no request reaches still closes its breaker (and its listeners
    retire the pages a refused write should have retired) one cooldown after Redis is back."""
    heard: list[str] = []

    def listener(sender, server, **kwargs):
        heard.append(server)

    reconnected.connect(listener)
    try:
        cache = _cache(redis_server.url, cooldown=0.3)
        os.kill(redis_server.process.pid, signal.SIGSTOP)
        cache.set("k", 2)  # refused: the breaker opens
        assert cache.breaker.is_open
        time.sleep(1.0)
        assert cache.breaker.is_open and heard == []  # still frozen: the probes fail
        os.kill(redis_server.process.pid, signal.SIGCONT)
        # No cache call at all from here: the breaker closes on its own probe.
        wait_for(lambda: not cache.breaker.is_open, 5, "the breaker to close")
        assert heard == [redis_server.url]
    finally:
        reconnected.disconnect(listener)
