"""What an editor may type into the site settings, each refusal with a message that says
how to fix it."""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
# The page background the accent is read on (static/css/site.css `--paper`), and white.
PAPER = "#fffdf8"
WHITE = "#ffffff"
# WCAG 2.x AA for normal text: links and button labels are normal text.
AA_CONTRAST = 4.5
# BCP 47 as pages use it: a language, then optional script / region / variant subtags.
LANGUAGE_TAG = re.compile(
    r"[a-zA-Z]{2,3}(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?(-[a-zA-Z0-9]{5,8})*"
)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of `#rrggbb`."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two `#rrggbb` colours (1 to 21)."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def validate_accent(value: str) -> None:
    """`#rrggbb`, dark enough that links on the page and white button labels on it pass
    WCAG AA (4.5:1)."""
    if not HEX_COLOUR.fullmatch(value):
        raise ValidationError(
            "Enter a colour as # and six hexadecimal digits, for example #1d3557.",
            code="invalid",
        )
    ratio = min(contrast(value, PAPER), contrast(value, WHITE))
    if ratio < AA_CONTRAST:
        raise ValidationError(
            "%(value)s is too light: links in it on the white page have a contrast of "
            "%(ratio).1f:1, and readers need at least 4.5:1 (WCAG AA). Choose a darker shade.",
            code="low_contrast",
            params={"value": value, "ratio": ratio},
        )


def validate_language(value: str) -> None:
    if not LANGUAGE_TAG.fullmatch(value):
        raise ValidationError(
            "Enter a language tag such as en, fr, de-CH or pt-BR (BCP 47).", code="invalid"
        )


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zones():
        raise ValidationError(
            "%(value)s is not a time zone: use a name such as Europe/Paris, "
            "America/New_York or UTC.",
            code="invalid",
            params={"value": value},
        )


_absolute = URLValidator(schemes=["http", "https"])


def validate_menu_url(value: str) -> None:
    """An http(s) address, or a path on this site (`/about/`, `/feed/`)."""
    if value.startswith("/") and not value.startswith("//"):
        if any(c.isspace() for c in value) or "\\" in value:
            raise ValidationError("A site path may not contain spaces or backslashes.")
        return
    try:
        _absolute(value)
    except ValidationError:
        raise ValidationError(
            "Enter an address starting with https:// or http://, or a path on this site "
            "starting with / (for example /archive/).",
            code="invalid",
        ) from None


# Profile hosts whose name readers know; any other (a Mastodon server) is named by its host.
NETWORKS = {
    "bsky.app": "Bluesky",
    "github.com": "GitHub",
    "gitlab.com": "GitLab",
    "x.com": "X",
    "twitter.com": "X",
    "linkedin.com": "LinkedIn",
    "instagram.com": "Instagram",
    "facebook.com": "Facebook",
    "youtube.com": "YouTube",
    "threads.net": "Threads",
    "codeberg.org": "Codeberg",
}
MAX_SOCIAL_LINKS = 12


def network_name(url: str) -> str:
    """What a reader calls the profile at `url`: "GitHub", or the host ("Mastodon" for a
    `/@user` address on an unknown host)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    if host in NETWORKS:
        return NETWORKS[host]
    return "Mastodon" if parts.path.startswith("/@") else host


def social_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def validate_social_links(text: str) -> None:
    """One https address per line, at most `MAX_SOCIAL_LINKS`."""
    lines = social_lines(text)
    if len(lines) > MAX_SOCIAL_LINKS:
        raise ValidationError(f"At most {MAX_SOCIAL_LINKS} profile links.", code="too_many")
    secure = URLValidator(schemes=["https"])
    for number, line in enumerate(lines, start=1):
        try:
            secure(line)
        except ValidationError:
            raise ValidationError(
                "Line %(number)s is not an https:// address: %(line)s",
                code="invalid",
                params={"number": number, "line": line},
            ) from None
