"""The review's "also harden" list: lock-out by username and address with its own answer,
client addresses a client cannot choose, CSP images, production on SQLite, nginx's
canonical Host and internal /readyz."""

import pytest
from django.test import Client
from rest_framework.throttling import AnonRateThrottle

from tests.deploy.conftest import ROOT, manage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"


def _login(client, username, password, address, forwarded=None):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}),
    )


def test_nobody_locks_admin_out_from_another_address(client, settings):
    UserFactory(username="admin")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = _login(client, "admin", "guess", "203.0.113.9")
    assert wrong.status_code == 200 and "Too many failed attempts" not in wrong.content.decode()
    _login(client, "admin", "guess", "203.0.113.9")
    locked = _login(client, "admin", PASSWORD, "203.0.113.9")
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()  # not "wrong password"
    assert _login(Client(), "admin", PASSWORD, "198.51.100.1").status_code == 302


def test_a_client_cannot_pick_its_throttle_address(client, monkeypatch, settings):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/min", raising=False)
    statuses = [
        client.get("/api/tags/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.{n}.0.1")
        .status_code
        for n in range(3)
    ]  # fmt: skip
    assert statuses == [200, 200, 429]


def test_behind_one_proxy_the_address_is_what_the_proxy_saw(client, settings):
    settings.NUM_PROXIES = 1
    UserFactory(username="carol")
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "carol", "guess", "127.0.0.1", forwarded=f"10.9.{n}.1, 203.0.113.7")
    # Prepending other addresses changes nothing: 203.0.113.7 is locked for carol...
    assert _login(client, "carol", PASSWORD, "127.0.0.1", "1.2.3.4, 203.0.113.7").status_code == 429
    # ...and another client behind the same proxy is not.
    assert _login(Client(), "carol", PASSWORD, "127.0.0.1", "198.51.100.2").status_code == 302


def test_images_only_from_our_host_and_the_configured_media_host(client):
    csp = client.get("/")["Content-Security-Policy"]
    img_src = next(d for d in csp.split(";") if d.strip().startswith("img-src")).split()[1:]
    assert img_src == ["'self'", "data:"]
    code = "from django.conf import settings as s; print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'])"  # noqa: E501
    result = manage(
        "shell",
        "-c",
        code,
        BROADSHEET_MEDIA_HOST="https://media.example.com",
        # The old site after a move, whose posts still show its uploads.
        BROADSHEET_IMAGE_HOSTS="https://old.example.org/, http://Photos.Example.net:8080",
    )
    assert result.returncode == 0, result.stderr
    shown_from = result.stdout.strip().splitlines()[-1]
    assert shown_from == (
        "[\"'self'\", 'data:', 'https://media.example.com', 'https://old.example.org', "
        "'http://Photos.Example.net:8080']"
    )


def test_an_image_host_that_is_not_an_origin_stops_the_site_with_its_name():
    result = manage("check", BROADSHEET_IMAGE_HOSTS="old.example.org")
    assert result.returncode != 0
    said = result.stderr.strip().splitlines()[-1]  # the last line names the setting
    assert "BROADSHEET_IMAGE_HOSTS must be an origin such as" in said
    assert "'old.example.org'" in said


def test_production_on_sqlite_is_refused_with_a_clear_message(tmp_path):
    result = manage("check", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert result.returncode != 0
    assert "Production settings need PostgreSQL" in result.stderr
    assert "TypeError" not in result.stderr


def test_nginx_sends_its_canonical_name_and_keeps_readyz_internal():
    conf = (ROOT / "deploy/nginx/broadsheet.conf.template").read_text()
    assert "proxy_set_header Host $server_name;" in conf
    assert "$http_host" not in conf
    readyz = conf[conf.index("location = /readyz") :].split("}")[0]
    assert "allow 127.0.0.1;" in readyz and "deny all;" in readyz
