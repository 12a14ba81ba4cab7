"""The post form's "Comments" box: whether a post's comments are open, closed or hidden.

Added to `blog`'s post admin through its extension points (`blog.admin.hooks`), drawn
after the post form (outside it: the box posts a form of its own, so choosing a mode
never saves unsaved changes to the post, nor needs them). Only who may change the post
(`PostAdmin.has_change_permission`, blog.permissions) sees the box, and its view checks
that again. Saving the mode writes the post's `Discussion` row; `comments.signals`
forgets that post's kept thread and cached page after the commit, and no other page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path

from blog.admin.hooks import PostAdminExtension
from blog.models import Post

from .models import Discussion
from .policy import discussion_mode

Mode = Discussion.Mode


def set_discussion_mode(post: Post, mode: str) -> None:
    """Make `post`'s comments `mode` (a `Discussion.Mode`); open needs no row, but one
    is kept so the choice shows as made. The post's page is forgotten (signals)."""
    Discussion.objects.update_or_create(post=post, defaults={"mode": mode})


class DiscussionBoxExtension(PostAdminExtension):
    after_form_template = "comments/admin/post_discussion.html"

    def get_urls(self):
        view = self.model_admin.admin_site.admin_view
        return [
            path(
                "<int:object_id>/comments-mode/",
                view(self.mode_view),
                name=self.url_name("post_comments_mode"),
            ),
        ]

    def mode_view(self, request: HttpRequest, object_id: int):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        post = self.model_admin.get_object(request, str(object_id))
        if post is None:
            raise Http404("No such post.")
        if not self.model_admin.has_change_permission(request, post):
            raise PermissionDenied
        mode = request.POST.get("mode", "")
        if mode not in Mode.values:
            self.model_admin.message_user(request, "Choose open, closed or hidden.", messages.ERROR)
        else:
            set_discussion_mode(post, mode)
            self.model_admin.message_user(
                request, f"Comments on this post: {Mode(mode).label}.", messages.SUCCESS
            )
        url = self.admin_url("change", args=[post.pk])
        return HttpResponseRedirect(f"{url}#comments-mode")

    def change_form_context(self, request, obj, add) -> dict:
        if obj is None or not obj.pk or not self.model_admin.has_change_permission(request, obj):
            return {}
        return {
            "comments_box": {
                "url": self.reverse("post_comments_mode", args=[obj.pk]),
                "mode": discussion_mode(obj),
                "choices": Mode.choices,
            }
        }
