"""The bare-Django reference of `make bench`: the ceiling for any Django page here.

No middleware, no database, no templates, no apps: one view that returns `BARE_BYTES`
bytes (the home page's size, set by bench/run.sh). bench/run.sh serves it with
gunicorn.conf.py, i.e. the same workers, threads and access log as the site, so a row's
ratio to this one is what Broadsheet's own code costs on top of Django and gunicorn:

    BARE_BYTES=12000 gunicorn --config gunicorn.conf.py --bind 127.0.0.1:9000 bench.bare
"""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from django.http import HttpRequest, HttpResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-a-secret",  # noqa: S106 - never serves anything real
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
    USE_TZ=True,
    # gunicorn.conf.py configures gunicorn's own loggers; Django adds nothing per request.
    LOGGING_CONFIG=None,
)

BODY = b"x" * int(os.environ.get("BARE_BYTES", "10000"))


def page(request: HttpRequest) -> HttpResponse:
    """Always the same bytes, as HTML, like a page from the page cache would be."""
    return HttpResponse(BODY, content_type="text/html; charset=utf-8")


urlpatterns = [path("", page), path("<path:anything>", page)]

application = get_wsgi_application()
