"""Issue 26 findings 7 and 8 (first item), issue 33 finding 6: one webhook attempt goes
only to the address the SSRF guard checked, ends within one deadline however slowly the
receiver answers, and any broken answer is a counted, retried failure."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tests.conftest import missing
from webhooks import services
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

NAME = "hooks.rebind.test"


class RawReceiver:
    """A TCP server on loopback that hands each connection to `answer(conn)`."""

    def __init__(self, answer: Callable[[socket.socket], None]) -> None:
        self.answer = answer
        self.connections = 0
        self.seen: list[bytes] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                self.seen.append(conn.recv(65536))
                self.answer(conn)
            except OSError:
                pass

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def raw_receiver() -> Iterator[Callable[[Callable[[socket.socket], None]], RawReceiver]]:
    made: list[RawReceiver] = []

    def make(answer):
        made.append(RawReceiver(answer))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def ok(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")


def delivery_to(url: str) -> Delivery:
    endpoint = Endpoint.objects.create(url=url)
    return Delivery.objects.create(
        endpoint=endpoint, event="post.published", payload={"id": 1, "event": "post.published"}
    )


@pytest.fixture
def dns(monkeypatch):
    """`dns(answers)`: NAME resolves to answers[0] on the first lookup, answers[1] on the
    second, and so on (the last one from then on); other names resolve as usual."""
    real = socket.getaddrinfo
    lookups: list[str] = []

    def install(answers: list[str]) -> list[str]:
        def fake(host, port, *args, **kwargs):
            if host != NAME:
                return real(host, port, *args, **kwargs)
            address = answers[min(len(lookups), len(answers) - 1)]
            lookups.append(address)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 80))]

        monkeypatch.setattr(socket, "getaddrinfo", fake)
        return lookups

    return install


def test_a_name_that_rebinds_to_loopback_after_the_check_is_not_reached(
    settings, dns, raw_receiver
):
    """The check sees a public address; a second lookup would say loopback."""
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1
    inside = raw_receiver(ok)
    dns(["93.184.216.34", "127.0.0.1"])
    delivery = delivery_to(f"http://{NAME}:{inside.port}/hook")
    services.attempt(delivery)
    time.sleep(0.2)
    assert inside.connections == 0, "the request reached loopback"
    delivery.refresh_from_db()
    assert delivery.status != Delivery.Status.SUCCEEDED
    assert delivery.last_status_code is None and delivery.last_response == ""


def test_the_request_goes_to_the_vetted_address_and_names_the_host(settings, dns, raw_receiver):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    receiver = raw_receiver(ok)
    lookups = dns(["127.0.0.1"])
    delivery = delivery_to(f"http://{NAME}:{receiver.port}/hook?x=1")
    assert services.attempt(delivery) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code) == ("succeeded", 200)
    request = receiver.seen[0].decode()
    assert request.startswith("POST /hook?x=1 HTTP/1.1\r\n")
    assert f"Host: {NAME}:{receiver.port}\r\n" in request
    assert len(lookups) <= 2  # the guard's lookups; the connection makes none of its own


@pytest.mark.parametrize(
    "answer",
    [
        b"HELLO\r\n\r\n",  # BadStatusLine
        b"HTTP/1.1 abc Nope\r\n\r\n",  # a status that is not a number
        b"HTTP/1.1 200 OK\r\n" + b"X: y\r\n" * 200 + b"\r\n",  # too many headers
        b"",  # closed without a word (RemoteDisconnected)
    ],
    ids=["not-http", "bad-status", "too-many-headers", "closed"],
)
def test_a_broken_answer_is_a_counted_failed_attempt(settings, raw_receiver, answer):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    receiver = raw_receiver(lambda conn: conn.sendall(answer))
    delivery = delivery_to(f"http://127.0.0.1:{receiver.port}/hook")
    assert services.attempt(delivery) is False  # not done: the task retries it
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error and delivery.last_status_code is None
    assert Endpoint.objects.get().consecutive_failures == 1


def test_a_trickling_receiver_cannot_hold_a_worker_past_the_deadline(settings, raw_receiver):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.WEBHOOKS_TIMEOUT_SECONDS = 1

    def trickle(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        for _ in range(40):  # one byte every 0.2 s: no single read waits a second
            conn.sendall(b"X")
            time.sleep(0.2)

    receiver = raw_receiver(trickle)
    delivery = delivery_to(f"http://127.0.0.1:{receiver.port}/hook")
    started = time.monotonic()
    services.attempt(delivery)
    elapsed = time.monotonic() - started
    assert elapsed < 2, f"the attempt took {elapsed:.1f} s"
    delivery.refresh_from_db()
    assert delivery.status == "pending" and "within 1 s" in delivery.last_error


def _self_signed(tmp_path) -> tuple[str, str]:
    """A certificate for NAME that no public CA signed (openssl, as the nginx tests use)."""
    import shutil
    import subprocess

    openssl = shutil.which("openssl")
    if openssl is None:
        missing("openssl", "apt-get install openssl (scripts/system-deps.sh does it)")
    cert, key = str(tmp_path / "cert.pem"), str(tmp_path / "key.pem")
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", f"/CN={NAME}",
         "-addext", f"subjectAltName=DNS:{NAME}"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def test_https_goes_to_the_vetted_address_with_the_host_in_sni_and_a_checked_certificate(
    settings, dns, tmp_path
):
    """A certificate no public CA signed is refused (a failed attempt), after a handshake
    with the vetted address that named the host (SNI)."""
    import ssl

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda sock, server_name, ctx: names.append(server_name)

    def tls(conn: socket.socket) -> None:
        with context.wrap_socket(conn, server_side=True):
            pass

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        conn.settimeout(5)
        try:
            tls(conn)
        except (OSError, ssl.SSLError):
            pass
        finally:
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    dns(["127.0.0.1"])
    delivery = delivery_to(f"https://{NAME}:{port}/hook")
    assert services.attempt(delivery) is False
    listener.close()
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status_code) == (1, None)
    assert "CERTIFICATE_VERIFY_FAILED" in delivery.last_error
    assert names == [NAME]
