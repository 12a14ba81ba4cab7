"""Parsing of setting values that settings modules and the apps share."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def parse_origin(url: str, setting: str = "BROADSHEET_SITE_URL") -> str:
    """`url` reduced to its origin; refuses anything that is not an http(s) origin, naming
    the `setting` it came from."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            f"{setting} must be an origin such as https://news.example.com, not {url!r}."
        )
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        raise ImproperlyConfigured(f"{setting} is an origin only (scheme and host), not {url!r}.")
    return f"{parts.scheme}://{parts.netloc}"
