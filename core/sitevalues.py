"""The site's settings as every app reads them: one accessor, `site_values()`.

    from core.sitevalues import site_values
    site_values().name          # the site's name, as the editors last saved it

Editors change the site's name, description, logo, menus… in the admin (the
`sitesettings` app); the environment (`BROADSHEET_SITE_NAME`, `BROADSHEET_SITE_DESCRIPTION`,
`DJANGO_TIME_ZONE`) gives the first values. Apps below `sitesettings` in the import layers
(`blog`, `accounts`) cannot import it, so they read through here: `sitesettings` registers
its reader at start (`register_reader`), and with no reader (the app not installed) the
values are the environment's.

Within a request the values are read once, by `sitesettings.middleware`, and kept for the
request here (`using`), so a page that renders twenty fragments reads them once. Outside
a request (a mail sent by the worker), each call asks the reader, which answers from the
shared cache (docs/decisions/0036-site-settings-cache.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings


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
_current: ContextVar[SiteValues | None] = ContextVar("site_values", default=None)


def register_reader(reader: Callable[[], SiteValues]) -> None:
    """Make `reader` the source of `site_values()` (the settings app, at start)."""
    _reader[:] = [reader]


def read() -> SiteValues:
    """The values from their source, not from the request's copy."""
    return _reader[0]() if _reader else from_environment()


def site_values() -> SiteValues:
    """The site's current settings: the request's copy, else read now."""
    return _current.get() or read()


@contextmanager
def using(values: SiteValues) -> Iterator[SiteValues]:
    """Within the block, `site_values()` answers `values` (one request's copy)."""
    token = _current.set(values)
    try:
        yield values
    finally:
        _current.reset(token)
