"""Old WordPress permalinks answer 301 to the imported post (`--keep-permalinks`).

`/?p=12` is looked up before the view (the home page would otherwise answer it); any other
path only when the site has no page for it (a 404), so a redirect never hides a page.
Only public posts are redirected to: the redirect must not reveal a draft's slug.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from blog.models import Post

from .models import Permalink

_POST_ID = re.compile(r"[0-9]{1,18}")
_MAX_PATH = Permalink._meta.get_field("path").max_length


def _target(path: str) -> str | None:
    if "\x00" in path or len(path) > _MAX_PATH:
        return None  # never stored: no query (PostgreSQL refuses NUL in a string anyway)
    link = (
        Permalink.objects.filter(path=path, post__in=Post.objects.public())
        .select_related("post")
        .first()
    )
    return link.post.get_absolute_url() if link else None


class PermalinkRedirectMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            post_id = request.GET.get("p", "")
            if request.path == "/" and _POST_ID.fullmatch(post_id):
                target = _target(f"/?p={int(post_id)}")
                if target:
                    return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            path = request.path if request.path.endswith("/") else request.path + "/"
            target = _target(path)
            if target:
                return HttpResponsePermanentRedirect(target)
        return response
