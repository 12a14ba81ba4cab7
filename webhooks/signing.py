"""The signature of a delivery: HMAC-SHA256 over the timestamp and the body.

Header `Broadsheet-Signature: t=<unix seconds>,v1=<hex digest>` where the digest is
HMAC-SHA256(secret, f"{t}.".encode() + body). A receiver recomputes it with its copy of
the secret, compares in constant time and refuses old timestamps (replays). docs/api.md
has the verification snippet; `verify` below is the same code.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Broadsheet-Signature"
TOLERANCE_SECONDS = 300


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, body: bytes, header: str, tolerance: int = TOLERANCE_SECONDS) -> bool:
    """True when `header` signs `body` with `secret` and is at most `tolerance` s old."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))
