"""`make run`'s server and the tests' live server answer without Nagle's 40 ms stall.

Django's development server writes a response's headers and body in two `send`s; on a
kept-alive connection the body then waited for the client's delayed acknowledgement,
40 ms, on every response (core/devserver.py).
"""

from __future__ import annotations

import socket

import pytest
from django.core.servers import basehttp
from django.test.testcases import LiveServerThread

from core.devserver import NoDelayMixin, ThreadedWSGIServer, WSGIServer
from core.management.commands.serve import Command as Serve


def nodelay_of_accepted_connection(server_class) -> int:
    server = server_class(("127.0.0.1", 0), basehttp.WSGIRequestHandler)
    try:
        with socket.create_connection(server.server_address, timeout=5):
            connection, _ = server.get_request()
            with connection:
                return connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
    finally:
        server.server_close()


@pytest.mark.parametrize("server_class", [WSGIServer, ThreadedWSGIServer])
def test_every_accepted_connection_has_nagle_off(server_class):
    assert nodelay_of_accepted_connection(basehttp.WSGIServer) == 0  # Django's own
    assert nodelay_of_accepted_connection(server_class) != 0


def test_make_run_and_the_live_server_use_it():
    assert issubclass(Serve.server_cls, NoDelayMixin)  # `make run` is `manage.py serve`
    assert issubclass(LiveServerThread.server_class, NoDelayMixin)  # tests/conftest.py
