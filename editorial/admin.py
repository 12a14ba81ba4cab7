"""The post editor's extra screens: autosave, live preview, history, diff and restore.

`PostEditorExtension` adds them to `blog`'s post admin through its extension points
(`blog.admin.hooks`), registered in `EditorialConfig.ready()`: `blog` never imports
this app, and the post admin is never replaced. Every view checks `blog.permissions` on
the post (through the post admin's `has_*_permission`), and the POST ones CSRF (Django's
middleware; nothing is exempt).

Autosave keeps every field of the form (editorial.models); a post not saved yet is
autosaved under its form's draft key, so each new post keeps its own until it is saved
or discarded. The script (static/editor/autosave.js) also keeps a copy in the browser and
asks `session_view` whether the writer is still signed in: the one view here not behind
`admin_view`, so a signed-out script gets JSON (401) and a CSRF token to sign in again
with, instead of the login page.
"""

from __future__ import annotations

import re
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponseBadRequest,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.html import format_html
from django.views.decorators.cache import never_cache

from blog import permissions
from blog.admin import states, zones
from blog.admin.hooks import PostAdminExtension
from blog.markdown import TOO_COMPLEX_MESSAGE, reading_minutes, render
from blog.models import MAX_BODY_LENGTH, Post

from . import review, revisions
from .models import MAX_NEW_POST_DRAFTS, Autosave

_ID = re.compile(r"[0-9]{1,18}")  # a row id (ASCII digits, within bigint), as typed in a URL
_KEY = re.compile(r"[0-9a-f]{32}")  # a draft key as the add form carries it (uuid4().hex)

DRAFT_FIELD = "_draft_key"  # the add form's hidden field (autosave_offer.html)
TEXT_FIELDS = ("title", "body", "excerpt")  # autosaved in columns; the others in `fields`
MAX_VALUES = 100  # values of one autosaved field (tags)
MAX_VALUE_LENGTH = 2000  # characters of one value (the editor's note is the longest)
RESTORED_IN_PLACE = 10  # unsaved new posts whose fields "Add post" carries for the script


def draft_key(value: str | None) -> uuid.UUID | None:
    """A draft key from untrusted text, or None."""
    return uuid.UUID(value) if value and _KEY.fullmatch(value) else None


def autosave_data(autosave: Autosave) -> QueryDict:
    """The autosave as the form posted it (what a form's widgets read)."""
    data = QueryDict(mutable=True)
    for name, values in autosave.fields.items():
        data.setlist(name, [str(value) for value in values])
    for name in TEXT_FIELDS:
        data[name] = getattr(autosave, name)
    return data


