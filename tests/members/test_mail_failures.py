"""A link mail that failed is sent again only when it surely was not taken: at most once.

A refusal (4xx/5xx to the recipient or the data) or a server we could not reach: the
link row goes and the task retries. A connection lost after the message was on its way
(the server may have taken it and its `250` been lost): the row stays, nothing is resent.
"""

from __future__ import annotations

import smtplib
import socket
import threading

import pytest

from members.models import SignInLink
from members.tasks import NotSent, mail_link

pytestmark = pytest.mark.django_db

REQUEST = "0" * 31 + "3"


@pytest.mark.parametrize("code", [450, 550])
def test_a_refused_recipient_gives_the_link_back_and_the_retry_sends_it(member, smtp, code):
    smtp.refuse[member.email] = code
    with pytest.raises(NotSent) as refused:
        mail_link.run(member.email, "", REQUEST)
    assert isinstance(refused.value.__cause__, smtplib.SMTPRecipientsRefused)
    assert not SignInLink.objects.exists()  # not taken: the retry makes another

    smtp.refuse.clear()
    assert mail_link.run(member.email, "", REQUEST) is True
    assert smtp.rcpt_counts()[member.email] == 1
    assert SignInLink.objects.count() == 1


def test_the_task_retries_a_refusal_until_the_server_takes_it(member, smtp):
    """Through Celery (in-process, retries included): 450 twice, then accepted."""
    smtp.refuse[member.email] = 450
    attempts = []
    original = smtp.refuse

    class RefuseTwice(dict):
        def get(self, address, default=None):
            attempts.append(address)
            return 450 if len(attempts) <= 2 else None

    smtp.refuse = RefuseTwice()
    conf = mail_link.app.conf
    propagates, conf.task_eager_propagates = conf.task_eager_propagates, False  # as a worker
    try:
        result = mail_link.apply(args=(member.email, "", REQUEST))
    finally:
        smtp.refuse = original
        conf.task_eager_propagates = propagates
    assert result.successful() and result.result is True
    assert len(attempts) == 3
    assert smtp.rcpt_counts()[member.email] == 1
    assert SignInLink.objects.count() == 1


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed when the block ends: connection refused


def test_a_server_that_cannot_be_reached_gives_the_link_back(member, smtp, settings):
    settings.EMAIL_PORT = closed_port()
    with pytest.raises(NotSent) as refused:
        mail_link.run(member.email, "", REQUEST)
    assert isinstance(refused.value.__cause__, ConnectionRefusedError)
    assert not SignInLink.objects.exists()


class DropsAfterData:
    """A mail server that takes the whole message and then hangs up without its `250`:
    the message may well be delivered, the sender cannot know."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.messages = 0
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn, conn.makefile("rb") as reader:
                conn.sendall(b"220 drops.example ESMTP\r\n")
                for line in reader:
                    verb = line[:4].upper()
                    if verb in (b"EHLO", b"HELO"):
                        conn.sendall(b"250 drops.example\r\n")
                    elif verb in (b"MAIL", b"RCPT"):
                        conn.sendall(b"250 OK\r\n")
                    elif verb == b"DATA":
                        conn.sendall(b"354 go on\r\n")
                        for body in reader:
                            if body == b".\r\n":
                                break
                        self.messages += 1
                        break  # hang up: no reply to the data
                    else:
                        conn.sendall(b"250 OK\r\n")

    def close(self) -> None:
        self.listener.close()


def test_a_connection_lost_after_the_data_keeps_the_record_and_sends_no_second_mail(
    member, smtp, settings
):
    server = DropsAfterData()
    settings.EMAIL_PORT = server.port
    try:
        result = mail_link.apply(args=(member.email, "", REQUEST), throw=False)  # retries too
    finally:
        server.close()
    assert result.successful() and result.result is False
    assert server.messages == 1  # one try, no retry
    link = SignInLink.objects.get()  # the record stays: the request is answered
    assert link.sent_at is not None
    settings.EMAIL_PORT = smtp.port
    assert mail_link.run(member.email, "", REQUEST) is False  # a redelivery sends nothing
    assert smtp.rcpt_counts()[member.email] == 0
