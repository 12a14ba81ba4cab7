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

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods, require_safe

from blog.fragments import preview_pieces
from blog.models import Post
from blog.views.errors import page_not_found
from core.client_ip import client_ip
from pages.models import Page
from pages.views import page_context

from .models import PreviewFeedback
from .services import (
    PreviewLinkRefused,
    preview_feedback_leave,
    preview_link_find,
    preview_link_open,
)

BANNER = "Preview of a draft — not published"


def _private(response: HttpResponse, referrer_policy: str = "no-referrer") -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = referrer_policy
    return response


@require_safe
def preview(request: HttpRequest, token: str) -> HttpResponse:
    link = preview_link_open(token)
    if link is not None and link.post.is_public:
        return _private(HttpResponseRedirect(link.post.get_absolute_url()))
    if link is not None and link.post.kind == Post.Kind.PAGE:  # shown as pages are shown
        page = Page.objects.select_related("author", "cover_image", "social_image")
        context = page_context(page.get(pk=link.post_id)) | {"token": token}
        return _private(TemplateResponse(request, "pages/page_detail.html", context))
    found = preview_pieces(link.post_id, banner=BANNER) if link is not None else None
    if found is None:
        return _private(page_not_found(request))
    post, pieces = found
    context = {"post": post, "pieces": pieces, "menu": pieces["menu"], "token": token}
    response = TemplateResponse(request, "previews/preview.html", context)
    return _private(response)


class FeedbackForm(forms.Form):
    name = forms.CharField(
        label="Your name (optional)",
        max_length=PreviewFeedback._meta.get_field("name").max_length,
        required=False,
    )
    message = forms.CharField(
        label="Your feedback",
        max_length=PreviewFeedback._meta.get_field("message").max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def feedback(request: HttpRequest, token: str) -> HttpResponse:
    """The reader of a preview writes back to the writer (PreviewFeedback).

    A page of its own, not a form on the preview: that page sends no `Referer` and so no
    `Origin` either (it is "null" under `no-referrer`), which Django's CSRF check refuses.
    Here `same-origin` sends both to this site only; the page links nowhere else.
    """
    link = preview_link_find(token)
    if link is None:
        return _private(page_not_found(request))
    form = FeedbackForm(request.POST if request.method == "POST" else None)
    error = ""
    if form.is_valid():
        try:
            preview_feedback_leave(
                link=link,
                name=form.cleaned_data["name"].strip(),
                message=form.cleaned_data["message"].strip(),
                address=client_ip(request),
            )
        except PreviewLinkRefused as refused:
            error = str(refused)
        else:
            return _private(HttpResponseRedirect("?sent=1"), "same-origin")
    context = {
        "post": link.post,
        "form": form,
        "error": error,
        "sent": request.method == "GET" and request.GET.get("sent") == "1",
        "token": token,
    }
    response = TemplateResponse(request, "previews/feedback.html", context)
    return _private(response, "same-origin")
