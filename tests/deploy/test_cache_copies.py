"""This process's copies of what `get_many_fast` read (config/cache.py, `TrackedReader`),
against a real Redis: a copy answers without a round trip only while Redis has pushed no
change to it; a change made by anyone, a flush or a lost connection is never answered
from an old copy.

"Another process" here is another cache backend with a reader of its own: its own
connections to the same server, exactly what a second gunicorn worker has.
"""

from __future__ import annotations

import threading
import time

import pytest
import redis

from config.cache import BreakerRedisCache, _breakers, _readers
from devservers import start_redis


@pytest.fixture
def redis_server():
    server = start_redis()
    yield server
    server.stop()


def _process(url: str, cooldown: float = 0.0, copies: int = 512) -> BreakerRedisCache:
    """A cache backend as a fresh process has it: its own breaker and reader."""
    _breakers.pop(url, None)
    _readers.pop(url, None)
    options = {"IGNORE_EXCEPTIONS": True, "SOCKET_TIMEOUT": 0.25, "BREAKER_COOLDOWN": cooldown}
    options["LOCAL_COPIES"] = copies
    return BreakerRedisCache(url, {"OPTIONS": options})


def _mgets(url: str) -> int:
    """MGETs the server has answered so far (its own count)."""
    return redis.Redis.from_url(url).info("commandstats").get("cmdstat_mget", {}).get("calls", 0)


def _until(read, expected, seconds: float = 2.0) -> float:
    """Seconds until `read()` returned `expected`; fails after `seconds`."""
    started = time.monotonic()
    while (value := read()) != expected:
        assert time.monotonic() - started < seconds, f"still {value!r}"
        time.sleep(0.001)
    return time.monotonic() - started


def test_a_copy_answers_without_a_round_trip_until_another_process_changes_it(redis_server):
    url = redis_server.url
    here, there = _process(url), _process(url)
    here.set("headline", "v1")
    assert here.get_many_fast(["headline", "absent"]) == {"headline": "v1"}
    before = _mgets(url)
    for _ in range(5):
        assert here.get_many_fast(["headline", "absent"]) == {"headline": "v1"}
    assert _mgets(url) == before  # the copies, a missing key's too

    there.set("headline", "v2")
    waited = _until(lambda: here.get_many_fast(["headline"]), {"headline": "v2"})
    assert waited < 0.5
    there.set("absent", "now here")  # a key that did not exist is tracked as well
    _until(lambda: here.get_many_fast(["absent"]), {"absent": "now here"})


def test_this_processs_own_writes_are_read_back_at_once(redis_server):
    here = _process(redis_server.url)
    here.set_many({"a": 1, "b": 2})
    assert here.get_many_fast(["a", "b"]) == {"a": 1, "b": 2}
    here.set("a", 10)
    assert here.get_many_fast(["a", "b"]) == {"a": 10, "b": 2}
    here.delete_many(["a", "b"])
    assert here.get_many_fast(["a", "b"]) == {}
    here.set("b", 3)
    here.clear()
    assert here.get_many_fast(["b"]) == {}


def test_a_flush_or_a_lost_connection_never_leaves_an_old_copy(redis_server):
    url = redis_server.url
    here, there = _process(url), _process(url)
    here.set("edition", "morning")
    assert here.get_many_fast(["edition"]) == {"edition": "morning"}
    redis.Redis.from_url(url).flushdb()  # by someone else
    _until(lambda: here.get_many_fast(["edition"]), {})

    here.set("edition", "evening")
    assert here.get_many_fast(["edition"]) == {"edition": "evening"}
    # Every connection dropped by the server: no invalidation can reach this process.
    redis.Redis.from_url(url).client_kill_filter(_type="normal", skip_me=True)
    there.set("edition", "late")
    # The closed connection is opened again (no outage), with no copies: never "evening".
    assert here.get_many_fast(["edition"]) == {"edition": "late"}
    assert not here.breaker.is_open


def test_no_copy_is_used_while_the_breaker_is_open(redis_server):
    here = _process(redis_server.url, cooldown=3600)
    here.set("edition", "morning")
    assert here.get_many_fast(["edition"]) == {"edition": "morning"}
    here.breaker.failed(ConnectionError("as if Redis had gone away"))
    assert here.get_many_fast(["edition"]) == {}


def test_reads_while_another_process_writes_never_fail_or_go_back_in_time(redis_server):
    """Invalidations arrive while this process's own MGET is being answered."""
    url = redis_server.url
    here, there = _process(url), _process(url)
    there.set("counter", 0)
    done = threading.Event()

    def write():
        value = 0
        while not done.is_set():
            value += 1
            there.set("counter", value)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        seen = []
        for n in range(2000):  # "counter" held, a key never read before: always an MGET
            seen.append(here.get_many_fast(["counter", f"new-{n}"])["counter"])
    finally:
        done.set()
        writer.join()
    assert seen == sorted(seen) and seen[-1] > seen[0]


@pytest.mark.parametrize("copies", [0, 1])
def test_local_copies_bounds_how_many_values_a_process_keeps(redis_server, copies):
    url = redis_server.url
    here = _process(url, copies=copies)
    here.set_many({"a": 1, "b": 2})
    here.get_many_fast(["a"])
    before = _mgets(url)
    here.get_many_fast(["a"])  # kept when one copy is allowed, read again with none
    assert _mgets(url) - before == (1 if copies == 0 else 0)
    here.get_many_fast(["b"])  # takes the only place
    here.get_many_fast(["a"])  # read again: "b" pushed it out
    assert _mgets(url) - before == (3 if copies == 0 else 2)


def test_a_new_connection_names_redis_py_without_reading_package_metadata(
    redis_server, monkeypatch
):
    """redis-py read its version from the installed packages' metadata for each new
    connection (4-7 ms: a fresh worker's first request paid it twice); the backend
    hands it the same information once (config.cache.DRIVER_INFO)."""

    def metadata_read(name):
        raise AssertionError(f"importlib.metadata.version({name!r}) on connect")

    monkeypatch.setattr("importlib.metadata.version", metadata_read)
    url = redis_server.url
    backend = _process(url)
    backend.set("headline", "v1")
    assert backend.get_many_fast(["headline"]) == {"headline": "v1"}  # the reader's too
    # What CLIENT SETINFO sends (Redis 7.2+; this machine's 7.0 ignores it), given once.
    pool = backend.client.get_client(write=False).connection_pool
    for connection in [pool.make_connection(), backend.reader._connection]:
        assert connection.driver_info.formatted_name == "redis-py"
        assert connection.driver_info.lib_version == redis.__version__
