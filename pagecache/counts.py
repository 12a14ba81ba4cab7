"""Counts of posts (and other small aggregates) cached until the content changes.

Counting the public posts at 100,000 is an index scan of 95,000 entries: 30-70 ms on every
page of every listing, and the API's `count` the same. A count only changes when a post,
category or tag is saved or deleted, or when a scheduled post goes public or a post
expires. So:

    remember("list:/tag/x/", queryset.count)

keeps the value in the cache under the page cache's content generation (bumped on every
such save or delete, by the publish sweep and by imports: `pagecache.cache.invalidate_pages`),
and only until the next scheduled change, a go-live or an expiry (`next_go_live`),
whichever comes
first. Visibility stays the rule of `Post.objects.public()` alone: a scheduled post is
counted on time whether or not the sweep runs. `REMEMBER_SECONDS` bounds what no signal
announces (a renamed user, whose username an `?author=` filter names).

Keys name what the value depends on besides the content: the listing's path and filters,
and for the API whose posts are visible (`blog.permissions.visibility_scope`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.core.cache import cache
from django.utils import timezone

from core.sitevalues import generation_seen

from .cache import GENERATION_KEY, SHARED_GENERATION_KEY

T = TypeVar("T")

REMEMBER_SECONDS = 300
_NEVER = float("inf")


def _generation() -> str:
    return str(cache.get(GENERATION_KEY, 0))


def _entry_key(key: str) -> str:
    return f"remember:{hashlib.sha256(key.encode()).hexdigest()}"


def _read(keys: list[str]) -> tuple[tuple[str, str], dict]:
    """The stamps of the two generations and the entries under `keys`, in one round trip.

    An entry is `(stamp, until, value)`: good while its stamp is current and `until` has
    not passed. A value that depends on all content carries the content generation's
    stamp; one that names the version of what it shows (a post's summary) carries the
    shared generation's (`pagecache.cache.invalidate_pages`).
    """
    found = cache.get_many([GENERATION_KEY, SHARED_GENERATION_KEY, *keys])
    generation = found.pop(GENERATION_KEY, 0)
    generation_seen(generation)  # the site settings' copy is checked in the same trip
    content = f"c{generation}"
    return (content, f"s{found.pop(SHARED_GENERATION_KEY, 0)}"), found


_schedule_sources: list[Callable[[], datetime | None]] = []


def schedule_source(source: Callable[[], datetime | None]) -> None:
    """Tell the page cache when the next scheduled content change is due.

    The content app registers a function answering "when does the next scheduled change
    come?" (a go-live or an expiry: `blog.apps.BlogConfig.ready`); cached pages and counts
    never outlive it.
    The page cache itself knows no model.
    """
    _schedule_sources.append(source)


def _next_scheduled() -> datetime | None:
    moments = [moment for source in _schedule_sources if (moment := source()) is not None]
    return min(moments, default=None)


def next_go_live(now: datetime | None = None) -> datetime | None:
    """When the next scheduled change goes public (None: none is scheduled).

    Cached per content generation (scheduling is a save, which bumps it) until that
    moment passes: one query per content change, not one per request.
    """
    now = now or timezone.now()
    key = f"golive:{_generation()}"
    hit = cache.get(key)
    if hit is not None and hit[0] > now.timestamp():
        return None if hit[0] == _NEVER else datetime.fromtimestamp(hit[0], tz=UTC)
    soonest = _next_scheduled()
    cache.set(key, (soonest.timestamp() if soonest else _NEVER,), timeout=REMEMBER_SECONDS)
    return soonest


def remember(key: str, compute: Callable[[], T], *, timed: bool = True) -> T:
    """`compute()`, or its value from an earlier call while the content is unchanged.

    `timed=False` for a value the clock cannot change (what an editor sees: every post):
    it is cached past the next go-live. A hit is one round trip to the cache; several
    values read together: `read_cached`.
    """
    cached = read_cached([key], timed=timed)
    if key in cached.values:
        return cached.values[key]
    value = compute()
    cached.store({key: value})
    return value


@dataclass
class CachedValues:
    """Values read by `read_cached`, and how to cache more under the generations they had."""

    stamps: tuple[str, str]  # (content, shared): see `_read`
    values: dict[str, Any]
    until: float  # the next go-live, or REMEMBER_SECONDS after the read
    read_at: float
    raw: dict[str, Any] = field(default_factory=dict)  # `read_cached(raw=...)`

    def bound_by_go_live(self) -> None:
        """Bound what is stored next by the next go-live too. `read_cached` reads it only
        when a value is missing; a caller storing again a value it found (rebuilt, or kept
        under new versions) would otherwise keep it past a post going public."""
        go_live = next_go_live()
        if go_live is not None:
            self.until = min(self.until, go_live.timestamp())

    def store(self, values: dict[str, Any], *, versioned: bool = False) -> None:
        """Store `values` (computed after the read) until the content changes.

        `versioned`: each key names the version of the post it shows, so only a change
        to what many posts show retires it, not any post's save.
        """
        stamp = self.stamps[1] if versioned else self.stamps[0]
        # A version of a post shows the same whatever the clock: no go-live retires it.
        until = self.read_at + REMEMBER_SECONDS if versioned else self.until
        if values:
            cache.set_many(
                {_entry_key(key): (stamp, until, value) for key, value in values.items()},
                timeout=REMEMBER_SECONDS,
            )


def forget(keys: Iterable[str]) -> None:
    """Retire the values cached under `keys` now: a change that shows in them alone (a
    post's comments), where bumping a generation would retire every page."""
    cache.delete_many([_entry_key(key) for key in keys])


def read_cached(keys: list[str], *, timed: bool = True, raw: Iterable[str] = ()) -> CachedValues:
    """The values cached under `keys` (those still good), in one round trip.

    When one is missing, the next go-live is read now, before the caller computes it: a
    post going public meanwhile retires the value, instead of being missed by it.
    `raw`: plain cache keys read in the same round trip, their values as they are
    (`CachedValues.raw`: a version a caller checks its values against).
    """
    now = timezone.now()
    entry_keys = {key: _entry_key(key) for key in keys}
    raw = list(raw)
    stamps, found = _read([*entry_keys.values(), *raw])
    values: dict[str, Any] = {}
    for key, entry_key in entry_keys.items():
        entry = found.get(entry_key)
        if entry is not None and entry[0] in stamps and entry[1] > now.timestamp():
            values[key] = entry[2]
    until = now.timestamp() + REMEMBER_SECONDS
    if timed and len(values) < len(entry_keys):
        go_live = next_go_live(now)
        if go_live is not None:
            until = min(until, go_live.timestamp())
    return CachedValues(
        stamps=stamps,
        values=values,
        until=until,
        read_at=now.timestamp(),
        raw={key: found[key] for key in raw if key in found},
    )
