"""`request.member`: the signed-in member, or None.

Read only when the request carries a session cookie, so an anonymous reader's request
costs nothing. Other apps (blog's body rule, the page cache's staff of templates) read
`getattr(request, "member", None)` and never import this app.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from .sessions import member_from_session


class MemberMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.member = (
            member_from_session(request)
            if request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            else None
        )
        return self.get_response(request)
