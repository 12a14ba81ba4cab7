"""Settings split by purpose: base (shared), local (make run), test, production.

`DJANGO_DEBUG=0` means production: unless `DJANGO_SETTINGS_MODULE` says otherwise,
manage.py, WSGI, ASGI and Celery then load `config.settings.production`, which refuses
to start without its secrets. Anything else loads `config.settings.local`.
"""

import os

_OFF = {"0", "false", "no", "off"}


def default_module() -> str:
    """The settings module to use when `DJANGO_SETTINGS_MODULE` is not set."""
    debug = os.environ.get("DJANGO_DEBUG", "1").strip().lower()
    return "config.settings.production" if debug in _OFF else "config.settings.local"
