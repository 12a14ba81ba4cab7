"""A database that is briefly unavailable (restart, failover) answers 503, never 500.

Add `config.database.DatabaseUnavailableMiddleware` last in MIDDLEWARE. When a view (or
its template) fails because PostgreSQL cannot be reached or dropped the connection:

- a safe request (GET, HEAD, OPTIONS) outside a transaction is tried once more, after a
  short pause, on a fresh connection: a restart that takes a second costs no request;
- otherwise the answer is 503 with `Retry-After`: a problem+json body under /api/, a
  plain page elsewhere (which nginx replaces with a stale cached copy when it has one).

`CONN_HEALTH_CHECKS` only replaces connections that died while idle; this covers the
connections that die, or cannot be opened, while a request is using them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger("broadsheet.database")

RETRY_AFTER_SECONDS = 5
RETRY_PAUSE_SECONDS = 0.5
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
UNAVAILABLE = (OperationalError, InterfaceError)


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
        retried = getattr(request, "_database_retried", False)
        can_retry = request.method in SAFE_METHODS and not retried and not _in_transaction()
        # The broken connection must not serve anything else, here or in the next request.
        connections.close_all()
        if can_retry:
            request._database_retried = True
            logger.warning("database unavailable (%r); retrying %s once", exception, request.path)
            time.sleep(RETRY_PAUSE_SECONDS)
            return self.get_response(request)
        logger.warning("database unavailable (%r); 503 for %s", exception, request.path)
        return unavailable_response(request)
