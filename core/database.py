"""A database that is briefly unavailable (restart, failover) answers 503, never 500.

Add `core.database.DatabaseUnavailableMiddleware` last in MIDDLEWARE. When a view (or
its template) fails because PostgreSQL cannot be reached or dropped the connection:

- a safe request (GET, HEAD, OPTIONS) outside a transaction is tried once more, after a
  short pause, on a fresh connection: a restart that takes a second costs no request;
- otherwise the answer is 503 with `Retry-After`: a problem+json body under /api/, a
  plain page elsewhere (which nginx replaces with a stale cached copy when it has one).

`CONN_HEALTH_CHECKS` only replaces connections that died while idle; this covers the
connections that die, or cannot be opened, while a request is using them.

A middleware can fail on the database too (a revision or session written after the view,
a transaction that cannot roll back): Django turns that into a 500 before any
`process_exception` sees it. `DatabaseErrorsAre503Middleware`, first in MIDDLEWARE,
answers those 500s with the same 503, recognising them by `got_request_exception`.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger("broadsheet.database")

RETRY_AFTER_SECONDS = 5
RETRY_PAUSE_SECONDS = 0.5
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNAVAILABLE = (OperationalError, InterfaceError)
# query_canceled (statement_timeout), lock_not_available (lock_timeout).
TIMEOUT_SQLSTATES = frozenset({"57014", "55P03"})


def timed_out(error: BaseException) -> bool:
    """Cancelled by the connection's own `statement_timeout` or `lock_timeout`
    (config/settings/production.py): waiting once more would only double the wait."""
    return getattr(error.__cause__, "sqlstate", None) in TIMEOUT_SQLSTATES


def marked_unavailable(request: HttpRequest | None) -> bool:
    """Was this request's 500 caused by an unreachable database (answered 503 instead)?"""
    return bool(getattr(request, "database_unavailable", False))


def _in_transaction() -> bool:
    return any(connection.in_atomic_block for connection in connections.all(initialized_only=True))


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: problem+json under /api/, a standalone page elsewhere."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "type": "about:blank",
                "title": "Service Unavailable",
                "status": 503,
                "detail": "The database is briefly unavailable. Try again shortly.",
            },
            status=503,
            content_type="application/problem+json",
        )
    else:
        # No context processors, no database: the layout would need what is missing.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Retries a safe request once on a fresh connection; else answers 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, UNAVAILABLE):
            return None
        retried = getattr(request, "database_retried", False) or timed_out(exception)
        can_retry = request.method in SAFE_METHODS and not retried and not _in_transaction()
        # The broken connection must not serve anything else, here or in the next request.
        connections.close_all()
        if can_retry:
            request.database_retried = True
            logger.warning("database unavailable (%r); retrying %s once", exception, request.path)
            time.sleep(RETRY_PAUSE_SECONDS)
            return self.get_response(request)
        logger.warning("database unavailable (%r); 503 for %s", exception, request.path)
        return unavailable_response(request)


def _note_unavailable(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """Mark a request whose 500 came from an unreachable database (sent inside `except`)."""
    if request is not None and isinstance(sys.exc_info()[1], UNAVAILABLE):
        request.database_unavailable = True


class DatabaseErrorsAre503Middleware:
    """Outermost: a 500 that an unreachable database caused anywhere becomes a 503."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        got_request_exception.connect(_note_unavailable, dispatch_uid="broadsheet-database-503")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and marked_unavailable(request):
            connections.close_all()
            logger.warning("database unavailable; 503 for %s", request.path)
            return unavailable_response(request)
        return response
