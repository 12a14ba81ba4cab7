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

ATTRIBUTE = "_broadsheet_ratelimit"


class _Recording:
    def allow_request(self, request, view) -> bool:
        allowed = super().allow_request(request, view)
        if self.rate is None or self.used is None:
            # This throttle does not apply (anon for a token user), or Redis is away.
            return allowed
        remaining = max(0, self.num_requests - math.ceil(self.used))
        reset = max(0, math.ceil(self.window_ends - time.time()))
        http_request = getattr(request, "_request", request)
        current = getattr(http_request, ATTRIBUTE, None)
        if current is None or remaining < current[1]:
            setattr(http_request, ATTRIBUTE, (self.num_requests, remaining, reset, self.duration))
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
        response = self.get_response(request)
        recorded = getattr(request, ATTRIBUTE, None)
        if recorded is not None:
            limit, remaining, reset, window = recorded
            response["RateLimit-Limit"] = str(limit)
            response["RateLimit-Remaining"] = str(remaining)
            response["RateLimit-Reset"] = str(reset)
            response["RateLimit-Policy"] = f"{limit};w={window}"
        return response
