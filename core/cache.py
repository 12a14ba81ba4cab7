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

`get_many_fast` (the page cache's and the kept pieces' one read per request) also keeps
this process's copies of what it read, which Redis itself keeps true: the connection it
reads on asks for `CLIENT TRACKING`, and Redis pushes an invalidation on that same
connection whenever a key read there changes, by any client (see `TrackedReader`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import partial
from typing import Any

import redis
from django.dispatch import Signal
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.driver_info import DriverInfo
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.circuit import CircuitBreaker

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
_readers: dict[str, TrackedReader] = {}
_lock = threading.Lock()
# Keys whose local copies a write drops: the first argument of these client calls...
_WRITES_ONE = frozenset(
    {"set", "add", "delete", "touch", "incr", "decr", "persist", "expire", "pexpire"}
    | {"expire_at", "pexpire_at", "sadd", "srem", "spop", "hset", "hdel"}
)
# ... the keys of these; any other call that writes drops every copy.
_WRITES_MANY = frozenset({"set_many", "delete_many"})
# Calls that change nothing in Redis.
_READS = frozenset(
    {"get", "get_many", "has_key", "ttl", "pttl", "keys", "iter_keys", "connect"}
    | {"get_client", "get_client_with_index", "get_next_client_index", "disconnect"}
    | {"close", "do_close_clients", "scard", "sdiff", "sinter", "sunion", "smembers"}
    | {"sismember", "smismember", "srandmember", "sscan", "sscan_iter"}
    | {"hlen", "hkeys", "hexists"}
)


def close_readers() -> None:
    """Close every `TrackedReader`'s connection in this process."""
    with _lock:
        readers = list(_readers.values())
    for reader in readers:
        reader.close()


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

    def __init__(self, client: Any, breaker: CircuitBreaker, reader: TrackedReader) -> None:
        self._client, self._breaker, self._reader = client, breaker, reader

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
            finally:
                if name not in _READS:
                    self._forget(name, args, kwargs)
            breaker.succeeded()
            return result

        return guarded

    def _forget(self, name: str, args: tuple, kwargs: dict) -> None:
        """Drop this process's copies of what a write changed, before anyone reads again
        here (Redis's invalidation for this process's own write may still be on its way)."""
        version = kwargs.get("version")
        if name in _WRITES_ONE and args:
            self._reader.forget([self._client.make_key(args[0], version=version)])
        elif name in _WRITES_MANY and args:
            self._reader.forget([self._client.make_key(key, version=version) for key in args[0]])
        else:
            self._reader.forget(None)


class TrackedReader:
    """One process's reads for `get_many_fast`, and its copies of what it read.

    One connection per process and server, with `CLIENT TRACKING ON` (RESP3): Redis then
    remembers which keys this connection read and pushes an `invalidate` for each one
    that changes, from any client, on this same connection, ahead of any reply that
    follows the change. Before every read the pushes that arrived are applied (a
    non-blocking poll), so a copy is used only while no change to it has reached this
    process; the keys not held are read in one `MGET`. This process's own writes drop
    their copies at once (`_GuardedClient`); a write by another process is seen as soon
    as its invalidation arrives (on loopback, microseconds after the writer's reply).

    No copy outlives the connection: a new connection (after an error, or in a forked
    worker) starts with none, and nothing is copied unless Redis accepted tracking.
    At most `size` copies (least recently used go first); `size` 0: no copies.
    """

    def __init__(self, make_connection, size: int) -> None:
        self._make_connection, self._size = make_connection, size
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._connection: Any = None
        self._tracking = False
        self._copies: OrderedDict[str, bytes | None] = OrderedDict()

    def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        """The raw values of `keys` (None: no such key), from copies or one `MGET`."""
        with self._lock:
            try:
                connection = self._applied(self._connect())
                held = {key: self._copies[key] for key in keys if key in self._copies}
                missing = [key for key in dict.fromkeys(keys) if key not in held]
                if missing:
                    connection.send_command("MGET", *missing)
                    values = connection.read_response()  # pushes before it are applied
                    read = dict(zip(missing, values, strict=True))
                else:
                    read = {}
            except (RedisError, OSError):
                self._drop()
                raise
            for key in held:
                if key in self._copies:  # else invalidated while the MGET was answered
                    self._copies.move_to_end(key)
            if self._tracking and self._size:
                self._copies.update(read)
                while len(self._copies) > self._size:
                    self._copies.popitem(last=False)
            return [read[key] if key in read else held[key] for key in keys]

    def _applied(self, connection: Any) -> Any:
        """The connection, with the invalidations that arrived applied.

        A connection the server closed while it sat idle (Redis's `timeout`, a proxy)
        reads as closed here, before any command: it is opened again once, with no
        copies, instead of counting as an outage.
        """
        try:
            while connection.can_read(timeout=0):
                connection.read_response(push_request=True)
        except RedisConnectionError:
            self._drop()
            return self._connect()
        return connection

    def forget(self, keys: Sequence[str] | None) -> None:
        """Drop the copies of `keys` (None: all of them)."""
        with self._lock:
            if keys is None:
                self._copies.clear()
            else:
                for key in keys:
                    self._copies.pop(str(key), None)

    def _connect(self) -> Any:
        if self._connection is not None and self._pid == os.getpid():
            return self._connection
        self._copies.clear()  # a forked worker's copies were tracked for its parent
        connection = self._make_connection()
        # On every connect, redis-py's own reconnects included: nothing copied before
        # holds, and tracking is asked for again before any read on the new connection.
        connection.register_connect_callback(self._on_connect)
        connection.connect()
        self._pid, self._connection = os.getpid(), connection
        return connection

    def _on_connect(self, connection: Any) -> None:
        self._copies.clear()
        self._tracking = False
        if getattr(connection, "protocol", 2) not in (3, "3"):
            return  # invalidations need RESP3 on the same connection: reads, no copies
        try:
            connection.send_command("CLIENT", "TRACKING", "ON")
            connection.read_response()
        except ResponseError:  # a Redis before 6
            return
        connection._parser.set_invalidation_push_handler(self._invalidated)
        self._tracking = True

    def _invalidated(self, push: list) -> None:
        """Redis's `invalidate` push: the keys that changed (None: the database was
        flushed). Called while the lock is held, from a read on the connection."""
        keys = push[1] if len(push) > 1 else None
        if keys is None:
            self._copies.clear()
            return
        for key in keys:
            self._copies.pop(key.decode() if isinstance(key, bytes) else key, None)

    def close(self) -> None:
        """Close the connection (a process about to fork: its children open their own)."""
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        self._copies.clear()
        if self._connection is not None:
            self._connection.disconnect()
        self._connection = None


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
        copies = options.get("LOCAL_COPIES", 512)
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
            self.reader = _readers.setdefault(
                str(server), TrackedReader(self._make_reader_connection, copies)
            )
        self._guarded: _GuardedClient | None = None

    @property
    def client(self) -> Any:
        if self._guarded is None:
            self._guarded = _GuardedClient(super().client, self.breaker, self.reader)
        return self._guarded

    def _ping(self) -> None:
        """The breaker's own probe: raises while Redis does not answer."""
        super().client.get_client(write=True).ping()

    def _make_reader_connection(self) -> Any:
        """A connection like the pool's (same server, timeouts, protocol), of its own."""
        return super().client.get_client(write=False).connection_pool.make_connection()

    def get_many_fast(self, keys: Sequence[str]) -> dict[str, Any]:
        """`get_many` from this process's tracked copies, and one `MGET` for the rest;
        {} on any error.

        For the page cache's hits and the kept pieces (pagecache/cache.py, pagecache/counts.py),
        where redis-py's per-call machinery (pool checkout and return, retry wrapper,
        argument checks) cost more than the round trip itself: about 160 µs of CPU for
        `get_many` against 40 µs for a bare `MGET`, on a loaded 2-core machine, and a
        copy kept true by Redis (`TrackedReader`) costs no round trip at all. Same rules
        as every other call: the breaker decides whether to try (no copy is used while
        it is open), and a failure is a miss, never an error.
        """
        if not self.breaker.allow():
            return {}
        client = super().client  # django-redis's, for its key and value encoding
        made = [str(client.make_key(key)) for key in keys]
        try:
            values = self.reader.mget(made)
        except (RedisError, OSError) as error:
            if isinstance(error, UNREACHABLE):
                self.breaker.failed(error)
            return {}
        self.breaker.succeeded()
        found = zip(keys, values, strict=True)
        return {key: client.decode(value) for key, value in found if value is not None}
