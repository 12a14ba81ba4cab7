"""gunicorn.conf.py's access log: one line per request with the fields operators read
(method, path, status, bytes, duration, request id), built from those atoms only.

A real gunicorn with the project's configuration writes it; the logger class alone is
also driven directly, for what a request cannot show (an atom nobody provides)."""

import http.client
import io
import json
import logging
import os
import runpy
import subprocess
import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from devservers import free_port, listening, wait_for
from tests.deploy.conftest import ROOT

ENVIRON = {
    "REQUEST_METHOD": "GET",
    "RAW_URI": "/posts/harbour/?page=2",
    "PATH_INFO": "/posts/harbour/",
    "QUERY_STRING": "page=2",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "127.0.0.1",
    "HTTP_USER_AGENT": 'curl/8 "quoted"',
    "HTTP_AUTHORIZATION": "Bearer secret-token",
}
RESPONSE = SimpleNamespace(
    status="200 OK",
    headers=[("Content-Type", "text/html"), ("X-Request-ID", "abc123")],
    sent=6799,
)


@pytest.fixture
def access_line(monkeypatch):
    """The access line for one request, with the logger and format of `log_format`."""

    def line(log_format: str) -> str:
        monkeypatch.setenv("DJANGO_LOG_FORMAT", log_format)
        conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
        cfg = Config()
        cfg.set("accesslog", "-")
        cfg.set("access_log_format", conf["access_log_format"])
        logger = conf["AccessLogger"](cfg)
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        if log_format == "json":
            handler.setFormatter(conf["AccessJsonFormatter"]())
        logger.access_log.handlers = [handler]
        logger.access(RESPONSE, SimpleNamespace(headers=[]), ENVIRON, timedelta(microseconds=4200))
        return stream.getvalue().strip()

    yield line
    logging.getLogger("gunicorn.access").handlers = []


def test_the_json_access_line_has_the_request_fields(access_line):
    fields = json.loads(access_line("json"))
    assert fields["logger"] == "gunicorn.access" and fields["level"] == "INFO"
    del fields["time"], fields["logger"], fields["level"]
    assert fields == {
        "remote": "127.0.0.1",
        "method": "GET",
        "path": "/posts/harbour/",
        "query": "page=2",
        "status": 200,
        "bytes": 6799,
        "duration_ms": 4,
        "request_id": "abc123",
        "user_agent": 'curl/8 "quoted"',  # as sent: JSON escapes it itself
    }


def test_the_text_access_line_and_no_credentials_in_either(access_line):
    text = access_line("text")
    assert text == '127.0.0.1 "GET /posts/harbour/?page=2 HTTP/1.1" 200 6799 4ms rid=abc123'
    assert "secret-token" not in text + access_line("json")


def test_the_text_format_prints_a_dash_for_an_atom_it_was_not_given(monkeypatch):
    monkeypatch.setenv("DJANGO_LOG_FORMAT", "text")
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", "%(h)s %({referer}i)s %(s)s")
    logger = conf["AccessLogger"](cfg)
    stream = io.StringIO()
    logger.access_log.handlers = [logging.StreamHandler(stream)]
    try:
        logger.access(RESPONSE, SimpleNamespace(headers=[]), ENVIRON, timedelta(0))
    finally:
        logger.access_log.handlers = []
    assert stream.getvalue().strip() == "127.0.0.1 - 200"


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_gunicorn_writes_one_access_line_per_request(tmp_path, log_format):
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_PIDFILE": "",
        "GUNICORN_CONTROL_SOCKET": str(tmp_path / "gunicorn.ctl"),
        "DJANGO_LOG_FORMAT": log_format,
    }
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    with log.open("w") as out:
        server = subprocess.Popen(
            [*command, "tests.deploy.request_id_app"], cwd=ROOT, env=env, stdout=out, stderr=out
        )
    try:
        wait_for(lambda: listening(port) or server.poll() is not None, 30, "gunicorn")
        assert server.poll() is None, log.read_text()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/posts/harbour/?page=2", headers={"X-Request-ID": "rid-42"})
        assert connection.getresponse().read() == b"hello"
        wait_for(lambda: "rid-42" in log.read_text(), 10, "the access log line")
    finally:
        server.terminate()
        server.wait(timeout=30)
    (line,) = [line for line in log.read_text().splitlines() if "rid-42" in line]
    if log_format == "text":
        assert line.endswith(
            '127.0.0.1 "GET /posts/harbour/?page=2 HTTP/1.1" 200 5 '
            + line.split()[-2]
            + " rid=rid-42"
        )
        return
    fields = json.loads(line)
    assert fields["logger"] == "gunicorn.access" and isinstance(fields["duration_ms"], int)
    assert {k: fields[k] for k in ("method", "path", "query", "status", "bytes")} == {
        "method": "GET",
        "path": "/posts/harbour/",
        "query": "page=2",
        "status": 200,
        "bytes": 5,
    }
    assert fields["request_id"] == "rid-42" and fields["user_agent"] == "-"
