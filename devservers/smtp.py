"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives.

Tests and `bench/newsletter.py` send through Django's SMTP backend (or a Celery worker's)
to it and read the messages back, as a mail client would: nothing is mocked.

    with SmtpServer() as server:          # started on a free port, in a thread
        settings.EMAIL_PORT = server.port
        ...
        server.wait_for_count(3)
        server.messages[0]["Subject"]     # email.message.EmailMessage
        server.rcpt_counts()              # Counter of recipients: duplicates show up

`refuse` makes the server answer chosen recipients with a code (450: try later, 550: no
such user), to exercise retries and permanent failures. `hang_up_after_data` makes it
keep a message to one of the addresses it holds and then drop the connection without
answering: the sender cannot know the message arrived (it did).
"""

from __future__ import annotations

import email
import email.policy
import threading
from collections import Counter
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from . import free_port, wait_for


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.server.refuse.get(address.lower())
        if code:
            return f"{code} {'Try again later' if code < 500 else 'No such user here'}"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.server.lock:
            for rcpt in envelope.rcpt_tos:
                self.server.envelopes.append((envelope.mail_from, rcpt))
            self.server.messages.append(message)
            hang_up = any(r.lower() in self.server.hang_up_after_data for r in envelope.rcpt_tos)
        if hang_up:  # kept, but the answer never comes: the connection just drops
            server.transport.abort()
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, host: str = "127.0.0.1", port: int | None = None):
        self.host = host
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, str]] = []
        self.refuse: dict[str, int] = {}
        self.hang_up_after_data: set[str] = set()
        self.lock = threading.Lock()
        self._controller = Controller(
            _Handler(self), hostname=host, port=self.port, data_size_limit=10_000_000
        )

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()
            self.refuse.clear()
            self.hang_up_after_data.clear()

    def rcpt_counts(self) -> Counter[str]:
        """How many messages each recipient got (more than 1: a duplicate)."""
        with self.lock:
            return Counter(rcpt.lower() for _, rcpt in self.envelopes)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages addressed to `address`, oldest first."""
        address = address.lower()
        with self.lock:
            return [m for m in self.messages if address in str(m["To"]).lower()]

    def wait_for_count(self, count: int, timeout: float = 20.0) -> None:
        wait_for(lambda: len(self.messages) >= count, timeout, f"{count} messages")
