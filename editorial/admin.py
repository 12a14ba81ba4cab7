"""The post editor's extra screens: autosave, live preview, history, diff and restore.

`PostEditorExtension` adds them to `blog`'s post admin through its extension points
(`blog.admin.hooks`), registered in `EditorialConfig.ready()`: `blog` never imports
this app, and the post admin is never replaced. Every view checks `blog.permissions` on
the post (through the post admin's `has_*_permission`), and the POST ones CSRF (Django's
middleware; nothing is exempt).
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from blog import permissions
from blog.admin import states, zones
from blog.admin.hooks import PostAdminExtension
from blog.markdown import TOO_COMPLEX_MESSAGE, reading_minutes, render
from blog.models import MAX_BODY_LENGTH, Post

from . import review, revisions
from .models import Autosave

_ID = re.compile(r"[0-9]{1,18}")  # a row id (ASCII digits, within bigint), as typed in a URL


class PostEditorExtension(PostAdminExtension):
    form_top_template = "admin/blog/post/autosave_offer.html"
    after_form_template = "admin/blog/post/autosave_discard.html"

    def get_urls(self):
        view = self.model_admin.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name="post_preview"),
            path("autosave/new/", view(self.autosave_new_view), name="post_autosave_new"),
            path(
                "autosave/new/discard/",
                view(self.autosave_new_discard_view),
                name="post_autosave_new_discard",
            ),
            path("<int:object_id>/autosave/", view(self.autosave_view), name="post_autosave"),
            path(
                "<int:object_id>/autosave/discard/",
                view(self.autosave_discard_view),
                name="post_autosave_discard",
            ),
            path(
                "<int:object_id>/revisions/compare/",
                view(self.compare_view),
                name="post_compare",
            ),
            path(
                "<int:object_id>/revisions/<int:version_id>/restore/",
                view(self.restore_view),
                name="post_restore",
            ),
        ]

    def _changeable(self, request: HttpRequest, object_id) -> Post:
        post = self.model_admin.get_object(request, str(object_id))
        if post is None:
            raise Http404("No such post.")
        if not self.model_admin.has_change_permission(request, post):
            raise PermissionDenied
        return post

    # --- the change form: autosave offer and the script's endpoints ---------------------

    def change_form_context(self, request, obj, add) -> dict:
        context = {"preview_url": reverse("admin:post_preview")}
        if obj is not None and obj.pk:
            context["autosave_url"] = reverse("admin:post_autosave", args=[obj.pk])
            autosave = Autosave.objects.filter(post=obj, user=request.user).first()
            # An autosave sent just before the save may land after it: same text, no offer.
            if autosave and autosave.saved_at > obj.updated_at and not autosave.same_text_as(obj):
                discard = reverse("admin:post_autosave_discard", args=[obj.pk])
                self._offer(context, autosave, discard)
        elif add:
            # A post not saved yet: the writer's "new post" slot (editorial.models).
            context["autosave_url"] = reverse("admin:post_autosave_new")
            autosave = Autosave.objects.new_post_slot(request.user).first()
            offered = request.method == "GET" and "restore_autosave" not in request.GET
            if offered and autosave and autosave.has_text():
                if autosave.saved_as_a_post():  # it landed after the save that emptied it
                    autosave.delete()
                else:
                    self._offer(context, autosave, reverse("admin:post_autosave_new_discard"))
        return context

    @staticmethod
    def _offer(context: dict, autosave: Autosave, discard_url: str) -> None:
        """ "Restore them / Discard them" above the form (templates/admin/blog/post/)."""
        context["autosave"] = autosave
        context["autosave_when"] = states.format_moment(autosave.saved_at)
        context["autosave_discard_url"] = discard_url

    def object_loaded(self, request, post) -> None:
        if request.method == "GET" and "restore_autosave" in request.GET:
            # Without JavaScript: draw the form with the autosaved text (not saved yet).
            autosave = Autosave.objects.filter(post=post, user=request.user).first()
            if autosave:
                post.title, post.body, post.excerpt = (
                    autosave.title,
                    autosave.body,
                    autosave.excerpt,
                )

    def initial_data(self, request) -> dict:
        if "restore_autosave" in request.GET:
            # "Add post" without JavaScript: the form drawn with the new post's autosave.
            autosave = Autosave.objects.new_post_slot(request.user).first()
            if autosave:
                return {"title": autosave.title, "body": autosave.body, "excerpt": autosave.excerpt}
        return {}

    def post_saved(self, request, post, form, change) -> None:
        Autosave.objects.filter(post=post, user=request.user).delete()
        if not change:  # the new post is saved: its slot has done its job
            Autosave.objects.new_post_slot(request.user).delete()
        # A submit tells the editors through the post's events (`editorial.signals`).
        if form.action == states.RETURN:
            review.review_returned(post=post, note=form.cleaned_data["note"].strip())

    # --- JSON endpoints of static/editor/editor.js --------------------------------------

    @staticmethod
    def preview_view(request: HttpRequest) -> JsonResponse:
        """The body as readers will see it, rendered by blog/markdown.py; a body too
        complex to format shows as the plain text it would fall back to, under the
        message the save would answer."""
        if request.method != "POST":
            return JsonResponse({"error": "POST the body."}, status=405)
        post_id = request.POST.get("post", "")
        if _ID.fullmatch(post_id):
            post = Post.objects.filter(pk=int(post_id)).first()
            if post is None or not permissions.can_change(request.user, post):
                raise Http404("No such post.")  # another's post and a missing one alike
        elif not permissions.is_writer(request.user):
            raise PermissionDenied
        body = request.POST.get("body", "")[:MAX_BODY_LENGTH]
        rendering = render(body)
        html = rendering.html
        if not rendering.complete:  # what saving would refuse, shown as plain text
            notice = format_html(
                '<p class="preview-notice" role="alert">{}</p>', TOO_COMPLEX_MESSAGE
            )
            html = notice + html
        return JsonResponse(
            {
                "html": html,
                "complete": rendering.complete,
                "words": len(body.split()),
                "minutes": reading_minutes(body),
            }
        )

    @staticmethod
    def _autosave_fields(request) -> dict[str, str] | None:
        """The autosaved text, or None when it holds a NUL byte (no text column can)."""
        fields = {
            "title": request.POST.get("title", "")[:200],
            "body": request.POST.get("body", "")[:MAX_BODY_LENGTH],
            "excerpt": request.POST.get("excerpt", "")[:500],
        }
        return None if any("\x00" in value for value in fields.values()) else fields

    NUL_REFUSED = {"error": "The text contains a NUL character, which cannot be saved."}

    def autosave_view(self, request: HttpRequest, object_id: int) -> JsonResponse:
        if request.method != "POST":
            return JsonResponse({"error": "POST the form."}, status=405)
        post = self._changeable(request, object_id)
        fields = self._autosave_fields(request)
        if fields is None:
            return JsonResponse(self.NUL_REFUSED, status=400)
        autosave, _ = Autosave.objects.update_or_create(
            post=post, user=request.user, defaults=fields
        )
        return self._autosaved(request, autosave)

    def autosave_new_view(self, request: HttpRequest) -> JsonResponse:
        """ "Add post": the text goes to the writer's slot; no Post is created."""
        if request.method != "POST":
            return JsonResponse({"error": "POST the form."}, status=405)
        if not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        fields = self._autosave_fields(request)
        if fields is None:
            return JsonResponse(self.NUL_REFUSED, status=400)
        autosave, _ = Autosave.objects.update_or_create(
            post=None, user=request.user, defaults=fields
        )
        return self._autosaved(request, autosave)

    @staticmethod
    def _autosaved(request: HttpRequest, autosave: Autosave) -> JsonResponse:
        with zones.in_editor_zone(request):
            when = states.format_moment(autosave.saved_at)
        return JsonResponse({"saved_at": autosave.saved_at.isoformat(), "when": when})

    def autosave_discard_view(self, request: HttpRequest, object_id: int):
        if request.method != "POST":
            return JsonResponse({"error": "POST to discard."}, status=405)
        post = self._changeable(request, object_id)
        Autosave.objects.filter(post=post, user=request.user).delete()
        self.model_admin.message_user(request, "Autosaved changes discarded.", messages.INFO)
        return HttpResponseRedirect(reverse("admin:blog_post_change", args=[post.pk]))

    def autosave_new_discard_view(self, request: HttpRequest):
        if request.method != "POST":
            return JsonResponse({"error": "POST to discard."}, status=405)
        if not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        Autosave.objects.new_post_slot(request.user).delete()
        self.model_admin.message_user(request, "Unsaved draft discarded.", messages.INFO)
        return HttpResponseRedirect(reverse("admin:blog_post_add"))

    # --- history, diff, restore ---------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        post = self.model_admin.get_object(request, object_id)
        if post is None or not self.model_admin.has_view_or_change_permission(request, post):
            raise Http404("No such post.")
        # One more than shown: the oldest row shown still says what it changed.
        versions = list(revisions.post_versions(post)[:201])
        with zones.in_editor_zone(request):
            rows = [
                {
                    "version": v,
                    "when": revisions.format_saved(v.revision.date_created),
                    "who": v.revision.user.public_name if v.revision.user else "—",
                    "status": Post.Status(v.field_dict.get("status") or "draft").label,
                    "title": v.field_dict.get("title", ""),
                    "changed": revisions.change_summary(
                        versions[i + 1].field_dict if i + 1 < len(versions) else None,
                        v.field_dict,
                    ),
                }
                for i, v in enumerate(versions[:200])
            ]
            context = {
                **self.model_admin.admin_site.each_context(request),
                "opts": self.model_admin.opts,
                "original": post,
                "title": f"History of “{post}”",
                "subtitle": None,
                "rows": rows,
                "can_restore": permissions.can_change(request.user, post),
                "compare_url": reverse("admin:post_compare", args=[post.pk]),
                **(extra_context or {}),
            }
            response = TemplateResponse(request, "admin/blog/post/revisions.html", context)
            response.render()
        return response

    def compare_view(self, request: HttpRequest, object_id: int):
        post = self.model_admin.get_object(request, str(object_id))
        if post is None or not self.model_admin.has_view_or_change_permission(request, post):
            raise Http404("No such post.")
        numbers = [request.GET.get(key, "") for key in ("a", "b")]
        if not all(_ID.fullmatch(number) for number in numbers):
            return HttpResponseBadRequest("Compare two versions: ?a=<id>&b=<id>.")
        versions = revisions.post_versions(post)
        older = get_object_or_404(versions, pk=int(numbers[0]))
        newer = get_object_or_404(versions, pk=int(numbers[1]))
        if (older.revision.date_created, older.pk) > (newer.revision.date_created, newer.pk):
            older, newer = newer, older
        with zones.in_editor_zone(request):
            fields, lines = revisions.diff(older, newer)
            context = {
                **self.model_admin.admin_site.each_context(request),
                "opts": self.model_admin.opts,
                "original": post,
                "title": f"Changes to “{post}”",
                "subtitle": None,
                "older": older,
                "newer": newer,
                "older_heading": self._heading(older),
                "newer_heading": self._heading(newer),
                "fields": fields,
                "lines": lines,
                "history_url": reverse("admin:blog_post_history", args=[post.pk]),
            }
            response = TemplateResponse(request, "admin/blog/post/revision_diff.html", context)
            response.render()
        return response

    def restore_view(self, request: HttpRequest, object_id: int, version_id: int):
        """GET: what the restore will change, and whether readers see it at once; the
        page's button POSTs here to restore."""
        post = self._changeable(request, object_id)
        version = get_object_or_404(revisions.post_versions(post), pk=version_id)
        if request.method == "GET":
            return self._restore_confirmation(request, post, version)
        if request.method != "POST":
            return JsonResponse({"error": "POST to restore."}, status=405)
        revisions.revision_restore(post=post, version=version, user=request.user)
        self.model_admin.message_user(
            request,
            f"Restored. The post is now {Post.State(post.state).label}; "
            "the version it replaced stays in the history.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:blog_post_change", args=[post.pk]))

    @staticmethod
    def _heading(version) -> str:
        """A revision as a column heading: when, and who saved it."""
        when = revisions.format_saved(version.revision.date_created)
        user = version.revision.user
        return f"{when} · {user.public_name}" if user else when

    def _restore_confirmation(self, request: HttpRequest, post: Post, version):
        with zones.in_editor_zone(request):
            fields, lines = revisions.diff_readable(
                revisions.readable_post(post), revisions.readable(version)
            )
            data = version.field_dict
            comes_back = data.get("status") or Post.Status.DRAFT
            if comes_back != Post.Status.DRAFT and not permissions.can_publish(request.user):
                comes_back = Post.Status.DRAFT
            context = {
                **self.model_admin.admin_site.each_context(request),
                "opts": self.model_admin.opts,
                "original": post,
                "title": f"Restore this revision of “{post}”?",
                "subtitle": None,
                "version": version,
                "version_heading": self._heading(version),
                "fields": fields,
                "lines": lines,
                "published_now": post.state == Post.State.PUBLISHED,
                "comes_back_as": Post.Status(comes_back).label,
                "stays_public": comes_back == Post.Status.PUBLISHED,
                "history_url": reverse("admin:blog_post_history", args=[post.pk]),
            }
            response = TemplateResponse(request, "admin/blog/post/revision_restore.html", context)
            response.render()
        return response
