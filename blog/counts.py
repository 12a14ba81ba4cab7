"""Counts of posts (and other small aggregates) kept until the content changes.

Counting the public posts at 100,000 is an index scan of 95,000 entries: 30-70 ms on every
page of every listing, and the API's `count` the same. A count only changes when a post,
category or tag is saved or deleted, or when a scheduled post goes public. So:

    remember("list:/tag/x/", queryset.count)

keeps the value in the cache under the page cache's content generation (bumped on every
such save or delete, by the publish sweep and by imports: `blog.cache.invalidate_pages`),
and only until the next scheduled post goes public (`next_go_live`), whichever comes
first. Visibility stays the rule of `Post.objects.public()` alone: a scheduled post is
counted on time whether or not the sweep runs. `REMEMBER_SECONDS` bounds what no signal
announces (a renamed user, whose username an `?author=` filter names).

Keys name what the value depends on besides the content: the listing's path and filters,
and for the API whose posts are visible (`blog.permissions.visibility_scope`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from django.core.cache import cache
from django.utils import timezone

from .cache import GENERATION_KEY

T = TypeVar("T")

REMEMBER_SECONDS = 300
_NEVER = float("inf")


def _generation() -> str:
    return str(cache.get(GENERATION_KEY, 0))


def next_go_live(now: datetime | None = None) -> datetime | None:
    """When the next scheduled post goes public (None: none is scheduled).

    Remembered per content generation (scheduling a post is a save, which bumps it) until
    that moment passes: one query per content change, not one per request.
    """
    from .models import Post  # models import modules that import this one

    now = now or timezone.now()
    key = f"golive:{_generation()}"
    hit = cache.get(key)
    if hit is not None and hit[0] > now.timestamp():
        return None if hit[0] == _NEVER else datetime.fromtimestamp(hit[0], tz=UTC)
    soonest = (
        Post.objects.scheduled()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    cache.set(key, (soonest.timestamp() if soonest else _NEVER,), timeout=REMEMBER_SECONDS)
    return soonest


def remember(key: str, compute: Callable[[], T], *, timed: bool = True) -> T:
    """`compute()`, or its value from an earlier call while the content is unchanged.

    `timed=False` for a value the clock cannot change (what an editor sees: every post):
    it is kept past the next go-live.
    """
    now = timezone.now()
    digest = hashlib.sha256(key.encode()).hexdigest()
    entry_key = f"remember:{_generation()}:{digest}"
    hit = cache.get(entry_key)
    if hit is not None and hit[1] > now.timestamp():
        return hit[0]
    # Read before computing: a post going public meanwhile retires the value, not misses.
    go_live = next_go_live(now) if timed else None
    value = compute()
    until = now.timestamp() + REMEMBER_SECONDS
    if go_live is not None:
        until = min(until, go_live.timestamp())
    cache.set(entry_key, (value, until), timeout=REMEMBER_SECONDS)
    return value