class PostEditorExtension(PostAdminExtension):
    form_top_template = "admin/blog/post/autosave_offer.html"
    after_form_template = "admin/blog/post/autosave_discard.html"

    def get_urls(self):
        view = self.model_admin.admin_site.admin_view
        return [
            path("preview/", view(self.preview_view), name=self.url_name("post_preview")),
            # Not behind `admin_view`, which would answer a signed-out script with the
            # login page: this one says so in JSON (401), with a CSRF token to sign in.
            path(
                "editor/session/",
                never_cache(self.session_view),
                name=self.url_name("post_editor_session"),
            ),
            path(
                "autosave/new/",
                view(self.autosave_new_view),
                name=self.url_name("post_autosave_new"),
            ),
            path(
                "autosave/new/discard/",
                view(self.autosave_new_discard_view),
                name=self.url_name("post_autosave_new_discard"),
            ),
            path(
                "<int:object_id>/autosave/",
                view(self.autosave_view),
                name=self.url_name("post_autosave"),
            ),
            path(
                "<int:object_id>/autosave/discard/",
                view(self.autosave_discard_view),
                name=self.url_name("post_autosave_discard"),
            ),
            path(
                "<int:object_id>/revisions/compare/",
                view(self.compare_view),
                name=self.url_name("post_compare"),
            ),
            path(
                "<int:object_id>/revisions/<int:version_id>/restore/",
                view(self.restore_view),
                name=self.url_name("post_restore"),
            ),
        ]

    def _changeable(self, request: HttpRequest, object_id) -> Post:
        post = self.model_admin.get_object(request, str(object_id))
        if post is None:
            raise Http404("No such post.")
        if not self.model_admin.has_change_permission(request, post):
            raise PermissionDenied
        return post

    def _form_class(self, request: HttpRequest, post: Post | None):
        """The post form as this user gets it (their fields only), for its field names."""
        return self.model_admin.get_form(request, post, change=post is not None)

    # --- the change form: autosave offers and the script's endpoints --------------------

    def change_form_context(self, request, obj, add) -> dict:
        context = {
            "preview_url": self.reverse("post_preview"),
            "editor_session_url": self.reverse("post_editor_session"),
            "autosave_data": {},
        }
        if obj is not None and obj.pk:
            context["autosave_url"] = self.reverse("post_autosave", args=[obj.pk])
            autosave = Autosave.objects.filter(post=obj, user=request.user).first()
            # An autosave sent just before the save may land after it: same text, no offer.
            # `updated_at`, not the version's `recorded_at`: a re-render or an import that
            # keeps its source's date must not hide a writer's unsaved words.
            if (
                autosave
                and autosave.saved_at > obj.updated_at
                and self._differs(request, autosave, obj)
            ):
                context["autosave"] = autosave
                context["autosave_when"] = states.format_moment(autosave.saved_at)
                context["autosave_discard_url"] = self.reverse(
                    "post_autosave_discard", args=[obj.pk]
                )
                form_fields = self._form_class(request, obj).base_fields
                context["autosave_data"]["post"] = self._restorable(autosave, form_fields)
        elif add:
            # A post not saved yet: the form's own draft key (editorial.models).
            key = self._form_draft_key(request)
            context["autosave_url"] = self.reverse("post_autosave_new")
            context["autosave_draft_key"] = key.hex
            drafts = self._unsaved_new_posts(request, exclude=key)
            context["new_post_drafts"] = [
                {
                    "key": draft.draft_key.hex,
                    "name": draft.first_words(),
                    "when": states.format_moment(draft.saved_at),
                    "saved_at": draft.saved_at.isoformat(),
                }
                for draft in drafts
            ]
            context["autosave_discard_url"] = self.reverse("post_autosave_new_discard")
            form_fields = self._form_class(request, None).base_fields
            # In the page for the script's restore in place: the newest few (bodies may be
            # long); the others' "Restore" links draw the form on the server.
            context["autosave_data"]["drafts"] = {
                draft.draft_key.hex: self._restorable(draft, form_fields)
                for draft in drafts[:RESTORED_IN_PLACE]
            }
        return context

    @staticmethod
    def _form_draft_key(request: HttpRequest) -> uuid.UUID:
        """The add form's draft key: posted back with the form (a refused save keeps it),
        the one restored (`?restore_autosave=<key>`), or a new one."""
        given = request.POST.get(DRAFT_FIELD) if request.method == "POST" else None
        if request.method == "GET":
            given = request.GET.get("restore_autosave")
        return draft_key(given) or uuid.uuid4()

    @staticmethod
    def _unsaved_new_posts(request: HttpRequest, exclude: uuid.UUID) -> list[Autosave]:
        """The writer's other unsaved new posts, newest first; rows with nothing to lose
        (blank, or already saved as a post: a late autosave) are deleted on the way."""
        drafts = []
        for draft in Autosave.objects.new_posts(request.user).exclude(draft_key=exclude):
            if not draft.has_text() or draft.saved_as_a_post():
                draft.delete()
            else:
                drafts.append(draft)
        return drafts

    def _differs(self, request: HttpRequest, autosave: Autosave, post: Post) -> bool:
        """Would restoring `autosave` change anything in the form drawn from `post`?"""
        if not autosave.same_text_as(post):
            return True
        names = set(autosave.fields) - {"version", "note", *TEXT_FIELDS}
        if not names:
            return False
        form = self._form_class(request, post)(data=autosave_data(autosave), instance=post)
        return bool(names & set(form.changed_data))

    @staticmethod
    def _restorable(autosave: Autosave, form_fields: dict[str, forms.Field]) -> dict:
        """What the script's "Restore" puts in the form: every field as posted, and the
        names of the chosen category, tags, cover… (an autocomplete only lists those)."""
        fields = {
            **autosave.fields,
            "title": [autosave.title],
            "body": [autosave.body],
            "excerpt": [autosave.excerpt],
        }
        labels = {}
        for name, values in autosave.fields.items():
            field = form_fields.get(name)
            ids = [value for value in values if _ID.fullmatch(value)]
            if isinstance(field, forms.ModelChoiceField) and ids:
                chosen = field.queryset.filter(pk__in=ids)
                labels[name] = {str(obj.pk): field.label_from_instance(obj) for obj in chosen}
        return {"fields": fields, "labels": labels, "saved_at": autosave.saved_at.isoformat()}

    def object_loaded(self, request, post) -> None:
        if request.method == "GET" and "restore_autosave" in request.GET:
            # Without JavaScript: draw the form with the autosaved fields (not saved yet).
            autosave = Autosave.objects.filter(post=post, user=request.user).first()
            if autosave:
                post.title, post.body, post.excerpt = (
                    autosave.title,
                    autosave.body,
                    autosave.excerpt,
                )
                self._restore_model_fields(request, post, autosave)

    def _restore_model_fields(self, request, post: Post, autosave: Autosave) -> None:
        """The autosaved slug, category, cover, publication time… onto the loaded post.
        Tags are left out: a post's many-to-many values are read from the database, so
        only the script restores them (in place)."""
        form_fields = self._form_class(request, post).base_fields
        data = autosave_data(autosave)
        for name in autosave.fields:
            field = form_fields.get(name)
            try:
                model_field = Post._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field is None or model_field.many_to_many or not model_field.editable:
                continue
            try:
                value = field.clean(field.widget.value_from_datadict(data, MultiValueDict(), name))
            except ValidationError:
                continue  # no longer valid (a deleted category…): the stored value stays
            setattr(post, name, value)

    def initial_data(self, request) -> dict:
        key = draft_key(request.GET.get("restore_autosave"))
        if key is None:
            return {}
        # "Add post" without JavaScript: the form drawn with that new post's autosave.
        autosave = Autosave.objects.new_posts(request.user).filter(draft_key=key).first()
        if autosave is None:
            return {}
        form_fields = self._form_class(request, None).base_fields
        data = autosave_data(autosave)
        initial = {
            name: field.widget.value_from_datadict(data, MultiValueDict(), name)
            for name, field in form_fields.items()
            if name in autosave.fields and name != "version"
        }
        return {
            **initial,
            "title": autosave.title,
            "body": autosave.body,
            "excerpt": autosave.excerpt,
        }

    def post_saved(self, request, post, form, change) -> None:
        Autosave.objects.filter(post=post, user=request.user).delete()
        key = draft_key(request.POST.get(DRAFT_FIELD))
        if not change and key:  # the new post is saved: its own autosave has done its job
            Autosave.objects.new_posts(request.user).filter(draft_key=key).delete()
        # A submit tells the editors through the post's events (`editorial.signals`).
        if form.action == states.RETURN:
            review.review_returned(post=post, note=form.cleaned_data["note"].strip())

    # --- JSON endpoints of static/editor/editor.js and autosave.js ----------------------

    @staticmethod
    def preview_view(request: HttpRequest) -> JsonResponse:
        """The body as readers will see it, rendered by blog/markdown.py; a body too
        complex to format shows as the plain text it would fall back to, under the
        message the save would answer."""
        if request.method != "POST":
            return JsonResponse({"error": "POST the body."}, status=405)
        post_id = request.POST.get("post", "")
        if _ID.fullmatch(post_id):
            post = Post.all_kinds.filter(pk=int(post_id)).first()
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

    def session_view(self, request: HttpRequest) -> JsonResponse:
        """Is the writer still signed in to the admin? With a fresh CSRF token either way:
        the script signs in again with it (the admin's login form), and after that puts
        the new one in the page's forms (signing in rotates it), so "Save" works."""
        if request.method != "GET":
            return JsonResponse({"error": "GET it."}, status=405)
        signed_in = self.model_admin.admin_site.has_permission(request)
        data = {"signed_in": signed_in, "csrf_token": get_token(request)}
        if signed_in:
            data["username"] = request.user.get_username()
        return JsonResponse(data, status=200 if signed_in else 401)

    def _autosave_fields(self, request: HttpRequest, post: Post | None) -> dict | None:
        """The autosaved form, cut to its fields' sizes; None when it holds a NUL byte
        (no text column can). Fields this user's form does not have are ignored."""
        names = set(self._form_class(request, post).base_fields) - set(TEXT_FIELDS)
        others = {
            name: [value[:MAX_VALUE_LENGTH] for value in request.POST.getlist(name)[:MAX_VALUES]]
            for name in sorted(names)
            if name in request.POST
        }
        texts = {
            "title": request.POST.get("title", "")[:200],
            "body": request.POST.get("body", "")[:MAX_BODY_LENGTH],
            "excerpt": request.POST.get("excerpt", "")[:500],
        }
        values = [*texts.values(), *(v for vs in others.values() for v in vs)]
        if any("\x00" in value for value in values):
            return None
        return {**texts, "fields": others}

    NUL_REFUSED = {"error": "The text contains a NUL character, which cannot be saved."}

    def keep_unsaved(self, request: HttpRequest, post: Post) -> bool:
        """Keep the posted post form as the writer's autosave of `post`: a view that
        refused it (editorial.scheduled_admin) leaves the text for the form to offer back."""
        fields = self._autosave_fields(request, post)
        if fields is not None:
            Autosave.objects.update_or_create(post=post, user=request.user, defaults=fields)
        return fields is not None

    def autosave_view(self, request: HttpRequest, object_id: int) -> JsonResponse:
        if request.method != "POST":
            return JsonResponse({"error": "POST the form."}, status=405)
        post = self._changeable(request, object_id)
        fields = self._autosave_fields(request, post)
        if fields is None:
            return JsonResponse(self.NUL_REFUSED, status=400)
        autosave, _ = Autosave.objects.update_or_create(
            post=post, user=request.user, defaults=fields
        )
        return self._autosaved(request, autosave)

    def autosave_new_view(self, request: HttpRequest) -> JsonResponse:
        """ "Add post": the text goes to the autosave of the form's draft key; no Post."""
        if request.method != "POST":
            return JsonResponse({"error": "POST the form."}, status=405)
        if not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        fields = self._autosave_fields(request, None)
        if fields is None:
            return JsonResponse(self.NUL_REFUSED, status=400)
        key = draft_key(request.POST.get(DRAFT_FIELD))
        if key is None:
            return JsonResponse({"error": "No draft key: reload the page."}, status=400)
        drafts = Autosave.objects.new_posts(request.user)
        if not drafts.filter(draft_key=key).exists() and drafts.count() >= MAX_NEW_POST_DRAFTS:
            error = (
                f"You have {MAX_NEW_POST_DRAFTS} unsaved new posts: save or discard some "
                "(“Add post” lists them) so this one can be autosaved."
            )
            return JsonResponse({"error": error}, status=400)
        autosave, _ = Autosave.objects.update_or_create(
            post=None, user=request.user, draft_key=key, defaults=fields
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
        return HttpResponseRedirect(self.admin_url("change", args=[post.pk]))

    def autosave_new_discard_view(self, request: HttpRequest):
        """One unsaved new post's autosave (`draft`: its key) goes; the others stay."""
        if request.method != "POST":
            return JsonResponse({"error": "POST to discard."}, status=405)
        if not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        key = draft_key(request.POST.get("draft"))
        if key is None:
            return HttpResponseBadRequest("Which draft? Post its key as “draft”.")
        Autosave.objects.new_posts(request.user).filter(draft_key=key).delete()
        self.model_admin.message_user(request, "Unsaved draft discarded.", messages.INFO)
        return HttpResponseRedirect(self.admin_url("add"))

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
                "compare_url": self.reverse("post_compare", args=[post.pk]),
                "restore_url_name": f"admin:{self.url_name('post_restore')}",
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
                "history_url": self.admin_url("history", args=[post.pk]),
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
            f"Restored. The {self.model_admin.opts.verbose_name} is now "
            f"{Post.State(post.state).label}; "
            "the version it replaced stays in the history.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(self.admin_url("change", args=[post.pk]))

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
            status, published_at = revisions.restored_status(version, request.user)
            if status != Post.Status.PUBLISHED:
                comes_back = Post.Status(status).label
            elif published_at and published_at > timezone.now():
                comes_back = Post.State.SCHEDULED.label
            else:
                comes_back = Post.State.PUBLISHED.label
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
                "comes_back_as": comes_back,
                "stays_public": comes_back == Post.State.PUBLISHED.label,
                "history_url": self.admin_url("history", args=[post.pk]),
            }
            response = TemplateResponse(request, "admin/blog/post/revision_restore.html", context)
            response.render()
        return response
