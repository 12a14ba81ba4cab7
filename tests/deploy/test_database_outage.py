"""Issue 33: a request the database failed after the view (a middleware's query) is a 503
for the client, and `django.request` does not log it as "Internal Server Error"; a query
cancelled by the connection's own statement or lock timeout is not tried again."""

from __future__ import annotations

import logging

import psycopg
import pytest
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse

from core.database import timed_out

pytestmark = pytest.mark.django_db


class FailingAfterTheView:
    """A middleware whose own database work fails on `/?fail-after-view`."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "fail-after-view" in request.GET:
            raise OperationalError("server closed the connection unexpectedly")
        return response


def test_a_503_for_a_lost_database_is_not_logged_as_a_server_error(client, settings, caplog):
    index = settings.MIDDLEWARE.index("core.database.DatabaseErrorsAre503Middleware")
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[: index + 1],
        f"{__name__}.FailingAfterTheView",
        *settings.MIDDLEWARE[index + 1 :],
    ]
    client.raise_request_exception = False
    django_logger = logging.getLogger("django")  # does not propagate to caplog's root
    django_logger.addHandler(caplog.handler)
    try:
        response = client.get("/search/?fail-after-view=1&q=x")
    finally:
        django_logger.removeHandler(caplog.handler)
    assert response.status_code == 503 and response["Retry-After"] == "5"
    logged = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in logged] == ["Service Unavailable: /search/"]
    assert not any(r.exc_info for r in logged)


def _wrapped(cause: Exception) -> OperationalError:
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


def test_timeouts_are_recognised_other_errors_are_not():
    assert timed_out(_wrapped(psycopg.errors.LockNotAvailable("lock timeout")))
    assert timed_out(_wrapped(psycopg.errors.QueryCanceled("statement timeout")))
    assert not timed_out(_wrapped(psycopg.OperationalError("connection refused")))
