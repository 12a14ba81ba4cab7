"""gunicorn.conf.py's access log: one line per request with the fields operators read
(method, path, status, bytes, duration, request id), built from those atoms only."""

import io
import json
import logging
import runpy
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

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
