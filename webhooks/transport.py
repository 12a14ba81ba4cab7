"""One webhook POST: `core.outgoing.request` (pinned to the vetted address, one deadline)
with the endpoint guard's setting, reading the first `MAX_REPLY_BYTES` of the answer.

Every failure is an error string in the `Reply` (a failed attempt, retried), never an
exception; docs/decisions/0025-webhook-pinned-transport.md.
"""

from __future__ import annotations

from django.conf import settings

from core.outgoing import BlockedAddress, Reply, request

MAX_REPLY_BYTES = 2000


def post(url: str, body: bytes, headers: dict[str, str], *, deadline: float) -> Reply:
    """POST `body` to `url` once; raises `BlockedAddress` when the host is not public."""
    return request(
        "POST",
        url,
        body=body,
        headers=headers,
        deadline=deadline,
        max_bytes=MAX_REPLY_BYTES,
        allow_private=settings.WEBHOOKS_ALLOW_PRIVATE,
    )


__all__ = ["BlockedAddress", "Reply", "post"]
