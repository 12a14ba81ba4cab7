"""Settings for `make run`: debug on, harmless defaults, everything works with nothing set."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Only ever used on a developer's machine; production refuses to start without its own.
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-key-not-for-production")
WHITENOISE_MAX_AGE = 0
# Static files straight from the app folders in development, no collectstatic needed.
STORAGES = {
    **STORAGES,  # noqa: F405 (media: disk, or S3 with DJANGO_STORAGE=s3)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# Readers of the demo get the site's 404 page, not Django's technical one (see the module).
MIDDLEWARE = [*MIDDLEWARE, "blog.middleware.FriendlyNotFoundMiddleware"]  # noqa: F405

# `make run` prints what a newcomer needs (accounts/management/commands/ensure_admin.py),
# not the in-process tasks' chatter ("Task … succeeded", kombu's "No hostname was
# supplied" with the memory broker), the login limiter's INFO lines or the reloader's.
LOGGING = {
    **LOGGING,  # noqa: F405
    "loggers": {
        **LOGGING["loggers"],  # noqa: F405
        "celery": {"level": "WARNING"},
        "kombu": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        "django.utils.autoreload": {"level": "WARNING"},
    },
}
# SQLite has no covering indexes: Django says so at every `migrate` (models.W040), and
# PostgreSQL (production) has them. Nothing to act on here.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
