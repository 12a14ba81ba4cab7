"""gunicorn.conf.py's `keepalive_requests`: a kept-alive connection ends after that many
requests, so that clients reconnecting after a worker's recycle spread over every worker
instead of all staying on the one that was left (bench/run.sh measured the difference).

A real gunicorn with the project's configuration serves bench/bare.py (no database).
"""

import http.client
import os
import subprocess
import sys
import time

import pytest

from tests.deploy.conftest import ROOT
from tests.servers import free_port


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_KEEPALIVE_REQUESTS": "3",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_PIDFILE": "",
        "GUNICORN_CONTROL_SOCKET": str(tmp_path / "gunicorn.ctl"),
        "BARE_BYTES": "10",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "bench.bare"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).connect()
            break
        except OSError:
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.1)
    yield port
    server.terminate()
    server.wait(timeout=30)


def test_a_kept_alive_connection_ends_after_its_requests(gunicorn):
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=10)
    answers = []
    for _ in range(4):
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.read() == b"x" * 10
        answers.append(response.getheader("Connection"))
    # The third ends the connection; http.client opens a new one for the fourth.
    assert answers == ["keep-alive", "keep-alive", "close", "keep-alive"]
