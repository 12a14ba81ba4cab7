"""Request ids for log lines: taken from nginx's `X-Request-ID` or made up, echoed back.

Add `RequestIdMiddleware` first in MIDDLEWARE and `RequestIdFilter` to a handler; every log
record then carries `request_id` (``"-"`` outside a request).
"""

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdFilter:
    """Adds the current request id to every log record."""

    def filter(self, record) -> bool:
        record.request_id = _request_id.get()
        return True


class DatabaseOutageFilter:
    """On `django.request`: drops the "Internal Server Error" record (and its traceback)
    of a request whose 500 came from an unreachable database, which the client got as a
    503 (core/database.py); the handler still logs that 503 as "Service Unavailable"."""

    def filter(self, record) -> bool:
        from core.database import marked_unavailable  # it imports the ORM: not at setup

        if getattr(record, "status_code", None) != 500:
            return True
        return not marked_unavailable(getattr(record, "request", None))


def request_id_for(meta: dict) -> str:
    """The proxy's `X-Request-ID` when well formed, else a new one."""
    incoming = meta.get("HTTP_X_REQUEST_ID", "")
    return incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Keeps the proxy's request id (when well formed) or makes one; echoes it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request.META)
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response
