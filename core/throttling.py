"""API rate limits with an atomic counter: DRF's own throttles read a list of request
times from the cache and write it back, so concurrent requests overwrite each other's
entries (177 requests got through in 30 s against 120/min).

    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.AnonRateThrottle",
                                 "core.throttling.UserRateThrottle"]

A sliding-window counter per client: Redis `INCR` on a key per window (it expires with
the next one), so every request is counted exactly once whatever the concurrency; the
previous window's count is weighted by how much of it still overlaps the last
`duration` seconds. Refused requests count too, so a client that keeps hammering stays
refused.

When Redis is down the limit is off (fail open): the counter is unavailable, and the
throttle protects capacity, not secrets. Login attempts are limited by django-axes in
the database, which an outage of Redis does not switch off.
"""

from __future__ import annotations

import time

from rest_framework import throttling


class AtomicWindowMixin:
    """`allow_request` for SimpleRateThrottle subclasses: one INCR per request."""

    used: float | None = None  # requests counted in the last `duration` seconds

    def allow_request(self, request, view) -> bool:
        self.used = None
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = time.time()
        window, into = divmod(now, self.duration)
        self.window_ends = (window + 1) * self.duration
        counter = f"{key}:{int(window)}"
        self.cache.add(counter, 0, timeout=2 * self.duration + 1)
        try:
            count = self.cache.incr(counter)
        except ValueError:  # expired between add and incr: a fresh window
            return True
        if count is None:  # Redis unreachable (IGNORE_EXCEPTIONS): fail open
            return True
        previous = self.cache.get(f"{key}:{int(window) - 1}", 0) or 0
        self.used = count + previous * (1 - into / self.duration)
        return self.used <= self.num_requests

    def wait(self) -> float | None:
        return max(0.0, self.window_ends - time.time())


class AnonRateThrottle(AtomicWindowMixin, throttling.AnonRateThrottle):
    """Anonymous clients by address (`anon` rate)."""


class UserRateThrottle(AtomicWindowMixin, throttling.UserRateThrottle):
    """Clients with a token by user (`user` rate)."""
