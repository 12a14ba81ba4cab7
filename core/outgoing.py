"""One outgoing HTTP request: to the address the SSRF guard vetted, within one deadline.

`request(method, url, ..., deadline=…, max_bytes=…, allow_private=…)` resolves the host
once through `core.ssrf.check_url` and connects to one of the addresses that passed,
never to a fresh lookup (a name whose answer changes between the check and the connect
would otherwise reach loopback). The request still names the host: `Host` is the URL's
host, and for https the certificate is verified against it and SNI carries it. Redirects
are not followed (a 3xx is an answer like any other), so there is no second hop to check.

`deadline` bounds the whole exchange — connect, send, status line, headers and the body
up to `max_bytes` — not each socket operation: a server that trickles one byte a second
cannot hold a worker past it (a timer shuts the socket down). At most `max_bytes` of the
body are read; `Reply.truncated` says the body was longer.

Every way the exchange can break (refused, reset, TLS, a status line that is not HTTP,
too many headers, the deadline) comes back as an error string, never an exception, so
the caller records it (a failed webhook attempt, an embed's error). Used by `webhooks`
(deliveries) and `embeds` (oEmbed and thumbnails); docs/decisions/0025.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from .ssrf import BlockedAddress, check_url


@dataclass(frozen=True)
class Reply:
    """What the server answered: a status (None when there was none) or an error."""

    status: int | None
    content: bytes = b""
    error: str = ""
    content_type: str = ""
    truncated: bool = False  # the body was longer than `max_bytes`

    @property
    def text(self) -> str:
        return self.content.decode(errors="replace")


def _connect(addresses: list[str], port: int, expires: float) -> socket.socket:
    """A TCP connection to the first vetted address that accepts one before `expires`."""
    last: OSError = OSError("no address to connect to")
    for address in addresses:
        left = expires - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed while connecting")
        try:
            return socket.create_connection((address, port), timeout=left)
        except OSError as error:
            last = error
    raise last


class PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to `host` that connects to vetted addresses, never resolving."""

    def __init__(self, host: str, port: int | None, *, addresses: list[str], expires: float):
        super().__init__(host, port, timeout=max(expires - time.monotonic(), 0.001))
        self.addresses, self.expires = addresses, expires

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.expires)
        _check_time(self.expires)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: the certificate and SNI are checked against `host`."""

    def __init__(self, host: str, port: int | None, *, addresses: list[str], expires: float):
        self.tls_context = ssl.create_default_context()
        timeout = max(expires - time.monotonic(), 0.001)
        super().__init__(host, port, timeout=timeout, context=self.tls_context)
        self.addresses, self.expires = addresses, expires

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.expires)  # the timer can cut it
        _check_time(self.expires)
        self.sock = self.tls_context.wrap_socket(self.sock, server_hostname=self.host)


def _check_time(expires: float) -> None:
    # The timer may have fired before the socket it would shut down existed.
    if time.monotonic() >= expires:
        raise TimeoutError("deadline passed while connecting")


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    deadline: float,
    max_bytes: int,
    allow_private: bool = False,
) -> Reply:
    """Send one request to `url`; raises `BlockedAddress` when the host is not public."""
    parts = urlsplit(url)
    addresses = check_url(url, allow_private=allow_private)
    https = parts.scheme == "https"
    connection_class = PinnedHTTPSConnection if https else PinnedHTTPConnection
    started = time.monotonic()
    connection = connection_class(
        parts.hostname, parts.port, addresses=addresses, expires=started + deadline
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    expired = threading.Event()

    def cut_off() -> None:
        expired.set()
        if connection.sock is not None:
            with contextlib.suppress(OSError):  # already closed
                connection.sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked read

    timer = threading.Timer(deadline, cut_off)
    timer.daemon = True
    timer.start()
    try:
        connection.request(method, target, body=body, headers=headers or {})
        response = connection.getresponse()
        content = response.read(max_bytes + 1)
        if expired.is_set():
            raise TimeoutError
        return Reply(
            response.status,
            content[:max_bytes],
            content_type=response.getheader("Content-Type", ""),
            truncated=len(content) > max_bytes,
        )
    except (OSError, http.client.HTTPException, ValueError) as error:
        if expired.is_set() or time.monotonic() - started >= deadline:
            return Reply(None, error=f"No complete answer within {deadline:g} s.")
        return Reply(None, error=f"{type(error).__name__}: {error}"[:500])
    finally:
        timer.cancel()
        connection.close()


__all__ = ["BlockedAddress", "Reply", "request"]
