"""The API throttle counts every request once, also when they arrive together
(core/throttling.py, issue 13: DRF's read-modify-write let 177 through against 120)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from rest_framework.test import APIRequestFactory

from core.throttling import AnonRateThrottle


class FiftyPerMinute(AnonRateThrottle):
    rate = "50/min"


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 12, 0, 10, tzinfo=UTC), tick=False)
    cache.clear()


def _request(address: str = "203.0.113.7"):
    request = APIRequestFactory().get("/api/posts/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    return request


def test_concurrent_requests_are_each_counted_once(frozen):
    allowed: list[bool] = []
    start = threading.Barrier(10)

    def client() -> None:
        start.wait()
        for _ in range(10):
            allowed.append(FiftyPerMinute().allow_request(_request(), None))

    threads = [threading.Thread(target=client) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(allowed) == 100
    assert allowed.count(True) == 50
    assert FiftyPerMinute().allow_request(_request("198.51.100.1"), None)  # others unaffected


def test_the_previous_minute_still_counts_at_the_start_of_the_next(frozen, time_machine):
    assert all(FiftyPerMinute().allow_request(_request(), None) for _ in range(50))
    time_machine.move_to(datetime(2026, 3, 1, 12, 1, 5, tzinfo=UTC), tick=False)
    # 5 s into the next minute, 55 s of the last one overlap: about 46 still count.
    throttle = FiftyPerMinute()
    assert [throttle.allow_request(_request(), None) for _ in range(6)] == [True] * 4 + [False] * 2
    assert 0 < throttle.wait() <= 60
