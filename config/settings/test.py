"""Settings for the test suite.

`tests/servers_plugin.py` starts throwaway PostgreSQL and Redis servers (unless
`DATABASE_URL` / `REDIS_URL` are already set) and exports their URLs before this module
is imported, so the suite always runs against real servers.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, TEMPLATES, env

DEBUG = False
# The test client's host, so that absolute URLs in assertions read naturally.
SITE_URL = "http://testserver"
SECRET_KEY = "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
# Fast hashing: the suite creates many users; production keeps Argon2 first.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Media on disk in a throwaway folder, shared through the environment with the Celery
# workers the tests start (they make renditions of what the test process uploaded).
if not os.environ.get("DJANGO_MEDIA_ROOT"):
    os.environ["DJANGO_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="broadsheet-media-")
    atexit.register(shutil.rmtree, os.environ["DJANGO_MEDIA_ROOT"], ignore_errors=True)
MEDIA_ROOT = Path(os.environ["DJANGO_MEDIA_ROOT"])
# Readers' templates: a method printed without () fails; response.context works (core/jinja2.py).
TEMPLATES[0]["OPTIONS"] |= {"strict": True, "signals": True}
TEMPLATES[1]["OPTIONS"]["debug"] = True  # Django templates: the admin, e-mails
# On SQLite (the embedded run, `BROADSHEET_TEST_EMBEDDED=1`) the test database is a file
# beside the one `make run` would use, not Django's in-memory default: threads of a live
# server then lock and wait as `make run`'s do.
if DATABASES["default"].get("ENGINE") == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": f"{DATABASES['default']['NAME']}.test"}
# A busy test machine (workers, Chromium and servers on 2 cores) can leave Redis without
# CPU for longer than production's 0.25 s; the breaker would then open and turn expected
# cache hits into misses. The breaker itself is tested with production's timeouts
# (tests/deploy/test_cache_breaker.py, and the stack tier's Redis faults). A new dict:
# base's stays as production reads it.
if CACHES["default"]["BACKEND"] == "core.cache.BreakerRedisCache":  # noqa: F405
    _redis = CACHES["default"]  # noqa: F405
    _options = {**_redis["OPTIONS"], "SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 2}
    CACHES = {**CACHES, "default": {**_redis, "OPTIONS": _options}}  # noqa: F405
# Static files straight from the app folders: tests must not depend on a collectstatic run.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Tasks run in-process in unit tests; tests of real delivery start a worker themselves.
CELERY_TASK_ALWAYS_EAGER = True
MEMBERS_LINK_MAIL_IN_BACKGROUND = False  # the mail task runs on commit; tests read it
CELERY_BROKER_URL = env("REDIS_URL", default="") or "memory://"
CELERY_RESULT_BACKEND = None
# A worker process started by tests/jobs: real delivery from the broker it is given, mail
# written to files the test reads back, and a short visibility timeout and restore sweep
# when a test kills a worker and waits for its task to come back.
if env.bool("BROADSHEET_TEST_WORKER", default=False):
    CELERY_TASK_ALWAYS_EAGER = False
    CELERY_BROKER_URL = env("BROADSHEET_TEST_BROKER_URL")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "unacked_restore_interval": env.int("BROADSHEET_TEST_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": 1,
    }
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = env("BROADSHEET_TEST_MAIL_DIR")
    if env("BROADSHEET_TEST_SMTP", default=""):  # the test's real SMTP server (the `smtp` fixture)
        EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        EMAIL_HOST, _, _port = env("BROADSHEET_TEST_SMTP").rpartition(":")
        EMAIL_PORT = int(_port)
        EMAIL_USE_TLS = False
        EMAIL_HOST_USER = EMAIL_HOST_PASSWORD = ""
# Embeds are fetched only from the tests' own oEmbed server: a YouTube link in a test
# body (an import, say) is recorded as not fetched, with no DNS lookup (embeds.services).
EMBEDS_FETCH_HOSTS = ["127.0.0.1"]
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "10000/min", "user": "10000/min"}
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
