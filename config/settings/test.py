"""Settings for the test suite.

`tests/servers_plugin.py` starts throwaway PostgreSQL and Redis servers (unless
`DATABASE_URL` / `REDIS_URL` are already set) and exports their URLs before this module
is imported, so the suite always runs against real servers.
"""

from .base import *  # noqa: F403
from .base import TEMPLATES, env

DEBUG = False
SECRET_KEY = "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
# Fast hashing: the suite creates many users; production keeps Argon2 first.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
TEMPLATES[0]["OPTIONS"]["debug"] = True
# Tasks run in-process in unit tests; tests of real delivery start a worker themselves.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = env("REDIS_URL", default="memory://")
CELERY_RESULT_BACKEND = None
REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "10000/min", "user": "10000/min"}
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
