"""django-redis with a circuit breaker: a dead or frozen Redis costs one timeout, not one
per cache call, and one log line per outage, not a traceback per call.

    CACHES = {"default": {"BACKEND": "core.cache.BreakerRedisCache", "LOCATION": ...,
                          "OPTIONS": {"IGNORE_EXCEPTIONS": True, ...}}}

Every cache operation of django-redis goes through `RedisCache.client`; this backend
hands out the client behind a guard that refuses calls while the breaker is open (as a
connection error, which `IGNORE_EXCEPTIONS` turns into a miss) and records each
connection error. Set `DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False`: the breaker logs.

Writes refused or lost while the breaker was open (a page generation bumped by a save,
say) are not replayed: when a process's breaker closes again (it probes Redis by itself
once per cooldown, so that is at most `BREAKER_COOLDOWN` after Redis answers, with or
without traffic), this backend sends `reconnected` (server=URL), and a listener redoes
what may have been lost (pagecache/cache.py retires every cached page, so a copy stored
before an edit made during the outage cannot come back with Redis).
"""

from __future__ import annotations

import logging
import socket
import threading
from functools import partial
from typing import Any

import redis
from django.dispatch import Signal
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.driver_info import DriverInfo
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .circuit import CircuitBreaker

logger = logging.getLogger("broadsheet.circuit")

# Errors that mean "Redis is not answering", as opposed to a bad command.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, socket.timeout, OSError)


# What redis-py tells the server about itself (CLIENT SETINFO), given once: by default it
# looks its version up in the installed packages' metadata for every new connection
# (importlib.metadata, 4-7 ms of CPU: a fresh worker's first request paid it twice).
DRIVER_INFO = DriverInfo(name="redis-py", lib_version=redis.__version__)

# Sent (server=URL) once per outage and process, when its breaker for that Redis closes.
reconnected = Signal()

_breakers: dict[str, CircuitBreaker] = {}
_lock = threading.Lock()


def redis_is_down(url: str) -> bool:
    """True while the cache's breaker for the Redis at `url` is open (an outage is on).

    Lets other clients of the same server (the broker sender in `blog.tasks`) skip it at
    once instead of paying the same timeout again.
    """
    breaker = _breakers.get(url)
    return breaker is not None and breaker.is_open


def _send_reconnected(server: str) -> None:
    """`reconnected`, to every listener: one that fails is logged, never the cache call's
    caller's error."""
    for receiver, error in reconnected.send_robust(sender=BreakerRedisCache, server=server):
        if isinstance(error, Exception):
            logger.error("reconnected listener %r failed: %r", receiver, error)


class _Refused(RedisConnectionError):
    """Not sent: the breaker is open."""


class _GuardedClient:
    """Proxies django-redis's client; every method call passes the breaker."""

    # Housekeeping calls that do not talk to Redis (or must always run).
    PASS_THROUGH = frozenset({"close", "make_key", "make_pattern", "encode", "decode"})

    def __init__(self, client: Any, breaker: CircuitBreaker) -> None:
        self._client, self._breaker = client, breaker

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if name in self.PASS_THROUGH or not callable(attribute):
            return attribute
        breaker = self._breaker

        def guarded(*args, **kwargs):
            if not breaker.allow():
                raise ConnectionInterrupted(connection=None) from _Refused(breaker.name)
            try:
                result = attribute(*args, **kwargs)
            except ConnectionInterrupted as error:
                if isinstance(error.__cause__, UNREACHABLE):
                    breaker.failed(error.__cause__)
                raise
            breaker.succeeded()
            return result

        return guarded


class BreakerRedisCache(RedisCache):
    """django-redis's RedisCache that fails fast for `BREAKER_COOLDOWN` s after an error."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        options = params.get("OPTIONS", {})
        pool_kwargs = {"driver_info": DRIVER_INFO, **options.get("CONNECTION_POOL_KWARGS", {})}
        params = {**params, "OPTIONS": {**options, "CONNECTION_POOL_KWARGS": pool_kwargs}}
        super().__init__(server, params)
        cooldown = options.get("BREAKER_COOLDOWN", 5.0)
        # Django makes a backend per thread; the breaker, like the connection pool, is
        # one per process and server.
        with _lock:
            self.breaker = _breakers.setdefault(
                str(server),
                CircuitBreaker(
                    "Redis cache",
                    cooldown=cooldown,
                    on_close=partial(_send_reconnected, str(server)),
                    probe=self._ping,
                ),
            )
        self._guarded: _GuardedClient | None = None

    @property
    def client(self) -> Any:
        if self._guarded is None:
            self._guarded = _GuardedClient(super().client, self.breaker)
        return self._guarded

    def _ping(self) -> None:
        """The breaker's own probe: raises while Redis does not answer."""
        super().client.get_client(write=True).ping()
