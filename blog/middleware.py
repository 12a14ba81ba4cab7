"""The site's own 404 page under `make run`, where DEBUG is on.

With DEBUG, Django answers a 404 with its technical page (URL patterns, settings
hints): fine for a developer, confusing for someone trying the demo as a reader. We
keep DEBUG on under `make run` (a 500 still shows the traceback a developer needs) and
give readers the same "not found" page production shows. Listed in
`config/settings/local.py` only.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .views.errors import page_not_found


class FriendlyNotFoundMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith(("/api/", "/static/"))
        ):
            return page_not_found(request)
        return response
