"""How many sign-up and sign-in mails may be asked for: per address and per client.

A fixed one-hour window per key, counted in the cache with `add` + `incr` (atomic in
Redis, as `accounts.login_limits` counts failed logins): the window starts at the first
request and every request counts, refused ones too, so a client that keeps trying stays
refused until its window ends.

- per address (`MEMBERS_MAILS_PER_ADDRESS_PER_HOUR`, 5): nobody's inbox is flooded
  with our mails, whoever asks. Counted for every address typed, member or not, so the
  limit tells nothing about who is a member.
- per client (`MEMBERS_MAILS_PER_CLIENT_PER_HOUR`, 20, by `core.client_ip`): one client
  cannot make us mail a list of strangers; an office behind one NAT still signs up.

With the cache down the limits are off (fail open, as the API throttle): a sign-up must
not fail with Redis, and nginx's `limit_req` still bounds any one client.
"""

from __future__ import annotations

import hashlib

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


def count_mail_request(email: str, client_ip: str) -> None:
    """Count one more mail asked for `email` from `client_ip`; raise `RateLimited` if
    either is over its limit this hour. The address is hashed in the key: no addresses
    in the cache."""
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    by_address = _count(f"members-mail:address:{digest}")
    by_client = _count(f"members-mail:client:{client_ip}")
    if (
        by_address > settings.MEMBERS_MAILS_PER_ADDRESS_PER_HOUR
        or by_client > settings.MEMBERS_MAILS_PER_CLIENT_PER_HOUR
    ):
        raise RateLimited()
