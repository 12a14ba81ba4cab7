"""gunicorn.conf.py's `keepalive_requests`: a kept-alive connection ends after that many
requests, so that clients reconnecting after a worker's recycle spread over every worker
instead of all staying on the one that was left (bench/run.sh measured the difference).

A real gunicorn with the project's configuration serves bench/bare.py (no database).
"""

import http.client
import os
import subprocess
import sys

import pytest

from devservers import free_port, listening, wait_for
from tests.deploy.conftest import ROOT


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
    wait_for(lambda: listening(port) or server.poll() is not None, 30, "gunicorn to start")
    assert server.poll() is None, "gunicorn did not start"
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
