"""No deliveries to private, loopback, link-local or otherwise internal addresses (SSRF).

An editor chooses the URL, the server makes the request: without this guard a webhook
could reach the database, Redis or a cloud metadata service. Every address the host
resolves to must be public, checked when the endpoint is saved and again right before
each delivery (DNS may change). `WEBHOOKS_ALLOW_PRIVATE` turns the guard off (tests use a
receiver on loopback). Redirects are never followed, so a public URL cannot bounce the
request inward.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class BlockedAddress(ValueError):
    """The URL points somewhere the server must not send requests."""


def check_url(url: str) -> None:
    """Raise `BlockedAddress` unless every address of `url`'s host is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddress("Only http and https URLs with a host name.")
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise BlockedAddress(f"Cannot resolve {parts.hostname}.") from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global or address.is_multicast:
            raise BlockedAddress(f"{parts.hostname} resolves to a non-public address ({address}).")
