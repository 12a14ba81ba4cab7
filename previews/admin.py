"""The post form's "Preview links" box: create, list, copy and revoke links to the post.

Added to `blog`'s post admin through its extension points (`blog.admin.hooks`); the box
is drawn after the post form (outside it: its buttons post forms of their own), and only
for who may share a preview (`blog.permissions.can_share_preview`), who is also the only
one its views answer. The link shows the post as last *saved*.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse

from blog import permissions
from blog.admin.hooks import PostAdminExtension
from blog.admin.states import format_moment
from blog.models import Post
from core.origin import site_url

from .models import DEFAULT_DAYS, EXPIRY_CHOICES, MAX_LIVE_LINKS, PreviewFeedback, PreviewLink
from .services import PreviewLinkRefused, preview_link_create, preview_link_revoke

LISTED = 30  # links shown in the box, newest first (live ones are at most MAX_LIVE_LINKS)
FEEDBACK_LISTED = 20  # the newest feedback shown (each link keeps at most MAX_FEEDBACK)


def link_url(link: PreviewLink) -> str:
    """The absolute address to hand out (the site's origin, never the request's)."""
    return site_url(reverse("previews:preview", args=[link.token]))


def link_state(link: PreviewLink) -> str:
    if link.revoked_at is not None:
        return f"Revoked {format_moment(link.revoked_at)}"
    if not link.is_live:
        return f"Expired {format_moment(link.expires_at)}"
    return f"Works until {format_moment(link.expires_at)}"


class PreviewLinkExtension(PostAdminExtension):
    after_form_template = "previews/admin/preview_links.html"

    def get_urls(self):
        view = self.model_admin.admin_site.admin_view
        return [
            path(
                "<int:object_id>/preview-links/",
                view(self.create_view),
                name=self.url_name("post_preview_link_create"),
            ),
            path(
                "<int:object_id>/preview-links/<int:link_id>/revoke/",
                view(self.revoke_view),
                name=self.url_name("post_preview_link_revoke"),
            ),
        ]

    def _shareable(self, request: HttpRequest, object_id: int) -> Post:
        post = self.model_admin.get_object(request, str(object_id))
        if post is None:
            raise Http404("No such post.")
        if not permissions.can_share_preview(request.user, post):
            raise PermissionDenied
        return post

    def _back(self, post: Post) -> HttpResponseRedirect:
        url = self.admin_url("change", args=[post.pk])  # this admin's own (pages: pages)
        return HttpResponseRedirect(f"{url}#preview-links")

    def create_view(self, request: HttpRequest, object_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        post = self._shareable(request, object_id)
        days = request.POST.get("days", "")
        try:
            link = preview_link_create(
                post=post, user=request.user, days=int(days) if days.isdigit() else 0
            )
        except PreviewLinkRefused as refused:
            self.model_admin.message_user(request, str(refused), messages.ERROR)
        else:
            self.model_admin.message_user(
                request,
                f"Preview link created: it works until {format_moment(link.expires_at)}. "
                "Copy it from “Preview links” below.",
                messages.SUCCESS,
            )
        return self._back(post)

    def revoke_view(self, request: HttpRequest, object_id: int, link_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        post = self._shareable(request, object_id)
        link = get_object_or_404(PreviewLink, pk=link_id, post=post)
        if preview_link_revoke(link=link, user=request.user):
            text, level = "Preview link revoked: it no longer opens the post.", messages.SUCCESS
        else:
            text, level = "That preview link had already stopped working.", messages.INFO
        self.model_admin.message_user(request, text, level)
        return self._back(post)

    def change_form_context(self, request, obj, add) -> dict:
        if obj is None or not obj.pk or not permissions.can_share_preview(request.user, obj):
            return {}
        links = list(PreviewLink.objects.filter(post=obj)[:LISTED])
        return {
            "preview_links": [
                {
                    "link": link,
                    "url": link_url(link),
                    "live": link.is_live,
                    "state": link_state(link),
                    "last_view": format_moment(link.last_viewed_at) if link.last_viewed_at else "",
                    "revoke_url": self.reverse("post_preview_link_revoke", args=[obj.pk, link.pk]),
                }
                for link in links
            ],
            "preview_feedback": [
                {
                    "item": item,
                    "when": format_moment(item.created_at),
                    "link_end": item.link.token[-6:],
                }
                for item in PreviewFeedback.objects.filter(link__post=obj).select_related("link")[
                    :FEEDBACK_LISTED
                ]
            ],
            "preview_link_create_url": self.reverse("post_preview_link_create", args=[obj.pk]),
            "preview_link_choices": EXPIRY_CHOICES,
            "preview_link_default_days": DEFAULT_DAYS,
            "preview_link_max": MAX_LIVE_LINKS,
        }
