"""Liveness and readiness probes, JSON, on top of django-health-check.

    /healthz  200 while the process answers; touches no database, cache or broker.
    /readyz   200 when the database answers, the cache round-trips a value, the Celery
              broker answers and no migration is unapplied; 503 (with the failing checks
              named) otherwise, so a load balancer stops sending traffic.

Both are exempt from the HTTPS redirect (probes talk plain HTTP to gunicorn) and are
never cached. Add to the URLconf with `path("", include("core.health"))`,
and `LivenessMiddleware` first in MIDDLEWARE: probes ask often, and liveness needs none
of what the rest of the middleware does (sessions, users, CSRF, page cache).
"""

import asyncio
import dataclasses
from collections.abc import Callable

from django import db
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from health_check.base import HealthCheck
from health_check.checks import Cache, Database
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from redis.asyncio import Redis as RedisClient


@dataclasses.dataclass
class Migrations(HealthCheck):
    """Unavailable while the database lacks a migration that the code has."""

    alias: str = "default"

    def run(self) -> None:
        connection = connections[self.alias]
        try:
            with connection.temporary_connection():
                executor = MigrationExecutor(connection)
                plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except db.Error as error:
            raise ServiceUnavailable("database unreachable") from error
        if plan:
            names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
            raise ServiceUnavailable(f"{len(plan)} unapplied migration(s): {names}")


def _broker_client() -> RedisClient:
    return RedisClient.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1
    )


def readiness_checks() -> list[HealthCheck]:
    """Database, cache, broker (when Celery uses Redis) and migrations."""
    checks: list[HealthCheck] = [Database(), Cache(), Migrations()]
    if str(settings.CELERY_BROKER_URL).startswith(("redis://", "rediss://", "unix://")):
        checks.append(Redis(client_factory=_broker_client))
    return checks


def _name(check: HealthCheck) -> str:
    return {Redis: "broker"}.get(type(check), type(check).__name__.lower())


async def _run(checks: list[HealthCheck]) -> dict[str, str]:
    results = await asyncio.gather(*(check.get_result() for check in checks))
    return {_name(r.check): r.error.message if r.error else "ok" for r in results}


def _json(body: dict, status: int) -> JsonResponse:
    response = JsonResponse(body, status=status)
    add_never_cache_headers(response)
    return response


# What add_never_cache_headers() writes, without parsing it again on every probe.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
_LIVE = b'{"status": "ok"}'


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process serves requests (probes ask often: nothing is built twice)."""
    response = HttpResponse(_LIVE, content_type="application/json")
    response["Expires"] = http_date()
    response["Cache-Control"] = NEVER_CACHE
    response["X-Content-Type-Options"] = "nosniff"
    return response


def liveness_answer(request: HttpRequest) -> HttpResponse | None:
    """The probe's answer to `GET`/`HEAD /healthz` on a host this site serves; None for
    anything else, which the full chain answers (a host we do not serve gets the usual
    400, any other method goes through CSRF to `require_safe`'s 405)."""
    if request.path_info != "/healthz" or request.method not in ("GET", "HEAD"):
        return None
    try:
        request.get_host()
    except DisallowedHost:
        return None
    return healthz(request)


class LivenessMiddleware:
    """Answers `GET`/`HEAD /healthz` before the rest of the middleware runs.

    At a probe's rate the other middleware (security headers, sessions, users, CSRF,
    messages) was most of its cost: 0.58 of a bare Django view's throughput under
    gunicorn (bench/run.sh).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return liveness_answer(request) or self.get_response(request)


@require_safe
@db.transaction.non_atomic_requests
async def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: every dependency answers; 503 naming the ones that do not."""
    checks = await _run(readiness_checks())
    ready = all(result == "ok" for result in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    return _json(body, 200 if ready else 503)


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
]
