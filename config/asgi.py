"""ASGI entry point. Production serves WSGI (gunicorn.conf.py): it is several times faster here."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

application = get_asgi_application()
