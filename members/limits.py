"""How many sign-up and sign-in mails may be asked for: per address and per client.

A fixed one-hour window per key, counted in the cache with `add` + `incr` (atomic in
Redis, as `accounts.login_limits` counts failed logins): the window starts at the first
request and every request counts, refused ones too, so a client that keeps trying stays
refused until its window ends.

- per address (`MEMBERS_MAILS_PER_ADDRESS_PER_HOUR`, 5): nobody's inbox is flooded
  with our mails, whoever asks. Counted for every address typed, member or not, so the
  limit tells nothing about who is a member; counted per mailbox (`mailbox_key`:
  `victim+1@` and `victim+2@` reach the same inbox, as do `v.ictim@gmail.com` and
  `victim@googlemail.com`), while the member keeps the address as typed.
- per client (`MEMBERS_MAILS_PER_CLIENT_PER_HOUR`, 20, by `core.client_ip`): one client
  cannot make us mail a list of strangers; an office behind one NAT still signs up. An
  IPv6 client is counted by its /64 (`client_key`): one host usually holds a whole /64
  and could otherwise take a fresh address for every request.

With the cache down the limits are off (fail open, as the API throttle): a sign-up must
not fail with Redis, and nginx's `limit_req` still bounds any one client.
"""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 3600


class RateLimited(Exception):
    """Too many mails asked for; `retry_after` seconds until the window ends (at most)."""

    def __init__(self, retry_after: int = WINDOW_SECONDS):
        super().__init__("Too many requests for sign-in mails.")
        self.retry_after = retry_after


def _count(key: str) -> int:
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key) or 0
    except ValueError:  # expired between add() and incr(): a fresh window
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


GMAIL_DOMAINS = {"gmail.com", "googlemail.com"}


def mailbox_key(email: str) -> str:
    """The inbox `email` reaches, as far as the limit cares: lower-cased, any `+tag` of
    the local part dropped, and for Gmail the dots too (and one domain for both names)."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def client_key(client_ip: str) -> str:
    """An IPv4 client by its address, an IPv6 one by its /64 (an IPv4-mapped IPv6
    address is the IPv4 one); anything unparsable as it is."""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return client_ip
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def count_mail_request(email: str, client_ip: str) -> None:
    """Count one more mail asked for `email` from `client_ip`; raise `RateLimited` if
    either is over its limit this hour. The mailbox is hashed in the key: no addresses
    in the cache."""
    digest = hashlib.sha256(mailbox_key(email).encode()).hexdigest()[:32]
    by_address = _count(f"members-mail:address:{digest}")
    by_client = _count(f"members-mail:client:{client_key(client_ip)}")
    if (
        by_address > settings.MEMBERS_MAILS_PER_ADDRESS_PER_HOUR
        or by_client > settings.MEMBERS_MAILS_PER_CLIENT_PER_HOUR
    ):
        raise RateLimited()
