"""`/preview/<token>/`: a draft as readers would see it, for whoever holds the link.

Never through the page cache (no `cache_anonymous_page`), never stored by a browser or a
proxy (`Cache-Control: private, no-store`), never indexed (`noindex` in the page and in
`X-Robots-Tag`), and the token never sent on as a `Referer` (`Referrer-Policy:
no-referrer`). An unknown, revoked or expired token, or a deleted post, all get the same
404 page, with the same headers.

A post that has become public in the meantime: the link redirects (302) to its public
address, so everyone reads the one canonical page (cached for readers as usual); the
link keeps working, and shows a preview again if the post is unpublished.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control

from blog.fragments import preview_pieces
from blog.views.errors import page_not_found

from .services import preview_link_open

BANNER = "Preview of a draft — not published"


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


def preview(request: HttpRequest, token: str) -> HttpResponse:
    link = preview_link_open(token)
    if link is not None and link.post.is_public:
        return _private(HttpResponseRedirect(link.post.get_absolute_url()))
    found = preview_pieces(link.post_id, banner=BANNER) if link is not None else None
    if found is None:
        return _private(page_not_found(request))
    post, pieces = found
    context = {"post": post, "pieces": pieces, "menu": pieces["menu"], "preview_link": link}
    response = TemplateResponse(request, "previews/preview.html", context)
    return _private(response)
