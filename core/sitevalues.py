"""The site's settings as every app reads them: one accessor, `site_values()`.

    from core.sitevalues import site_values
    site_values().name          # the site's name, as the editors last saved it

Editors change the site's name, description, logo, menus… in the admin (the
`sitesettings` app); the environment (`BROADSHEET_SITE_NAME`, `BROADSHEET_SITE_DESCRIPTION`,
`DJANGO_TIME_ZONE`) gives the first values. Apps below `sitesettings` in the import layers
(`blog`, `accounts`) cannot import it, so they read through here: `sitesettings` registers
its reader at start (`register_reader`), and with no reader (the app not installed) the
values are the environment's.

Within a request (`request_scope`, entered by `sitesettings.middleware`) the values come
from this process's copy, checked against the page cache's content generation in the
round trip the page cache makes anyway (`generation_seen`), so a cached page costs no
extra cache read and no query; a process whose copy is stale (another process saved the
settings) reads them again from the shared cache. Outside a request (a mail sent by the
worker), each call asks the reader, which answers from the shared cache
(docs/decisions/0036-site-settings-cache.md).
"""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils import timezone


@dataclass(frozen=True)
class Link:
    """A menu entry or a profile link: what it says and where it goes."""

    label: str
    url: str


@dataclass(frozen=True)
class Picture:
    """An image the layout shows or names (logo, icon, share card)."""

    url: str
    width: int
    height: int
    mime_type: str
    alt: str = ""


@dataclass(frozen=True)
class SiteValues:
    """Everything the layout, feeds and mails read about the site. Plain values only: it
    is pickled into the shared cache."""

    name: str
    description: str
    language: str = "en"
    time_zone: str = "UTC"
    accent: str = ""  # "#rrggbb", or "" for the stylesheet's own
    logo: Picture | None = None
    icon: Picture | None = None
    social_image: Picture | None = None
    social_links: tuple[Link, ...] = ()
    footer_html: str = ""  # sanitised when saved
    # None: no header menu configured, the header shows the busiest categories instead.
    header_menu: tuple[Link, ...] | None = None
    footer_menu: tuple[Link, ...] = field(default_factory=tuple)


def from_environment() -> SiteValues:
    """The first values, before any editor saved the settings."""
    return SiteValues(
        name=settings.SITE_NAME,
        description=settings.SITE_DESCRIPTION,
        language=settings.LANGUAGE_CODE.split("-")[0],
        time_zone=settings.TIME_ZONE,
    )


_reader: list[Callable[[], SiteValues]] = []
_generation_source: list[Callable[[], Any]] = []


def register_reader(
    reader: Callable[[], SiteValues], generation: Callable[[], Any] | None = None
) -> None:
    """Make `reader` the source of `site_values()` (the settings app, at start), and
    `generation` the cache read that tells whether this process's copy is still good."""
    _reader[:] = [reader]
    _generation_source[:] = [generation] if generation else []


def read() -> SiteValues:
    """The values from their source (the shared cache, else the database)."""
    return _reader[0]() if _reader else from_environment()


# This process's copy: (content generation it was read under, when, values). Good while
# the generation is unchanged, and at most MEMO_SECONDS (a scheduled page that a menu
# names goes public: the sweep bumps the generation, this bounds it without the sweep).
MEMO_SECONDS = 60
_memo: list[tuple[Any, float, SiteValues] | None] = [None]


@dataclass
class _RequestCopy:
    values: SiteValues
    generation: Any
    checked: bool  # compared with the shared generation during this request


_current: ContextVar[_RequestCopy | None] = ContextVar("site_values", default=None)


def _remembered(generation: Any = None) -> SiteValues | None:
    memo = _memo[0]
    if memo is None or time.monotonic() - memo[1] > MEMO_SECONDS:
        return None
    if generation is not None and memo[0] != generation:
        return None
    return memo[2]


def _load(generation: Any) -> SiteValues:
    values = read()
    _memo[0] = (generation, time.monotonic(), values)
    return values


def _generation() -> Any:
    return _generation_source[0]() if _generation_source else None


def _apply_time_zone(values: SiteValues) -> None:
    timezone.activate(_zone(values.time_zone))


@lru_cache(maxsize=16)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def generation_seen(generation: Any) -> None:
    """The page cache read the content generation for this request (`pagecache`): check
    the request's copy against it at no cost, and read the values again if they changed
    (a save anywhere bumps it)."""
    state = _current.get()
    if state is None or state.checked:
        return
    state.checked = True
    if state.generation == generation:
        return
    state.values = _remembered(generation) or _load(generation)
    state.generation = generation
    _apply_time_zone(state.values)


def site_values() -> SiteValues:
    """The site's current settings: the request's copy (checked once against the shared
    generation), else read now."""
    state = _current.get()
    if state is None:
        return read()
    if not state.checked:
        generation_seen(_generation())
    return state.values


def forget() -> None:
    """Drop this process's copy (tests, after emptying the cache)."""
    _memo[0] = None


@contextmanager
def request_scope(*, check_now: bool, read_now: bool = True) -> Iterator[None]:
    """One request's copy of the values, with the site's time zone active.

    This process's copy is used as it is, and checked when the page cache first reads
    the content generation (`generation_seen`: the same round trip), or on the first
    `site_values()` of the request. `check_now`: compare it with the shared generation
    at once (one cache read): for requests the page cache will not answer. `read_now`
    False: nothing is read (nor the time zone set) unless the request asks (the API,
    whose dates stay in UTC).
    """
    state = None
    if read_now:
        remembered = _remembered()
        if remembered is None:
            generation = _generation()
            state = _RequestCopy(_load(generation), generation, checked=True)
        else:
            state = _RequestCopy(remembered, _memo[0][0], checked=False)
    token = _current.set(state)
    try:
        if state is not None:
            if check_now:
                generation_seen(_generation())
            _apply_time_zone(state.values)
        yield
    finally:
        _current.reset(token)
        if state is not None:
            timezone.deactivate()
