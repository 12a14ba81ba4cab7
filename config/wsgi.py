"""WSGI entry point, served by gunicorn (see gunicorn.conf.py, which warms it up)."""

import os

from django.core.wsgi import get_wsgi_application

from config.settings import default_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_module())

application = get_wsgi_application()
