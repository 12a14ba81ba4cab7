"""The development server's WSGI servers, with Nagle's algorithm off.

Django's development server (`runserver`, and so `make run`; the tests' live server)
writes a response's headers and its body in separate `send`s. On a kept-alive
connection Nagle's algorithm holds the body until the client acknowledges the headers,
and the client delays that acknowledgement by 40 ms: every response took 40-50 ms on
loopback instead of about 2 (CPython issue 108736, for `http.server`, which this server
builds on). gunicorn sets `TCP_NODELAY` on its own sockets; these do it for Django's, in
`socketserver`'s documented `get_request` hook.
"""

from __future__ import annotations

import socket

from django.core.servers import basehttp


class NoDelayMixin:
    """`TCP_NODELAY` on every connection the server accepts."""

    def get_request(self) -> tuple[socket.socket, tuple]:
        connection, address = super().get_request()
        if connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


class WSGIServer(NoDelayMixin, basehttp.WSGIServer):
    """`runserver`'s server (it adds the threads itself): `manage.py serve` uses it."""


class ThreadedWSGIServer(NoDelayMixin, basehttp.ThreadedWSGIServer):
    """The threaded server Django's live server thread runs (tests)."""
