"""Permissions-Policy header from the `PERMISSIONS_POLICY` setting (a header value string).

Add `core.middleware.PermissionsPolicyMiddleware` near the top of MIDDLEWARE. Django
sends the other security headers itself; this one it does not. Written by hand (a dozen
lines) rather than adding django-permissions-policy, which does the same from a dict, to
keep dependency changes out of the deployment work; swap it in when convenient.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PermissionsPolicyMiddleware:
    """Sets `Permissions-Policy` on every response that does not set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = settings.PERMISSIONS_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response
