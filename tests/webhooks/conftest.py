"""A webhook receiver on loopback, and a real worker allowed to deliver to it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.api.conftest import api, api_as  # noqa: F401  (fixtures)
from tests.jobs.conftest import Worker, broker, broker_server  # noqa: F401  (fixtures)


class Receiver:
    """Records every POST; answers with the next status of `script` (then 200), after
    `delay` seconds (a slow receiver: two copies of a task overlap)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[int] = []
        self.delay = 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": body})
                time.sleep(receiver.delay)
                status = receiver.script.pop(0) if receiver.script else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(json.dumps({"status": status}).encode())

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def webhook_worker(django_db_setup, broker_server, tmp_path_factory):  # noqa: F811
    """A worker that may deliver to loopback, retries fast and gives up after 3 tries."""
    worker = Worker(
        broker_server.url,
        tmp_path_factory.mktemp("webhook-worker"),
        concurrency=2,
        WEBHOOKS_ALLOW_PRIVATE="1",
        WEBHOOKS_BACKOFF_SECONDS="0.2",
        WEBHOOKS_MAX_ATTEMPTS="3",
        WEBHOOKS_DISABLE_AFTER="3",
        WEBHOOKS_DISABLE_WINDOW_SECONDS="0",
    ).start()
    yield worker
    worker.stop()
