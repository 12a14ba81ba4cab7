"""No requests to private, loopback, link-local or otherwise internal addresses (SSRF).

Someone chooses the URL, the server makes the request (a webhook's endpoint, an embedded
link's oEmbed and thumbnail): without this guard it could reach the database, Redis or
a cloud metadata service. Every address the host resolves to must be public, checked
right before each request (DNS may change); `resolve=False` checks only what needs no
lookup (scheme, an IP literal, `localhost`), for forms that must not wait on DNS.
`allow_private=True` turns the guard off: each caller passes its own setting
(`WEBHOOKS_ALLOW_PRIVATE`, `EMBEDS_ALLOW_PRIVATE`), which only tests set, for a server
of theirs on loopback. Redirects are never followed, so a public URL cannot bounce the
request inward.

A check is only worth something if the request goes where was checked: `check_url`
returns the addresses it vetted, and `core/outgoing.py` connects to one of those rather
than resolving the name again (which a name with a short TTL could answer with loopback
the second time: DNS rebinding). Shared by `webhooks` and `embeds`, so it lives here.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


class BlockedAddress(ValueError):
    """The URL points somewhere the server must not send requests."""


def check_url(url: str, resolve: bool = True, *, allow_private: bool = False) -> list[str]:
    """Raise `BlockedAddress` unless every address of `url`'s host is public.

    Returns the addresses that were checked, to connect to (with `resolve=False` only the
    URL itself is checked, with no DNS lookup, and the list is empty).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BlockedAddress("Only http and https URLs with a host name.")
    if allow_private and not resolve:
        return []
    host = parts.hostname.rstrip(".").lower()
    if not allow_private and (host == "localhost" or host.endswith(".localhost")):
        raise BlockedAddress(f"{parts.hostname} is a loopback name.")
    try:
        literal = ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        literal = None  # a name, not an IP literal
    if literal is not None and not allow_private:
        _check_address(literal, parts.hostname)
    if not resolve:
        return []
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise BlockedAddress(f"Cannot resolve {parts.hostname}.") from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not allow_private:
        for address in addresses:
            _check_address(ipaddress.ip_address(address.split("%")[0]), parts.hostname)
    return addresses


def _check_address(address, hostname: str) -> None:
    if not address.is_global or address.is_multicast:
        raise BlockedAddress(f"{hostname} resolves to a non-public address ({address}).")
