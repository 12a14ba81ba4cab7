"""/healthz (liveness, no dependencies) and /readyz (database, cache, broker, migrations)."""

import io

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db.migrations.recorder import MigrationRecorder
from health_check.exceptions import ServiceUnavailable

from core.health import Migrations
from devservers import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_answers_without_touching_dependencies(client, settings, django_assert_num_queries):
    settings.CACHES = {"default": _dead_redis()}
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_answered_before_the_other_middleware_and_keeps_their_rules(client):
    response = client.get("/healthz")
    # Nothing after it ran: no request id, CSP, ETag or cookie of theirs.
    for header in ("X-Request-ID", "Content-Security-Policy", "ETag", "Vary"):
        assert header not in response, header
    assert not response.cookies
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405  # only GET/HEAD are answered early
    assert client.get("/healthz", HTTP_HOST="attacker.example").status_code == 400


def _wsgi(application, method: str, path: str, host: str = "localhost") -> tuple[str, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
    }
    statuses = []
    body = b"".join(application(environ, lambda status, headers: statuses.append(status)))
    return statuses[0], body


def test_probes_through_the_wsgi_application_answer_before_the_rest_of_the_stack():
    """`LivenessMiddleware`, first: a probe is answered; a bad host or method is not."""
    application = WSGIHandler()
    assert _wsgi(application, "GET", "/healthz") == ("200 OK", b'{"status": "ok"}')
    assert _wsgi(application, "HEAD", "/healthz")[0] == "200 OK"
    assert _wsgi(application, "POST", "/healthz")[0] == "403 Forbidden"  # CSRF, as ever
    assert _wsgi(application, "GET", "/healthz", host="attacker.example")[0] == "400 Bad Request"
    assert _wsgi(application, "GET", "/robots.txt")[0] == "200 OK"


def test_readyz_is_200_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "migrations": "ok", "broker": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def _dead_redis() -> dict:
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2},
    }


def test_readyz_is_503_naming_a_dead_cache_and_broker(client, settings):
    settings.CACHES = {"default": _dead_redis()}
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] != "ok"
    assert body["checks"]["broker"] != "ok"


def test_unapplied_migrations_make_it_unready():
    recorder = MigrationRecorder.Migration.objects
    # The newest migration by name: the last row written is a squash's own record, which
    # Django counts as applied anyway while the migrations it replaces are.
    row = recorder.filter(app="blog").order_by("-name").first()
    row.delete()
    try:
        with pytest.raises(ServiceUnavailable, match=f"blog.{row.name}"):
            Migrations().run()
    finally:
        recorder.create(app=row.app, name=row.name, applied=row.applied)
    Migrations().run()


def test_probes_skip_the_https_redirect(client, production_http):
    production_http.ALLOWED_HOSTS = ["testserver"]
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 301
