"""Rate-limit signals: `RateLimit-*` headers on every throttled API response, 429s.

The atomic counters of `core.throttling` decide; these subclasses also remember the
tightest limit that applied
to the request, and `RateLimitHeadersMiddleware` writes it out in the IETF draft's
headers (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Limit`, `RateLimit-Remaining`,
`RateLimit-Reset` (seconds until the window frees a request) and `RateLimit-Policy`
(`120;w=60`). A 429 also carries `Retry-After` (DRF sets it). CORS exposes them all
(`CORS_EXPOSE_HEADERS`). Answers from the page cache are not counted and carry none.
"""

from __future__ import annotations

import math
import time

from django.http import HttpRequest, HttpResponse
from rest_framework import throttling

from core.throttling import AtomicWindowMixin

ATTRIBUTE = "ratelimit_record"


class RateLimitRecord:
    """The tightest limit that applied to one request: (limit, remaining, reset, window).

    `RateLimitHeadersMiddleware` puts one on Django's request; a throttle, which is handed
    DRF's request, finds it through DRF's attribute proxy and fills it in place.
    """

    __slots__ = ("tightest",)

    def __init__(self) -> None:
        self.tightest: tuple[int, int, int, int] | None = None

    def offer(self, limit: int, remaining: int, reset: int, window: int) -> None:
        if self.tightest is None or remaining < self.tightest[1]:
            self.tightest = (limit, remaining, reset, window)


class _Recording:
    def allow_request(self, request, view) -> bool:
        allowed = super().allow_request(request, view)
        if self.rate is None or self.used is None:
            # This throttle does not apply (anon for a token user), or Redis is away.
            return allowed
        record = getattr(request, ATTRIBUTE, None)
        if record is not None:  # None: called outside the middleware (a bare view in a test)
            remaining = max(0, self.num_requests - math.ceil(self.used))
            reset = max(0, math.ceil(self.window_ends - time.time()))
            record.offer(self.num_requests, remaining, reset, self.duration)
        return allowed


class AnonRateThrottle(_Recording, AtomicWindowMixin, throttling.AnonRateThrottle):
    """Per address, for clients without a token or session."""


class UserRateThrottle(_Recording, AtomicWindowMixin, throttling.UserRateThrottle):
    """Per user, for clients with a token or session."""


class RateLimitHeadersMiddleware:
    """Writes the limit a throttle recorded for this request into the response."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        record = RateLimitRecord()
        setattr(request, ATTRIBUTE, record)
        response = self.get_response(request)
        if record.tightest is not None:
            limit, remaining, reset, window = record.tightest
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
            response["RateLimit-Policy"] = f"{limit};w={window}"
        return response
