"""django-redis with a circuit breaker: a dead or frozen Redis costs one timeout, not one
per cache call, and one log line per outage, not a traceback per call.

    CACHES = {"default": {"BACKEND": "config.cache.BreakerRedisCache", "LOCATION": ...,
                          "OPTIONS": {"IGNORE_EXCEPTIONS": True, ...}}}

Every cache operation of django-redis goes through `RedisCache.client`; this backend
hands out the client behind a guard that refuses calls while the breaker is open (as a
connection error, which `IGNORE_EXCEPTIONS` turns into a miss) and records each
connection error. Set `DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False`: the breaker logs.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Sequence
from typing import Any

from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .circuit import CircuitBreaker

# Errors that mean "Redis is not answering", as opposed to a bad command.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, socket.timeout, OSError)


_breakers: dict[str, CircuitBreaker] = {}
_lock = threading.Lock()


def redis_is_down(url: str) -> bool:
    """True while the cache's breaker for the Redis at `url` is open (an outage is on).

    Lets other clients of the same server (the broker sender in `blog.tasks`) skip it at
    once instead of paying the same timeout again.
    """
    breaker = _breakers.get(url)
    return breaker is not None and breaker.is_open


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
        super().__init__(server, params)
        cooldown = params.get("OPTIONS", {}).get("BREAKER_COOLDOWN", 5.0)
        # Django makes a backend per thread; the breaker, like the connection pool, is
        # one per process and server.
        with _lock:
            self.breaker = _breakers.setdefault(
                str(server), CircuitBreaker("Redis cache", cooldown=cooldown)
            )
        self._guarded: _GuardedClient | None = None
        self._own: tuple[int, Any] | None = None  # (pid, connection) of get_many_fast

    @property
    def client(self) -> Any:
        if self._guarded is None:
            self._guarded = _GuardedClient(super().client, self.breaker)
        return self._guarded

    def get_many_fast(self, keys: Sequence[str]) -> dict[str, Any]:
        """`get_many` as one `MGET` on a connection of this backend's own; {} on any error.

        For the page cache's hits (blog/cache.py), where redis-py's per-call machinery
        (pool checkout and return, retry wrapper, argument checks) cost more than the
        round trip itself: about 160 µs of CPU for `get_many` against 40 µs here, on a
        loaded 2-core machine. Django makes a cache backend per thread, so the connection
        is this thread's; a forked process opens its own. Same rules as every other call:
        the breaker decides whether to try, and a failure is a miss, never an error.
        """
        if not self.breaker.allow():
            return {}
        client = super().client  # django-redis's, for its key and value encoding
        made = [client.make_key(key) for key in keys]
        pid = os.getpid()
        if self._own is None or self._own[0] != pid:
            pool = client.get_client(write=False).connection_pool
            self._own = (pid, pool.make_connection())
        connection = self._own[1]
        try:
            connection.send_command("MGET", *made)
            values = connection.read_response()
        except (RedisError, OSError) as error:
            connection.disconnect()
            if isinstance(error, UNREACHABLE):
                self.breaker.failed(error)
            return {}
        self.breaker.succeeded()
        found = zip(keys, values, strict=True)
        return {key: client.decode(value) for key, value in found if value is not None}
