"""ASGI entry point. Production serves WSGI (gunicorn.conf.py): it is several times faster here."""

import os

from django.core.asgi import get_asgi_application

from config.settings import default_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_module())

application = get_asgi_application()
