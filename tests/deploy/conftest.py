"""Helpers for deployment tests: the documented production environment and settings."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def env_example() -> dict[str, str]:
    """The variables (with values) that `.env.example` sets."""
    values = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name] = value
    return values


def production_environ(**changes: str | None) -> dict[str, str]:
    """A process environment with `.env.example` applied and the suite's own removed."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "PYTEST_"))
    }
    environ.update(env_example())
    for name, value in changes.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return environ


def manage(*args: str, **changes: str | None) -> subprocess.CompletedProcess:
    """Run `manage.py ARGS` under production settings in a fresh process."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_environ(**changes),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="session")
def production_settings() -> dict:
    """The production settings module's values, evaluated with `.env.example`."""
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(production_environ())
        module = runpy.run_module("config.settings.production")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return {name: value for name, value in module.items() if name.isupper()}


# What the request/response path depends on; the database and cache stay the suite's own.
HTTP_SETTINGS = [
    "DEBUG",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_TRUSTED_ORIGINS",
    "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "PERMISSIONS_POLICY",
    "CONTENT_SECURITY_POLICY",
    "MIDDLEWARE",
]


@pytest.fixture
def production_http(settings, production_settings):
    """The suite's settings with production's HTTPS, cookie and header settings."""
    for name in HTTP_SETTINGS:
        setattr(settings, name, production_settings[name])
    settings.ALLOWED_HOSTS = ["broadsheet.example.com"]
    return settings
