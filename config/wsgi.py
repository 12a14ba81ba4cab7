"""WSGI entry point, served by gunicorn (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

from config.settings import default_module

os.environ.setdefault("DJANGO_SETTINGS_MODULE", default_module())

django_application = get_wsgi_application()

from blog.page_cache_middleware import PageCacheFront, request_for  # noqa: E402 - needs Django
from core.health import LivenessFront  # noqa: E402

# The handler takes the request the front built for its lookup (see request_for).
django_application.request_class = request_for

# Liveness probes and page-cache hits are answered before Django's handler runs.
application = LivenessFront(PageCacheFront(django_application))

if os.environ.get("BROADSHEET_WARMUP", "1") != "0":
    from core.warmup import warm

    warm(application)  # before gunicorn forks its workers (preload_app): see core/warmup.py
