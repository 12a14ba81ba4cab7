"""WSGI entry point, served by gunicorn (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

from config.settings import default_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_module())

application = get_wsgi_application()

if os.environ.get("BROADSHEET_WARMUP", "1") != "0":
    from config.warmup import warm

    warm(application)  # before gunicorn forks its workers (preload_app): see config/warmup.py
