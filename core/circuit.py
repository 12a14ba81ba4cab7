"""A circuit breaker: after one failure, fail fast for a while instead of waiting again.

    redis_breaker = CircuitBreaker("Redis cache", cooldown=5.0)
    if not redis_breaker.allow():
        ...skip the call, as if it had failed...
    try:
        call()
    except ConnectionError as error:
        redis_breaker.failed(error)
    else:
        redis_breaker.succeeded()

A frozen server costs one socket timeout per cooldown and process, not one per call. While
open, one caller per cooldown is let through as a probe; its success closes the breaker.
With `probe` given (a call that raises while the server is away), the breaker also probes
by itself, once per cooldown on a thread of its own, so it closes as soon as the server
answers even in a process no caller reaches (a web process that nginx's cache spares).
The outage is logged twice, when it starts (warning) and when it ends (with how long it
lasted and how many calls failed or were skipped), never once per call. `on_close`, if
given, is called once per outage, right after the breaker closes (core/cache.py: the
cache tells its listeners that writes may have been lost meanwhile). Written by hand
(thirty lines, thread-safe, no I/O) rather than adding pybreaker, whose listeners and
state storage we would not use.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

logger = logging.getLogger("broadsheet.circuit")


class CircuitBreaker:
    """Fails fast for `cooldown` seconds after a failure; one probe per cooldown."""

    def __init__(
        self,
        name: str,
        cooldown: float,
        on_close: Callable[[], None] | None = None,
        probe: Callable[[], object] | None = None,
    ) -> None:
        self.name, self.cooldown, self.on_close, self.probe = name, cooldown, on_close, probe
        self._lock = threading.Lock()
        self._down_since: float | None = None  # None: closed (healthy)
        self._retry_at = 0.0
        self.failures = 0  # failed or skipped calls in the current outage

    @property
    def is_open(self) -> bool:
        return self._down_since is not None

    def allow(self) -> bool:
        """True if a call may go ahead (closed, or this caller is the probe)."""
        if self._down_since is None:  # the common case, without taking the lock
            return True
        with self._lock:
            if self._down_since is None:
                return True
            now = time.monotonic()
            if now >= self._retry_at:
                self._retry_at = now + self.cooldown  # only this caller probes
                return True
            self.failures += 1
            return False

    def reset(self) -> None:
        """Close the breaker and forget the outage (tests, or a new broker URL)."""
        with self._lock:
            self._down_since, self._retry_at, self.failures = None, 0.0, 0

    def failed(self, error: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            self.failures += 1
            self._retry_at = now + self.cooldown
            if self._down_since is not None:
                return
            self._down_since = now
        if self.probe is not None:
            threading.Thread(target=self._probe_until_back, name=self.name, daemon=True).start()
        logger.warning(
            "%s unreachable (%r): failing fast, retrying every %.0f s; "
            "further errors are counted, not logged",
            self.name,
            error,
            self.cooldown,
        )

    def _probe_until_back(self) -> None:
        """Every cooldown, `probe` until it answers; then close (one thread per outage)."""
        while self.is_open:
            time.sleep(self.cooldown)
            try:
                self.probe()
            except Exception:  # still away: counted, then tried again after the cooldown
                with self._lock:
                    self.failures += 1
            else:
                self.succeeded()

    def succeeded(self) -> None:
        if self._down_since is None:  # the common case, without taking the lock
            return
        with self._lock:
            if self._down_since is None:
                return
            lasted, failures = time.monotonic() - self._down_since, self.failures
            self._down_since, self.failures = None, 0
        logger.warning(
            "%s reachable again after %.1f s; %d call(s) failed or skipped meanwhile",
            self.name,
            lasted,
            failures,
        )
        if self.on_close is not None:
            self.on_close()
