"""The SSRF guard for webhook endpoints: `core.ssrf` with `WEBHOOKS_ALLOW_PRIVATE`.

See `core/ssrf.py` for the rules (public addresses only, checked before each delivery).
"""

from __future__ import annotations

from django.conf import settings

from core import ssrf
from core.ssrf import BlockedAddress


def check_url(url: str, resolve: bool = True) -> list[str]:
    """`core.ssrf.check_url`, private addresses allowed only if `WEBHOOKS_ALLOW_PRIVATE`."""
    return ssrf.check_url(url, resolve, allow_private=settings.WEBHOOKS_ALLOW_PRIVATE)


__all__ = ["BlockedAddress", "check_url"]
