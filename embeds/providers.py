"""The provider table (`config.embed_providers`, plus `EMBEDS_EXTRA_PROVIDERS`) as code:
which provider a URL belongs to, and which iframe address an oEmbed answer may give.

An iframe is shown only from an origin some provider lists in `frame_origins` (the
same list the CSP's `frame-src` is made of), so a provider found by discovery whose
player lives elsewhere is shown as a link card: thumbnail and title, no player.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings

from config.embed_providers import PROVIDERS, frame_origins


@dataclass(frozen=True)
class Provider:
    name: str
    pattern: re.Pattern
    endpoint: str
    frame_origins: tuple[str, ...]
    frame: str = ""
    rewrite: tuple[tuple[str, str], ...] = field(default=())
    autoplay: bool = False


def providers() -> tuple[Provider, ...]:
    """Built-in providers, then the site's own (`BROADSHEET_EMBED_PROVIDERS`)."""
    return _compiled(repr(settings.EMBEDS_EXTRA_PROVIDERS))


@lru_cache(maxsize=4)
def _compiled(_key: str) -> tuple[Provider, ...]:
    return tuple(
        Provider(
            name=p["name"],
            pattern=re.compile(p["pattern"]),
            endpoint=p["endpoint"],
            frame_origins=tuple(p.get("frame_origins", ())),
            frame=p.get("frame", ""),
            rewrite=tuple(p.get("rewrite", {}).items()),
            autoplay=bool(p.get("autoplay")),
        )
        for p in (*PROVIDERS, *settings.EMBEDS_EXTRA_PROVIDERS)
    )


def allowed_frame_origins() -> set[str]:
    """Origins an iframe may come from: the CSP's `frame-src`."""
    return set(frame_origins(settings.EMBEDS_EXTRA_PROVIDERS))


def provider_for(url: str) -> tuple[Provider, re.Match] | None:
    """The provider whose pattern matches the whole of `url`, with the match."""
    for provider in providers():
        match = provider.pattern.fullmatch(url)
        if match:
            return provider, match
    return None


class _FirstIframe(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.src = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "iframe" and not self.src:
            self.src = dict(attrs).get("src") or ""


def frame_src(oembed_html: str, *, provider: Provider | None, match: re.Match | None) -> str:
    """The player's address from an oEmbed `html`, or "" when none may be shown.

    Only the `src` of its first iframe is kept (never the provider's HTML or scripts),
    rewritten (youtube-nocookie.com) and accepted only from an allowed origin.
    """
    src = ""
    if provider and provider.frame and match and "id" in match.groupdict():
        src = provider.frame.format(id=match["id"])
    else:
        parser = _FirstIframe()
        parser.feed(oembed_html[:100_000])
        src = parser.src.strip()
        if src.startswith("//"):
            src = "https:" + src
    parts = urlsplit(src)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        return ""
    origin = f"{parts.scheme}://{parts.netloc}"
    for seen, used in provider.rewrite if provider else ():
        if origin == seen:
            origin = used
    if origin not in allowed_frame_origins():
        return ""
    query = parse_qsl(parts.query, keep_blank_values=True)
    if provider and provider.autoplay and "autoplay" not in dict(query):
        query.append(("autoplay", "1"))  # the reader clicked play once already
    scheme, netloc = origin.split("://", 1)
    return urlunsplit((scheme, netloc, parts.path, urlencode(query), ""))
